using System.Text.Json;

namespace MedLedger.Crypto;

/// <summary>
/// A small secret (an emergency private key, an organisation key, a data key) sealed for one
/// public key with HPKE base mode, AES-256-GCM. info = canonical("medledger/v1/sealed-secret",
/// purpose, context) so a sealed secret cannot be replayed for another purpose or subject; aad is empty.
/// </summary>
public sealed record SealedSecret(string RecipientKeyId, byte[] Enc, byte[] Ciphertext)
{
    public static byte[] Info(string purpose, string context) =>
        new CanonicalWriter("medledger/v1/sealed-secret").String(purpose).String(context).ToArray();

    public static SealedSecret Seal(byte[] recipientPublicKey, string purpose, string context, byte[] secret) =>
        Seal(recipientPublicKey, purpose, context, secret, null);

    internal static SealedSecret Seal(byte[] recipientPublicKey, string purpose, string context, byte[] secret, byte[]? ephemeralIkm)
    {
        ArgumentNullException.ThrowIfNull(recipientPublicKey);
        ArgumentException.ThrowIfNullOrEmpty(purpose);
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secret);
        var (enc, ct) = Hpke.SealBase(recipientPublicKey, Info(purpose, context), [], secret, HpkeAead.Aes256Gcm, ephemeralIkm);
        return new SealedSecret(KeyFingerprints.EncryptionKeyId(recipientPublicKey), enc, ct);
    }

    /// <summary>Opens with the recipient's encryption key; wrong key, purpose, context or any changed byte fails.</summary>
    public byte[] Open(UserKeyPair recipient, string purpose, string context)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (RecipientKeyId != KeyFingerprints.EncryptionKeyId(recipient.PublicKey))
        {
            throw new CryptoIntegrityException("This secret is sealed for another key.");
        }
        return Hpke.OpenBase(recipient, Enc, Info(purpose, context), [], Ciphertext, HpkeAead.Aes256Gcm);
    }

    public byte[] ToJsonBytes() => StrictJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("recipientKeyId", RecipientKeyId);
        w.WriteBase64String("enc", Enc);
        w.WriteBase64String("ciphertext", Ciphertext);
        w.WriteEndObject();
    });

    public static SealedSecret FromJson(ReadOnlyMemory<byte> utf8)
    {
        using var doc = StrictJson.Parse(utf8);
        return FromJson(doc.RootElement);
    }

    internal static SealedSecret FromJson(JsonElement e)
    {
        StrictJson.RequireMembers(e, "sealed secret", "recipientKeyId", "enc", "ciphertext");
        return new SealedSecret(
            StrictJson.LowerHex(e, "recipientKeyId", 32),
            StrictJson.Base64(e, "enc", P256.PublicKeyLength),
            StrictJson.Base64(e, "ciphertext", minLength: Aead.TagLength));
    }
}

using System.Security.Cryptography;
using System.Text.Json;

namespace MedLedger.Crypto;

/// <summary>
/// The cleartext header of one record version. Its canonical bytes are the AES-GCM associated data
/// and part of the author's signature, so none of these fields can be changed or swapped between records.
/// Header v2 (<see cref="Category"/> set) also binds the record category, so a consent scope never rests on the
/// server's label; v1 (no category) is still opened, never written by the clients.
/// </summary>
public sealed record RecordHeader(string RecordId, long Version, string PatientId, string AuthorId, string ContentType, long CreatedAtUnixMs, string? Category = null)
{
    public const string Tag = "medledger/v1/record-header";
    public const string TagV2 = "medledger/v2/record-header";

    /// <summary>2 when the header binds the category, 1 for the original layout.</summary>
    public int HeaderVersion => Category is null ? 1 : 2;

    /// <summary>
    /// v1: canonical("medledger/v1/record-header", recordId, version, patientId, authorId, contentType, createdAt);
    /// v2: canonical("medledger/v2/record-header", recordId, version, patientId, authorId, category, contentType, createdAt).
    /// </summary>
    public byte[] ToCanonicalBytes()
    {
        Validate();
        if (Category is null)
        {
            return new CanonicalWriter(Tag)
                .String(RecordId).Int64(Version).String(PatientId).String(AuthorId).String(ContentType).Int64(CreatedAtUnixMs)
                .ToArray();
        }
        return new CanonicalWriter(TagV2)
            .String(RecordId).Int64(Version).String(PatientId).String(AuthorId).String(Category).String(ContentType).Int64(CreatedAtUnixMs)
            .ToArray();
    }

    /// <summary>The same header in layout v2 with <paramref name="category"/> (what the clients write).</summary>
    public RecordHeader WithCategory(string category) => this with { Category = category };

    public void Validate()
    {
        if (string.IsNullOrEmpty(RecordId) || string.IsNullOrEmpty(PatientId) || string.IsNullOrEmpty(AuthorId) || string.IsNullOrEmpty(ContentType)
            || Category is { Length: 0 })
        {
            throw new CryptoFormatException("Record header ids, content type and category must be non-empty.");
        }
        if (Version < 0)
        {
            throw new CryptoFormatException("Record version must not be negative.");
        }
    }
}

/// <summary>The record data key wrapped for one reader with HPKE (AES-256-GCM). Authenticated only towards that reader.</summary>
public sealed record KeyWrap(string ReaderKeyId, byte[] Enc, byte[] WrappedKey)
{
    public const int WrappedKeyLength = 32 + Aead.TagLength;
}

/// <summary>
/// One sealed record version (docs/crypto-format.md, "Record envelope"). Immutable; adding or removing
/// a reader returns a new envelope with the same ciphertext and signature.
/// </summary>
public sealed class RecordEnvelope
{
    public const string FormatV1 = "medledger/v1/record";
    /// <summary>The envelope format names the header layout: a v2 header carries "category".</summary>
    public const string FormatV2 = "medledger/v2/record";

    public RecordEnvelope(RecordHeader header, byte[] nonce, byte[] keyCommitment, byte[] ciphertext, byte[] signature, IReadOnlyList<KeyWrap> wraps)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(nonce);
        ArgumentNullException.ThrowIfNull(keyCommitment);
        ArgumentNullException.ThrowIfNull(ciphertext);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(wraps);
        header.Validate();
        if (nonce.Length != Aead.NonceLength || keyCommitment.Length != 32 || ciphertext.Length < Aead.TagLength
            || signature.Length != Signatures.SignatureLength)
        {
            throw new CryptoFormatException("Record envelope field has the wrong length.");
        }
        CheckWraps(wraps);
        Header = header;
        Nonce = nonce;
        KeyCommitment = keyCommitment;
        Ciphertext = ciphertext;
        Signature = signature;
        Wraps = wraps.ToArray();
    }

    public RecordHeader Header { get; }
    public string Format => Header.HeaderVersion == 2 ? FormatV2 : FormatV1;
    public byte[] Nonce { get; }
    /// <summary>HMAC-SHA256(dataKey, "medledger/v1/key-commitment"): signed, so every reader provably gets the same key.</summary>
    public byte[] KeyCommitment { get; }
    /// <summary>AES-256-GCM ciphertext with the 16-byte tag appended.</summary>
    public byte[] Ciphertext { get; }
    public byte[] Signature { get; }
    public IReadOnlyList<KeyWrap> Wraps { get; }

    /// <summary>
    /// The envelope's checks on its wraps (fields present and well-sized, one per reader key), on their own: a server
    /// receiving the ciphertext as a stream checks the wraps before it reads the body.
    /// </summary>
    public static void CheckWraps(IReadOnlyList<KeyWrap> wraps)
    {
        ArgumentNullException.ThrowIfNull(wraps);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in wraps)
        {
            ArgumentNullException.ThrowIfNull(w);
            if (w.ReaderKeyId is null || w.Enc is null || w.WrappedKey is null)
            {
                throw new CryptoFormatException("Key wrap is missing a field.");
            }
            if (w.Enc.Length != P256.PublicKeyLength || w.WrappedKey.Length != KeyWrap.WrappedKeyLength
                || w.ReaderKeyId.Length != 64 || !w.ReaderKeyId.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
            {
                throw new CryptoFormatException("Key wrap is malformed.");
            }
            if (!ids.Add(w.ReaderKeyId))
            {
                throw new CryptoFormatException("Two key wraps for the same reader.");
            }
        }
    }

    private byte[]? _ciphertextHash;

    /// <summary>Called only by the sealing code, which computed <paramref name="hash"/> over this very ciphertext.</summary>
    internal void RememberCiphertextHash(byte[] hash) => _ciphertextHash = hash;

    /// <summary>
    /// SHA-256 of <see cref="Ciphertext"/>; signed, and usable as the blob store's content address. Computed once per
    /// envelope (a 20 MiB upload is hashed for the signature check, the anchor and the blob address): the envelope's
    /// arrays are not meant to change after construction. Returns a copy.
    /// </summary>
    public byte[] CiphertextHash() => (byte[])(_ciphertextHash ??= SHA256.HashData(Ciphertext)).Clone();

    public KeyWrap? FindWrap(string readerKeyId) => Wraps.FirstOrDefault(w => w.ReaderKeyId == readerKeyId);

    /// <summary>Adds (or replaces) the wrap for <see cref="KeyWrap.ReaderKeyId"/>; ciphertext and signature are untouched.</summary>
    public RecordEnvelope WithWrap(KeyWrap wrap)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        var wraps = Wraps.Where(w => w.ReaderKeyId != wrap.ReaderKeyId).Append(wrap).ToArray();
        return new RecordEnvelope(Header, Nonce, KeyCommitment, Ciphertext, Signature, wraps);
    }

    /// <summary>Revocation: the reader's wrap is dropped (what they already decrypted stays with them).</summary>
    public RecordEnvelope WithoutWrap(string readerKeyId) =>
        new(Header, Nonce, KeyCommitment, Ciphertext, Signature, Wraps.Where(w => w.ReaderKeyId != readerKeyId).ToArray());

    public byte[] ToJsonBytes() => StrictJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteStartObject("header");
        w.WriteString("recordId", Header.RecordId);
        w.WriteNumber("version", Header.Version);
        w.WriteString("patientId", Header.PatientId);
        w.WriteString("authorId", Header.AuthorId);
        w.WriteString("contentType", Header.ContentType);
        if (Header.Category is not null)
        {
            w.WriteString("category", Header.Category);
        }
        w.WriteNumber("createdAt", Header.CreatedAtUnixMs);
        w.WriteEndObject();
        w.WriteBase64String("nonce", Nonce);
        w.WriteBase64String("keyCommitment", KeyCommitment);
        w.WriteBase64String("ciphertext", Ciphertext);
        w.WriteBase64String("signature", Signature);
        w.WriteStartArray("wraps");
        foreach (var wrap in Wraps)
        {
            w.WriteStartObject();
            w.WriteString("readerKeyId", wrap.ReaderKeyId);
            w.WriteBase64String("enc", wrap.Enc);
            w.WriteBase64String("wrappedKey", wrap.WrappedKey);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToJsonBytes());

    public static RecordEnvelope FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return FromJson(System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Strict parse; anything malformed gives <see cref="CryptoFormatException"/>. Parsing verifies nothing cryptographic.</summary>
    public static RecordEnvelope FromJson(ReadOnlyMemory<byte> utf8)
    {
        using var doc = StrictJson.Parse(utf8);
        var root = doc.RootElement;
        StrictJson.RequireMembers(root, "record envelope", "format", "header", "nonce", "keyCommitment", "ciphertext", "signature", "wraps");
        var format = StrictJson.String(root, "format");
        if (format is not (FormatV1 or FormatV2))
        {
            throw new CryptoFormatException("Not a medledger/v1/record or medledger/v2/record envelope.");
        }
        var h = root.GetProperty("header");
        if (format == FormatV2)
        {
            StrictJson.RequireMembers(h, "record header", "recordId", "version", "patientId", "authorId", "contentType", "category", "createdAt");
        }
        else
        {
            StrictJson.RequireMembers(h, "record header", "recordId", "version", "patientId", "authorId", "contentType", "createdAt");
        }
        var header = new RecordHeader(
            StrictJson.String(h, "recordId"), StrictJson.Int64(h, "version"), StrictJson.String(h, "patientId"),
            StrictJson.String(h, "authorId"), StrictJson.String(h, "contentType"), StrictJson.Int64(h, "createdAt"),
            format == FormatV2 ? StrictJson.String(h, "category") : null);
        var wrapsElement = root.GetProperty("wraps");
        if (wrapsElement.ValueKind != JsonValueKind.Array)
        {
            throw new CryptoFormatException("'wraps' must be an array.");
        }
        var wraps = new List<KeyWrap>();
        foreach (var e in wrapsElement.EnumerateArray())
        {
            StrictJson.RequireMembers(e, "key wrap", "readerKeyId", "enc", "wrappedKey");
            wraps.Add(new KeyWrap(
                StrictJson.LowerHex(e, "readerKeyId", 32),
                StrictJson.Base64(e, "enc", P256.PublicKeyLength),
                StrictJson.Base64(e, "wrappedKey", KeyWrap.WrappedKeyLength)));
        }
        return new RecordEnvelope(
            header,
            StrictJson.Base64(root, "nonce", Aead.NonceLength),
            StrictJson.Base64(root, "keyCommitment", 32),
            StrictJson.Base64(root, "ciphertext", minLength: Aead.TagLength),
            StrictJson.Base64(root, "signature", Signatures.SignatureLength),
            wraps);
    }
}

/// <summary>
/// Sealing and opening record envelopes. Seal: fresh 256-bit data key, AES-256-GCM with
/// aad = canonical(header), HPKE wrap per reader, author's ECDSA signature over the header,
/// nonce, key commitment and ciphertext hash. Open: signature → wrap → commitment → decrypt.
/// </summary>
public static class RecordCrypto
{
    public const string RecordKeyInfoTag = "medledger/v1/record-key";
    public const string SignatureTag = "medledger/v1/record-signature";
    private static readonly byte[] CommitmentLabel = "medledger/v1/key-commitment"u8.ToArray();

    /// <summary>Seals <paramref name="plaintext"/> for the given readers' encryption public keys (include the patient and the author).</summary>
    public static RecordEnvelope Seal(RecordHeader header, byte[] plaintext, UserKeyPair authorSigningKey, IEnumerable<byte[]> readerEncryptionPublicKeys)
    {
        ArgumentNullException.ThrowIfNull(readerEncryptionPublicKeys);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            return Seal(header, plaintext, authorSigningKey, readerEncryptionPublicKeys.Select(pk => (pk, (byte[]?)null)).ToList(),
                dataKey, RandomNumberGenerator.GetBytes(Aead.NonceLength));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Deterministic core (explicit data key, nonce and HPKE ephemeral ikm) used by Seal and by the test-vector generator.</summary>
    internal static RecordEnvelope Seal(
        RecordHeader header, byte[] plaintext, UserKeyPair authorSigningKey,
        IReadOnlyList<(byte[] PublicKey, byte[]? EphemeralIkm)> readers, byte[] dataKey, byte[] nonce)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(authorSigningKey);
        if (readers.Count == 0)
        {
            throw new ArgumentException("A record needs at least one reader.", nameof(readers));
        }
        var aad = header.ToCanonicalBytes();
        var ciphertext = Aead.Seal(dataKey, nonce, aad, plaintext);
        var commitment = KeyCommitment(dataKey);
        var ciphertextHash = SHA256.HashData(ciphertext);
        var signature = authorSigningKey.Sign(SignedBytes(header, nonce, commitment, ciphertextHash));
        var wraps = readers.Select(r => Wrap(header, dataKey, r.PublicKey, r.EphemeralIkm)).ToArray();
        // The hash just signed is the envelope's: the writer's anchor and upload use it without hashing the ciphertext again.
        var envelope = new RecordEnvelope(header, nonce, commitment, ciphertext, signature, wraps);
        envelope.RememberCiphertextHash(ciphertextHash);
        return envelope;
    }

    /// <summary>Full open for a reader. Throws <see cref="CryptoIntegrityException"/> or <see cref="CryptoFormatException"/>; never returns unverified plaintext.</summary>
    public static byte[] Open(RecordEnvelope envelope, UserKeyPair readerEncryptionKey, byte[] authorSigningPublicKey)
    {
        var dataKey = UnwrapDataKey(envelope, readerEncryptionKey, authorSigningPublicKey);
        try
        {
            return Aead.Open(dataKey, envelope.Nonce, envelope.Header.ToCanonicalBytes(), envelope.Ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Verifies the author's signature, then unwraps this reader's data key and checks it against the signed commitment.</summary>
    public static byte[] UnwrapDataKey(RecordEnvelope envelope, UserKeyPair readerEncryptionKey, byte[] authorSigningPublicKey)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(readerEncryptionKey);
        if (!VerifySignature(envelope, authorSigningPublicKey))
        {
            throw new CryptoIntegrityException("Record signature does not verify for this author key.");
        }
        var wrap = envelope.FindWrap(KeyFingerprints.EncryptionKeyId(readerEncryptionKey.PublicKey))
            ?? throw new CryptoIntegrityException("The record has no key wrap for this reader.");
        var dataKey = Hpke.OpenBase(readerEncryptionKey, wrap.Enc, RecordKeyInfo(envelope.Header), [], wrap.WrappedKey, HpkeAead.Aes256Gcm);
        CheckCommitment(envelope, dataKey);
        return dataKey;
    }

    /// <summary>Decrypts with a data key already unwrapped (e.g. cached); still verifies signature and commitment first.</summary>
    public static byte[] Decrypt(RecordEnvelope envelope, byte[] dataKey, byte[] authorSigningPublicKey)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(dataKey);
        if (!VerifySignature(envelope, authorSigningPublicKey))
        {
            throw new CryptoIntegrityException("Record signature does not verify for this author key.");
        }
        CheckCommitment(envelope, dataKey);
        return Aead.Open(dataKey, envelope.Nonce, envelope.Header.ToCanonicalBytes(), envelope.Ciphertext);
    }

    /// <summary>Sharing: wrap the data key (unwrapped by a current reader) for a new reader. The ciphertext is not touched.</summary>
    public static KeyWrap AddReader(RecordEnvelope envelope, byte[] dataKey, byte[] newReaderEncryptionPublicKey) =>
        AddReader(envelope, dataKey, newReaderEncryptionPublicKey, null);

    internal static KeyWrap AddReader(RecordEnvelope envelope, byte[] dataKey, byte[] newReaderEncryptionPublicKey, byte[]? ephemeralIkm)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentNullException.ThrowIfNull(dataKey);
        // Refuse to wrap a key that is not this record's: the new reader would only get a useless wrap.
        CheckCommitment(envelope, dataKey);
        return Wrap(envelope.Header, dataKey, newReaderEncryptionPublicKey, ephemeralIkm);
    }

    /// <summary>Checks authorship without any decryption key (the server can do this on upload).</summary>
    public static bool VerifySignature(RecordEnvelope envelope, byte[]? authorSigningPublicKey)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return Signatures.Verify(authorSigningPublicKey,
            SignedBytes(envelope.Header, envelope.Nonce, envelope.KeyCommitment, envelope.CiphertextHash()), envelope.Signature);
    }

    /// <summary>
    /// As <see cref="VerifySignature(RecordEnvelope, byte[])"/>, from the envelope's signed parts and the SHA-256 of the
    /// ciphertext (a server streaming the ciphertext checks the signature over the declared hash first, the hash itself after).
    /// </summary>
    public static bool VerifySignature(RecordHeader header, byte[] nonce, byte[] keyCommitment, byte[] ciphertextHash, byte[] signature, byte[]? authorSigningPublicKey)
    {
        ArgumentNullException.ThrowIfNull(header);
        return Signatures.Verify(authorSigningPublicKey, SignedBytes(header, nonce, keyCommitment, ciphertextHash), signature);
    }

    /// <summary>canonical("medledger/v1/record-signature").Bytes(canonical(header)).Bytes(nonce).Bytes(keyCommitment).Bytes(SHA-256(ciphertext)).</summary>
    public static byte[] SignedBytes(RecordHeader header, byte[] nonce, byte[] keyCommitment, byte[] ciphertextHash)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new CanonicalWriter(SignatureTag)
            .Bytes(header.ToCanonicalBytes()).Bytes(nonce).Bytes(keyCommitment).Bytes(ciphertextHash)
            .ToArray();
    }

    /// <summary>HPKE info for record key wraps: canonical("medledger/v1/record-key").String(recordId).Int64(version).</summary>
    public static byte[] RecordKeyInfo(RecordHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return new CanonicalWriter(RecordKeyInfoTag).String(header.RecordId).Int64(header.Version).ToArray();
    }

    public static byte[] KeyCommitment(byte[] dataKey)
    {
        if (dataKey.Length != 32)
        {
            throw new CryptoFormatException("Record data keys are 32 bytes.");
        }
        return HMACSHA256.HashData(dataKey, CommitmentLabel);
    }

    private static KeyWrap Wrap(RecordHeader header, byte[] dataKey, byte[] readerPublicKey, byte[]? ephemeralIkm)
    {
        ArgumentNullException.ThrowIfNull(readerPublicKey);
        var (enc, wrapped) = Hpke.SealBase(readerPublicKey, RecordKeyInfo(header), [], dataKey, HpkeAead.Aes256Gcm, ephemeralIkm);
        return new KeyWrap(KeyFingerprints.EncryptionKeyId(readerPublicKey), enc, wrapped);
    }

    private static void CheckCommitment(RecordEnvelope envelope, byte[] dataKey)
    {
        if (!CryptographicOperations.FixedTimeEquals(KeyCommitment(dataKey), envelope.KeyCommitment))
        {
            throw new CryptoIntegrityException("Data key does not match the signed key commitment.");
        }
    }
}

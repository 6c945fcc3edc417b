using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>What a patient's profile says about them: patient data, sealed on their device (docs/crypto-format.md section 14).</summary>
public sealed record PatientProfile(string Name, string BirthDate, string Sex, string Phone);

/// <summary>
/// A patient's profile sealed under a fresh 32-byte profile key and signed by the patient. The server stores it as is;
/// each reader gets the profile key as a <see cref="SealedSecret"/> (purpose <see cref="ProtocolTags.PatientProfileKey"/>,
/// context <see cref="PatientProfiles.WrapContext"/>). A new version always has a new key, so a party left out of a
/// write cannot read it (what they read before, they may have kept).
/// </summary>
public sealed record SealedProfile(string PatientId, long Version, byte[] Nonce, byte[] Ciphertext, byte[] Signature);

public static class PatientProfiles
{
    public const int KeyLength = 32;

    /// <summary>canonical(<see cref="ProtocolTags.PatientProfile"/>).String(patientId).Int64(version): the AES-GCM associated data.</summary>
    public static byte[] AssociatedData(string patientId, long version) =>
        new CanonicalWriter(ProtocolTags.PatientProfile).String(patientId).Int64(version).ToArray();

    /// <summary>canonical(<see cref="ProtocolTags.PatientProfile"/>).String(patientId).Int64(version).Bytes(nonce).Bytes(ciphertext): what the patient signs.</summary>
    public static byte[] SignedBytes(string patientId, long version, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> ciphertext) =>
        new CanonicalWriter(ProtocolTags.PatientProfile).String(patientId).Int64(version).Bytes(nonce).Bytes(ciphertext).ToArray();

    /// <summary>The sealed-secret context of a profile key wrap: "{patientId}/{version}", so a wrap opens only for its own version.</summary>
    public static string WrapContext(string patientId, long version) => $"{patientId}/{version}";

    /// <summary>The plaintext: compact JSON {"patientId","name","birthDate","sex","phone"} in that order (UTF-8, non-ASCII unescaped).</summary>
    public static byte[] Plaintext(string patientId, PatientProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return StrictJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("patientId", patientId);
            w.WriteString("name", profile.Name);
            w.WriteString("birthDate", profile.BirthDate);
            w.WriteString("sex", profile.Sex);
            w.WriteString("phone", profile.Phone);
            w.WriteEndObject();
        });
    }

    /// <summary>Seals and signs a profile version under a fresh key; returns the key for the wraps.</summary>
    public static (SealedProfile Sealed, byte[] Key) Seal(string patientId, long version, PatientProfile profile, byte[] signingPrivateKey) =>
        Seal(patientId, version, profile, signingPrivateKey, RandomNumberGenerator.GetBytes(KeyLength), RandomNumberGenerator.GetBytes(Aead.NonceLength));

    /// <summary>Deterministic form for vectors: the caller supplies key and nonce (never reuse either).</summary>
    public static (SealedProfile Sealed, byte[] Key) Seal(string patientId, long version, PatientProfile profile, byte[] signingPrivateKey, byte[] key, byte[] nonce)
    {
        ArgumentException.ThrowIfNullOrEmpty(patientId);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(nonce);
        if (key.Length != KeyLength || nonce.Length != Aead.NonceLength)
        {
            throw new CryptoFormatException($"A profile key is {KeyLength} bytes and its nonce {Aead.NonceLength}.");
        }
        var ciphertext = Aead.Seal(key, nonce, AssociatedData(patientId, version), Plaintext(patientId, profile));
        var signature = Signatures.Sign(signingPrivateKey, SignedBytes(patientId, version, nonce, ciphertext));
        return (new SealedProfile(patientId, version, nonce, ciphertext, signature), key);
    }

    /// <summary>
    /// Opens a profile for a reader: the profile must be the one asked for, signed by the patient's registered signing key,
    /// and its content must name the same patient. Anything else throws <see cref="CryptoIntegrityException"/>.
    /// </summary>
    public static PatientProfile Open(SealedProfile sealedProfile, byte[] key, string expectedPatientId, byte[] patientSigningPublicKey)
    {
        ArgumentNullException.ThrowIfNull(sealedProfile);
        if (!string.Equals(sealedProfile.PatientId, expectedPatientId, StringComparison.Ordinal))
        {
            throw new CryptoIntegrityException($"Asked for the profile of {expectedPatientId}, got one of {sealedProfile.PatientId}.");
        }
        if (!Signatures.Verify(patientSigningPublicKey, SignedBytes(sealedProfile.PatientId, sealedProfile.Version, sealedProfile.Nonce, sealedProfile.Ciphertext), sealedProfile.Signature))
        {
            throw new CryptoIntegrityException("The profile is not signed by the patient's registered key.");
        }
        if (sealedProfile.Nonce.Length != Aead.NonceLength || key is not { Length: KeyLength })
        {
            throw new CryptoFormatException("Malformed profile nonce or key.");
        }
        var plaintext = Aead.Open(key, sealedProfile.Nonce, AssociatedData(sealedProfile.PatientId, sealedProfile.Version), sealedProfile.Ciphertext);
        using var doc = StrictJson.Parse(plaintext);
        var e = doc.RootElement;
        StrictJson.RequireMembers(e, "patient profile", "patientId", "name", "birthDate", "sex", "phone");
        if (StrictJson.String(e, "patientId") != expectedPatientId)
        {
            throw new CryptoIntegrityException("The profile's content names another patient.");
        }
        return new PatientProfile(StrictJson.String(e, "name"), StrictJson.String(e, "birthDate"), StrictJson.String(e, "sex"), StrictJson.String(e, "phone"));
    }

    /// <summary>Wraps a profile version's key for one reader's encryption key.</summary>
    public static SealedSecret WrapKey(byte[] readerEncryptionPublicKey, string patientId, long version, byte[] key) =>
        SealedSecret.Seal(readerEncryptionPublicKey, ProtocolTags.PatientProfileKey, WrapContext(patientId, version), key);

    public static byte[] UnwrapKey(SealedSecret wrap, UserKeyPair reader, string patientId, long version)
    {
        ArgumentNullException.ThrowIfNull(wrap);
        var key = wrap.Open(reader, ProtocolTags.PatientProfileKey, WrapContext(patientId, version));
        return key.Length == KeyLength ? key : throw new CryptoFormatException("A profile key is 32 bytes.");
    }

    /// <summary>Whole years between a yyyy-MM-dd birth date and today (null when the date does not parse).</summary>
    public static int? AgeOn(string birthDate, DateOnly today)
    {
        if (!DateOnly.TryParseExact(birthDate, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var born))
        {
            return null;
        }
        var age = today.Year - born.Year;
        return born.AddYears(age) > today ? age - 1 : age;
    }
}

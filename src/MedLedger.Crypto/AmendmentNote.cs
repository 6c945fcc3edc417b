using System.Security.Cryptography;
using System.Text;

namespace MedLedger.Crypto;

/// <summary>
/// The text of an amendment request or of a decline reason, sealed on the device for exactly two people: the record's
/// patient and its author (docs/crypto-format.md "Amendment notes"). Each copy is a <see cref="SealedSecret"/> with the
/// note's purpose and the request id as context. The ledger carries only <see cref="Hash"/>, which binds both copies
/// to the request, so a server cannot swap the note a signed transaction anchored.
/// </summary>
public sealed record AmendmentNote(SealedSecret ForPatient, SealedSecret ForAuthor)
{
    /// <summary>Longest note in characters; a correction request is a few sentences, not a record.</summary>
    public const int MaxLength = 4000;

    public static AmendmentNote Seal(string purpose, string requestId, string text, byte[] patientEncryptionKey, byte[] authorEncryptionKey) =>
        Seal(purpose, requestId, text, patientEncryptionKey, authorEncryptionKey, null, null);

    /// <summary>Deterministic form for vectors: the HPKE ephemeral keys come from the given ikms (never reuse them).</summary>
    internal static AmendmentNote Seal(string purpose, string requestId, string text, byte[] patientEncryptionKey, byte[] authorEncryptionKey,
        byte[]? patientEphemeralIkm, byte[]? authorEphemeralIkm)
    {
        CheckPurpose(purpose);
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Length == 0 || text.Length > MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(text), $"A note is 1 to {MaxLength} characters.");
        }
        var bytes = Encoding.UTF8.GetBytes(text.Normalize(NormalizationForm.FormC));
        return new AmendmentNote(
            SealedSecret.Seal(patientEncryptionKey, purpose, requestId, bytes, patientEphemeralIkm),
            SealedSecret.Seal(authorEncryptionKey, purpose, requestId, bytes, authorEphemeralIkm));
    }

    /// <summary>
    /// lowercase hex SHA-256(canonical(ProtocolTags.AmendmentNote).String(purpose).String(requestId)
    /// .Bytes(patient enc).Bytes(patient ciphertext).Bytes(author enc).Bytes(author ciphertext)).
    /// </summary>
    public string Hash(string purpose, string requestId)
    {
        CheckPurpose(purpose);
        ArgumentNullException.ThrowIfNull(requestId);
        return Convert.ToHexStringLower(SHA256.HashData(new CanonicalWriter(ProtocolTags.AmendmentNote).String(purpose).String(requestId)
            .Bytes(ForPatient.Enc).Bytes(ForPatient.Ciphertext).Bytes(ForAuthor.Enc).Bytes(ForAuthor.Ciphertext).ToArray()));
    }

    /// <summary>Opens the copy sealed for <paramref name="me"/> (patient or author); any changed byte or other key fails.</summary>
    public string Open(UserKeyPair me, string purpose, string requestId)
    {
        ArgumentNullException.ThrowIfNull(me);
        CheckPurpose(purpose);
        var keyId = KeyFingerprints.EncryptionKeyId(me.PublicKey);
        var copy = ForPatient.RecipientKeyId == keyId ? ForPatient
            : ForAuthor.RecipientKeyId == keyId ? ForAuthor
            : throw new CryptoIntegrityException("This note is sealed for other keys.");
        return Encoding.UTF8.GetString(copy.Open(me, purpose, requestId));
    }

    private static void CheckPurpose(string purpose)
    {
        if (purpose is not (ProtocolTags.AmendmentRequestText or ProtocolTags.AmendmentDeclineReason))
        {
            throw new ArgumentException("Unknown amendment note purpose.", nameof(purpose));
        }
    }
}

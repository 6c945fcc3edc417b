using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// A salted commitment to a fact that must not appear on the ledger in words (docs/crypto-format.md section 13, "Fact commitments"):
/// <c>lowercase hex SHA-256(canonical(ProtocolTags.FactCommitment).String(kind).String(value).Bytes(salt))</c>.
/// The 32-byte salt is made on the client and kept by the patient and the parties who need the fact; without it
/// the handful of possible values (bed types, purposes) cannot be tried against the hash.
/// </summary>
public static class FactCommitment
{
    public const int SaltLength = 32;

    /// <summary>The kind of a bed booking's bed type ("icu", "maternity", …).</summary>
    public const string BedType = "bed-type";

    /// <summary>The kind of a consent grant's purpose ("treatment", "research", …).</summary>
    public const string ConsentPurpose = "consent-purpose";

    public static byte[] NewSalt() => RandomNumberGenerator.GetBytes(SaltLength);

    public static byte[] CanonicalBytes(string kind, string value, ReadOnlySpan<byte> salt)
    {
        ArgumentException.ThrowIfNullOrEmpty(kind);
        ArgumentNullException.ThrowIfNull(value);
        if (salt.Length != SaltLength)
        {
            throw new CryptoFormatException($"A fact commitment salt is {SaltLength} bytes.");
        }
        return new CanonicalWriter(ProtocolTags.FactCommitment).String(kind).String(value).Bytes(salt).ToArray();
    }

    public static string Compute(string kind, string value, ReadOnlySpan<byte> salt) =>
        Convert.ToHexStringLower(SHA256.HashData(CanonicalBytes(kind, value, salt)));

    /// <summary>Whether <paramref name="commitment"/> opens to this value with this salt (false for a salt of the wrong length).</summary>
    public static bool Opens(string? commitment, string kind, string value, ReadOnlySpan<byte> salt)
    {
        if (commitment is null || salt.Length != SaltLength)
        {
            return false;
        }
        var expected = System.Text.Encoding.ASCII.GetBytes(Compute(kind, value, salt));
        return CryptographicOperations.FixedTimeEquals(expected, System.Text.Encoding.ASCII.GetBytes(commitment));
    }
}

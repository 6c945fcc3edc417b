using System.Security.Cryptography;
using System.Text;

namespace MedLedger.Crypto;

/// <summary>Parameters stored (in the clear) with a user's key bundle so any client can re-derive.</summary>
public sealed record PasswordParameters(string Algorithm, int Iterations, byte[] Salt)
{
    public const string Pbkdf2Sha256 = "PBKDF2-HMAC-SHA256";
    public const int MinimumIterations = 600_000;

    public static PasswordParameters CreateNew(int iterations = MinimumIterations) =>
        new(Pbkdf2Sha256, iterations, RandomNumberGenerator.GetBytes(16));

    public void Validate()
    {
        if (Algorithm != Pbkdf2Sha256)
        {
            throw new CryptoFormatException($"Unsupported password KDF '{Algorithm}'.");
        }
        if (Iterations < MinimumIterations)
        {
            throw new CryptoFormatException($"PBKDF2 iterations must be at least {MinimumIterations}.");
        }
        if (Salt is null || Salt.Length < 16)
        {
            throw new CryptoFormatException("Password salt must be at least 16 bytes.");
        }
    }
}

/// <summary>The two halves of the password-derived master secret (docs/crypto-format.md, "Password keys").</summary>
public sealed record DerivedPasswordKeys(byte[] AuthenticationKey, byte[] KeyEncryptionKey);

public static class PasswordKeys
{
    public static readonly byte[] AuthenticationKeyInfo = "medledger/v1/auth-key"u8.ToArray();
    public static readonly byte[] KeyEncryptionKeyInfo = "medledger/v1/key-encryption-key"u8.ToArray();

    /// <summary>
    /// master = PBKDF2-HMAC-SHA256(NFC(password), salt, iterations, 32);
    /// authKey = HKDF-Expand(master, "medledger/v1/auth-key", 32) is what the server sees;
    /// kek = HKDF-Expand(master, "medledger/v1/key-encryption-key", 32) never leaves the client.
    /// </summary>
    public static DerivedPasswordKeys Derive(string password, PasswordParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Validate();
        // Our own NFC: string.Normalize() is a no-op for non-ASCII under InvariantGlobalization.
        var passwordBytes = Encoding.UTF8.GetBytes(Unicode.Nfc.Normalize(password));
        var master = Rfc2898DeriveBytes.Pbkdf2(passwordBytes, parameters.Salt, parameters.Iterations, HashAlgorithmName.SHA256, 32);
        try
        {
            var auth = HKDF.Expand(HashAlgorithmName.SHA256, master, 32, AuthenticationKeyInfo);
            var kek = HKDF.Expand(HashAlgorithmName.SHA256, master, 32, KeyEncryptionKeyInfo);
            return new DerivedPasswordKeys(auth, kek);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(master);
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }
}

namespace MedLedger.Crypto;

/// <summary>
/// The bytes a client signs with its signing key when it sets new password material (password change or account
/// recovery). They bind the new authenticator, KDF parameters and password wrap to the user and to a single-use nonce
/// the server issued for this one attempt, so only a holder of the private keys can set them and a captured signature
/// is worthless afterwards; the server verifies the same bytes (docs/crypto-format.md, "Password change and recovery").
/// </summary>
public static class PasswordMaterial
{
    /// <summary>canonical(tag).String(userId).String(nonce).Bytes(newAuthKey).String(algorithm).Int64(iterations).Bytes(salt).Bytes(newPasswordWrap).</summary>
    public static byte[] SignedBytes(string tag, Guid userId, string nonce, byte[] newAuthKey, string kdfAlgorithm, long kdfIterations, byte[] kdfSalt, byte[] newPasswordWrappedPrivateKeys) =>
        new CanonicalWriter(tag).String(userId.ToString()).String(nonce).Bytes(newAuthKey)
            .String(kdfAlgorithm).Int64(kdfIterations).Bytes(kdfSalt)
            .Bytes(newPasswordWrappedPrivateKeys).ToArray();

    public static byte[] SignedBytes(string tag, Guid userId, string nonce, byte[] newAuthKey, PasswordParameters kdf, byte[] newPasswordWrappedPrivateKeys)
    {
        ArgumentNullException.ThrowIfNull(kdf);
        return SignedBytes(tag, userId, nonce, newAuthKey, kdf.Algorithm, kdf.Iterations, kdf.Salt, newPasswordWrappedPrivateKeys);
    }
}

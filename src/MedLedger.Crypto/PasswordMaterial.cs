namespace MedLedger.Crypto;

/// <summary>
/// The bytes a client signs with its signing key when it sets new password material (password change or account
/// recovery). They bind the new authenticator, KDF parameters and password wrap to the user, so only a holder of the
/// private keys can set them; the server verifies the same bytes (docs/crypto-format.md, "Password change and recovery").
/// </summary>
public static class PasswordMaterial
{
    /// <summary>canonical(tag).String(userId).Bytes(newAuthKey).String(algorithm).Int64(iterations).Bytes(salt).Bytes(newPasswordWrap).</summary>
    public static byte[] SignedBytes(string tag, Guid userId, byte[] newAuthKey, string kdfAlgorithm, long kdfIterations, byte[] kdfSalt, byte[] newPasswordWrappedPrivateKeys) =>
        new CanonicalWriter(tag).String(userId.ToString()).Bytes(newAuthKey)
            .String(kdfAlgorithm).Int64(kdfIterations).Bytes(kdfSalt)
            .Bytes(newPasswordWrappedPrivateKeys).ToArray();

    public static byte[] SignedBytes(string tag, Guid userId, byte[] newAuthKey, PasswordParameters kdf, byte[] newPasswordWrappedPrivateKeys)
    {
        ArgumentNullException.ThrowIfNull(kdf);
        return SignedBytes(tag, userId, newAuthKey, kdf.Algorithm, kdf.Iterations, kdf.Salt, newPasswordWrappedPrivateKeys);
    }
}

using System.Security.Cryptography;
using MedLedger.Crypto;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// New password material (auth key, KDF parameters, password wrap) signed with the user's registered signing key —
/// what password change and account recovery both install (docs/architecture.md, "Password change and account recovery").
/// </summary>
public sealed class NewPasswordMaterial(MedLedgerDbContext db, IOptions<AuthOptions> options)
{
    public static void Validate(Validator v, byte[]? newAuthKey, KdfParametersDto? kdf, byte[]? wrap, byte[]? signature)
    {
        v.Require(newAuthKey is { Length: AccountRules.AuthKeyLength }, "newAuthKey", $"newAuthKey must be {AccountRules.AuthKeyLength} bytes (derived on the client, never the password).");
        AccountRules.RequireKdf(v, kdf, "newKdf");
        v.Require(wrap is { Length: PrivateKeyWrap.EncodedLength }, "newPasswordWrappedPrivateKeys", $"newPasswordWrappedPrivateKeys must be {PrivateKeyWrap.EncodedLength} bytes (nonce 12 || ciphertext 80).");
        v.Require(signature is { Length: AccountRules.SignatureLength }, "signature", "signature must be a 64-byte ECDSA P-256 signature (r || s).");
    }

    /// <summary>Does the signature over the material (under <paramref name="tag"/>, for this attempt's <paramref name="nonce"/>) verify with the registered signing key?</summary>
    public static bool IsSignedBy(KeyBundleRecord keys, string tag, Guid userId, string nonce, byte[] newAuthKey, KdfParametersDto kdf, byte[] wrap, byte[] signature) =>
        Signatures.Verify(keys.SigningPublicKey, PasswordMaterial.SignedBytes(tag, userId, nonce, newAuthKey, kdf.Algorithm, kdf.Iterations, kdf.Salt, wrap), signature);

    /// <summary>The nonce string of a challenge (its random id), as clients sign it.</summary>
    public static string NonceOf(Guid challengeId) => challengeId.ToString("N");

    /// <summary>Installs the material on the tracked user and key bundle (saved by <see cref="SaveAsync"/>); the key pairs never change.</summary>
    public void Apply(UserAccount user, KeyBundleRecord keys, byte[] newAuthKey, KdfParametersDto kdf, byte[] wrap, DateTimeOffset now)
    {
        user.AuthKeySalt = RandomNumberGenerator.GetBytes(16);
        user.AuthKeyIterations = options.Value.ServerHashIterations;
        user.AuthKeyHash = AccountRules.HashAuthKey(newAuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        user.KdfAlgorithm = kdf.Algorithm;
        user.KdfIterations = kdf.Iterations;
        user.KdfSalt = kdf.Salt;
        user.FailedAttempts = 0;
        user.ConcurrencyStamp = Guid.NewGuid();
        keys.PasswordWrappedPrivateKeys = wrap;
        keys.UpdatedAt = now;
        keys.ConcurrencyStamp = Guid.NewGuid();
    }

    public async Task SaveAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw ProblemException.Conflict("The account changed at the same time; reload and try again.");
        }
    }
}

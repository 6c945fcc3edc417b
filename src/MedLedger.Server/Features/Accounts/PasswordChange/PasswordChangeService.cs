using System.Security.Cryptography;
using MedLedger.Crypto;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Signed-in password change; the key pairs and the recovery wrap stay, every other session ends.</summary>
public sealed class PasswordChangeService(
    MedLedgerDbContext db,
    TimeProvider clock,
    SecurityEventLog events,
    LoginAttempts attempts,
    NewPasswordMaterial material,
    SessionService sessions)
{
    /// <summary>
    /// The signature is checked before the current authentication key, so a stolen session without the private keys
    /// cannot use this endpoint to test passwords; a wrong current key counts towards lockout exactly like a failed login.
    /// </summary>
    public async Task ChangeAsync(Caller caller, ChangePasswordRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(r.CurrentAuthKey is { Length: AccountRules.AuthKeyLength }, "currentAuthKey", $"currentAuthKey must be {AccountRules.AuthKeyLength} bytes.");
        NewPasswordMaterial.Validate(v, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature);
        v.ThrowIfInvalid();

        var userId = caller.Id;
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        attempts.EnsureNotLocked(user);
        var keys = await db.KeyBundles.FirstOrDefaultAsync(k => k.UserId == userId, ct) ?? throw ProblemException.NotFound("Key bundle");
        if (!NewPasswordMaterial.IsSignedBy(keys, ProtocolTags.PasswordChange, userId, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature))
        {
            await events.RecordAsync(SecurityEventKind.AccessDenied, userId, userId, "password-change: signature does not verify", ct);
            throw ProblemException.Invalid("signature", "The signature does not verify with your registered signing key.");
        }
        var hash = AccountRules.HashAuthKey(r.CurrentAuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        if (!CryptographicOperations.FixedTimeEquals(hash, user.AuthKeyHash))
        {
            await attempts.RegisterFailureAsync(userId, SecurityEventKind.LoginFailed, ct, "password-change");
            throw ProblemException.Unauthorized("The current password is wrong.");
        }

        var now = clock.GetUtcNow();
        material.Apply(user, keys, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await material.SaveAsync(ct);
        var revoked = await sessions.RevokeAllAsync(userId, keep: caller.SessionId, now, ct);
        await tx.CommitAsync(ct);
        await events.RecordAsync(SecurityEventKind.PasswordChanged, userId, userId, $"revokedSessions={revoked}", ct);
    }
}

using System.Security.Cryptography;
using MedLedger.Crypto;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Signed-in password change; the key pairs and the recovery wrap stay, every other session ends.</summary>
public sealed class PasswordChangeService(
    MedLedgerDbContext db,
    IOptions<AuthOptions> options,
    TimeProvider clock,
    SecurityEventLog events,
    LoginAttempts attempts,
    NewPasswordMaterial material,
    SessionService sessions)
{
    private const string NonceRefused = "The password-change nonce is unknown, expired or already used; ask for a new one and sign again.";

    /// <summary>
    /// Issues a single-use nonce for one password-change attempt: the client signs it into the new material, so a
    /// captured request (signature included) cannot be sent again, not even by the same session.
    /// </summary>
    public async Task<PasswordChangeNonceResponse> IssueNonceAsync(Guid userId, CancellationToken ct)
    {
        var challenge = new LoginChallenge
        {
            Id = Guid.NewGuid(),
            // No bearer ticket goes with a nonce; a random hash keeps the column's uniqueness without a usable secret.
            TicketHash = SessionAuthenticationHandler.TokenHash(AccountRules.NewToken()),
            UserId = userId,
            Purpose = ChallengePurpose.PasswordChange,
            ExpiresAt = clock.GetUtcNow() + options.Value.LoginTicketLifetime,
        };
        db.LoginChallenges.Add(challenge);
        await db.SaveChangesAsync(ct);
        return new PasswordChangeNonceResponse(NewPasswordMaterial.NonceOf(challenge.Id), challenge.ExpiresAt);
    }

    /// <summary>
    /// The nonce is spent first (whatever follows), then the signature is checked before the current authentication key, so a stolen session without the private keys
    /// cannot use this endpoint to test passwords; a wrong current key counts towards lockout exactly like a failed login.
    /// </summary>
    public async Task ChangeAsync(Caller caller, ChangePasswordRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(r.CurrentAuthKey is { Length: AccountRules.AuthKeyLength }, "currentAuthKey", $"currentAuthKey must be {AccountRules.AuthKeyLength} bytes.");
        NewPasswordMaterial.Validate(v, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature);
        v.Require(Guid.TryParseExact(r.Nonce, "N", out _), "nonce", "nonce must be the value POST /api/auth/password/nonce returned.");
        v.ThrowIfInvalid();

        var userId = caller.Id;
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        attempts.EnsureNotLocked(user);
        var nonceId = Guid.ParseExact(r.Nonce, "N");
        var now = clock.GetUtcNow();
        // Atomic spend: of two requests carrying one nonce (a replay racing the original), exactly one goes on.
        var spent = await db.LoginChallenges
            .Where(c => c.Id == nonceId && c.UserId == userId && c.Purpose == ChallengePurpose.PasswordChange && c.ConsumedAt == null && c.ExpiresAt > now)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct);
        if (spent == 0)
        {
            await events.RecordAsync(SecurityEventKind.AccessDenied, userId, userId, "password-change: nonce unknown, expired or spent", ct);
            throw ProblemException.Conflict(NonceRefused);
        }
        var keys = await db.KeyBundles.FirstOrDefaultAsync(k => k.UserId == userId, ct) ?? throw ProblemException.NotFound("Key bundle");
        if (!NewPasswordMaterial.IsSignedBy(keys, ProtocolTags.PasswordChange, userId, r.Nonce, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature))
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

        material.Apply(user, keys, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await material.SaveAsync(ct);
        var revoked = await sessions.RevokeAllAsync(userId, keep: caller.SessionId, now, ct);
        await tx.CommitAsync(ct);
        await events.RecordAsync(SecurityEventKind.PasswordChanged, userId, userId, $"revokedSessions={revoked}", ct);
    }
}

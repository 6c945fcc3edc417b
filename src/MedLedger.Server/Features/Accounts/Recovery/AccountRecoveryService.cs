using System.Security.Cryptography;
using MedLedger.Crypto;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// Account recovery with the recovery code from sign-up: an emailed code releases the recovery wrap, and new password
/// material signed with the keys it unlocks replaces the old. Known and unknown emails look the same from outside.
/// </summary>
public sealed class AccountRecoveryService(
    MedLedgerDbContext db,
    IOptions<AuthOptions> options,
    TimeProvider clock,
    SecurityEventLog events,
    LoginAttempts attempts,
    EmailCodeSender emailCodes,
    NewPasswordMaterial material,
    SessionService sessions)
{
    private const string CodeRefused = "The code is wrong or has expired, or this recovery was already used; start again.";
    private const string TicketRefused = "The recovery ticket is not valid, has expired or was already used; start again.";
    private readonly AuthOptions _o = options.Value;

    /// <summary>
    /// Step one. Known and unknown emails get the same 202 with a fresh random ticket, and the same work: one stored
    /// challenge in one commit. Only a known email within its hourly limit gets a code, queued so sending it does
    /// not lengthen the request; otherwise the challenge is a decoy whose code nobody is sent.
    /// </summary>
    public async Task<RecoveryStartResponse> StartAsync(RecoveryStartRequest r, CancellationToken ct)
    {
        if (!AccountRules.IsEmail(r.Email))
        {
            throw ProblemException.Invalid("email", "email must be a valid address of at most 254 characters.");
        }
        var email = AccountRules.NormalizeEmail(r.Email);
        var ticket = AccountRules.NewToken();
        var challenge = new LoginChallenge
        {
            Id = Guid.NewGuid(),
            TicketHash = SessionAuthenticationHandler.TokenHash(ticket),
            Purpose = ChallengePurpose.Recovery,
            ExpiresAt = clock.GetUtcNow() + _o.LoginTicketLifetime,
        };
        db.LoginChallenges.Add(challenge);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email, ct);
        if (user is null)
        {
            await StoreDecoyAsync(challenge, ct);
            return new RecoveryStartResponse(ticket);
        }
        // The window count and the challenge commit together: one commit, as for a decoy.
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await TakeRecoveryStartAsync(user.Id, ct))
        {
            // Over the limit: a 429 here would tell a real account from an unknown email, so answer with a decoy too.
            await events.RecordAsync(SecurityEventKind.RecoveryLimited, null, user.Id, null, ct);
            await StoreDecoyAsync(challenge, ct);
            await tx.CommitAsync(ct);
            return new RecoveryStartResponse(ticket);
        }
        challenge.UserId = user.Id;
        await emailCodes.SendAsync(challenge, user, "Your MedLedger account recovery code",
            code => $"Your MedLedger account recovery code is {code}. It expires in {(int)Math.Min(_o.EmailCodeLifetime.TotalMinutes, _o.LoginTicketLifetime.TotalMinutes)} minutes. "
                + "You will also need your recovery code (the one shown when you signed up). If you did not ask to recover your account, someone knows your email address; your records stay encrypted.", ct);
        await tx.CommitAsync(ct);
        return new RecoveryStartResponse(ticket);
    }

    /// <summary>
    /// A challenge for no account (UserId empty) with the hash of a code that is never sent: it costs what a real
    /// start costs and every verify of it is refused like a wrong code.
    /// </summary>
    private async Task StoreDecoyAsync(LoginChallenge challenge, CancellationToken ct)
    {
        challenge.UserId = Guid.Empty;
        challenge.EmailCodeHash = AccountRules.EmailCodeHash(challenge.Id, AccountRules.NewEmailCode());
        challenge.EmailCodeExpiresAt = clock.GetUtcNow() + _o.EmailCodeLifetime;
        await db.SaveChangesAsync(ct);
    }

    /// <summary>
    /// Counts one recovery start against the account's hourly window, atomically: each UPDATE re-checks its condition
    /// on the row it changes, so of N concurrent starts at most the limit succeed (SQLite serializes writers; PostgreSQL
    /// re-evaluates the WHERE after the row lock).
    /// </summary>
    private async Task<bool> TakeRecoveryStartAsync(Guid userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var windowOpenedAfter = now - TimeSpan.FromHours(1);
        var opened = await db.Users
            .Where(u => u.Id == userId && (u.RecoveryWindowStartedAt == null || u.RecoveryWindowStartedAt <= windowOpenedAfter))
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.RecoveryWindowStartedAt, now).SetProperty(u => u.RecoveryStartsInWindow, 1), ct);
        if (opened > 0)
        {
            return true;
        }
        var limit = _o.RecoveryStartsPerAccountPerHour;
        var counted = await db.Users
            .Where(u => u.Id == userId && u.RecoveryWindowStartedAt > windowOpenedAfter && u.RecoveryStartsInWindow < limit)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.RecoveryStartsInWindow, u => u.RecoveryStartsInWindow + 1), ct);
        return counted > 0;
    }

    /// <summary>
    /// Step two: the emailed code (single use, expiring, failures count towards lockout). Every refusal of a ticket or
    /// code is the same 401, so a decoy ticket for an unknown email looks like a real one.
    /// </summary>
    public async Task<RecoveryBundleResponse> VerifyAsync(RecoveryVerifyRequest r, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(r.Ticket))
        {
            throw ProblemException.Invalid("ticket", "ticket is required.");
        }
        var code = AccountRules.RequireSixDigitCode(r.Code);
        var hash = SessionAuthenticationHandler.TokenHash(r.Ticket);
        var now = clock.GetUtcNow();
        var challenge = await db.LoginChallenges.AsNoTracking()
            .FirstOrDefaultAsync(c => c.TicketHash == hash && c.Purpose == ChallengePurpose.Recovery, ct);
        if (challenge is null || challenge.ConsumedAt is not null || challenge.ExpiresAt <= now)
        {
            throw ProblemException.Unauthorized(CodeRefused);
        }
        // Not refused while locked: a user locked out by password guesses is exactly who needs recovery. Guessing is
        // bounded per ticket instead, and each wrong code still counts towards the sign-in lockout.
        if (challenge.Attempts >= _o.MaxFailedAttempts || challenge.EmailCodeHash is null || challenge.EmailCodeExpiresAt is null || challenge.EmailCodeExpiresAt <= now)
        {
            throw ProblemException.Unauthorized(CodeRefused);
        }
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == challenge.UserId, ct);
        if (user is null)
        {
            // A decoy (unknown email or over the limit): its code was never sent, so any code is a wrong one.
            await db.LoginChallenges.Where(c => c.Id == challenge.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Attempts, c => c.Attempts + 1), ct);
            throw ProblemException.Unauthorized(CodeRefused);
        }
        if (!CryptographicOperations.FixedTimeEquals(challenge.EmailCodeHash, AccountRules.EmailCodeHash(challenge.Id, code)))
        {
            try
            {
                await attempts.RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpFailed, ct);
            }
            catch (ProblemException e) when (e.Status == 429)
            {
                // The lockout applies to sign-in; here it would tell a decoy ticket from a real one.
            }
            throw ProblemException.Unauthorized(CodeRefused);
        }
        AccountRules.EnsureNotSuspended(user);
        if (!await ConsumeAsync(challenge.Id, now, ct))
        {
            throw ProblemException.Unauthorized(CodeRefused);
        }
        await emailCodes.WithdrawAsync(challenge.Id, ct);
        var keys = await db.KeyBundles.AsNoTracking().FirstOrDefaultAsync(k => k.UserId == user.Id, ct) ?? throw ProblemException.NotFound("Key bundle");
        var recoveryTicket = AccountRules.NewToken();
        var completion = new LoginChallenge
        {
            Id = Guid.NewGuid(),
            TicketHash = SessionAuthenticationHandler.TokenHash(recoveryTicket),
            UserId = user.Id,
            Purpose = ChallengePurpose.RecoveryCompletion,
            ExpiresAt = now + _o.LoginTicketLifetime,
        };
        db.LoginChallenges.Add(completion);
        await db.SaveChangesAsync(ct);
        return new RecoveryBundleResponse(user.Id, new KdfParametersDto(user.KdfAlgorithm, user.KdfIterations, user.KdfSalt),
            keys.SigningPublicKey, keys.EncryptionPublicKey, keys.RecoveryWrappedPrivateKeys, recoveryTicket, completion.ExpiresAt, NewPasswordMaterial.NonceOf(completion.Id));
    }

    /// <summary>
    /// Step three: new password material signed with the keys the recovery code unlocked. The ticket is single use
    /// (a bad signature also spends it); success clears lockout and revokes every session.
    /// </summary>
    public async Task CompleteAsync(RecoveryCompleteRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(!string.IsNullOrWhiteSpace(r.RecoveryTicket), "recoveryTicket", "recoveryTicket is required.");
        NewPasswordMaterial.Validate(v, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature);
        v.ThrowIfInvalid();

        var hash = SessionAuthenticationHandler.TokenHash(r.RecoveryTicket);
        var now = clock.GetUtcNow();
        var challenge = await db.LoginChallenges.AsNoTracking()
            .FirstOrDefaultAsync(c => c.TicketHash == hash && c.Purpose == ChallengePurpose.RecoveryCompletion, ct);
        if (challenge is null || challenge.ConsumedAt is not null || challenge.ExpiresAt <= now)
        {
            throw ProblemException.Unauthorized(TicketRefused);
        }
        var user = await db.Users.FirstAsync(u => u.Id == challenge.UserId, ct);
        AccountRules.EnsureNotSuspended(user);
        var keys = await db.KeyBundles.FirstOrDefaultAsync(k => k.UserId == user.Id, ct) ?? throw ProblemException.NotFound("Key bundle");
        if (!NewPasswordMaterial.IsSignedBy(keys, ProtocolTags.Recovery, user.Id, NewPasswordMaterial.NonceOf(challenge.Id), r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature))
        {
            await ConsumeAsync(challenge.Id, now, ct);
            await events.RecordAsync(SecurityEventKind.AccessDenied, user.Id, user.Id, "recovery: signature does not verify", ct);
            throw ProblemException.Invalid("signature", "The signature does not verify with the account's registered signing key.");
        }

        material.Apply(user, keys, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, now);
        user.LockedUntil = null;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (!await ConsumeAsync(challenge.Id, now, ct))
        {
            throw ProblemException.Unauthorized(TicketRefused);
        }
        await material.SaveAsync(ct);
        var revoked = await sessions.RevokeAllAsync(user.Id, keep: null, now, ct);
        await tx.CommitAsync(ct);
        await events.RecordAsync(SecurityEventKind.Recovered, user.Id, user.Id, $"revokedSessions={revoked}", ct);
    }

    /// <summary>Spends a ticket; false when another request already did (exactly one use wins).</summary>
    private async Task<bool> ConsumeAsync(Guid challengeId, DateTimeOffset now, CancellationToken ct) =>
        await db.LoginChallenges.Where(c => c.Id == challengeId && c.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct) > 0;
}

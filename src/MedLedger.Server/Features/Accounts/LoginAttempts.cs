using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Failed-attempt counting and lockout, shared by sign-in, password change and recovery.</summary>
public sealed class LoginAttempts(MedLedgerDbContext db, IOptions<AuthOptions> options, TimeProvider clock, SecurityEventLog events)
{
    private readonly AuthOptions _o = options.Value;

    public void EnsureNotLocked(UserAccount user) => EnsureNotLocked(user.LockedUntil);

    private void EnsureNotLocked(DateTimeOffset? lockedUntil)
    {
        var now = clock.GetUtcNow();
        if (lockedUntil is { } until && until > now)
        {
            throw Locked(until, until - now);
        }
    }

    // One wording for accounts and unknown emails alike: the answer must not say which it was.
    private static ProblemException Locked(DateTimeOffset until, TimeSpan retryAfter) =>
        ProblemException.Locked($"Too many failed attempts; this account is locked until {until:u}.", retryAfter);

    /// <summary>The unknown-email twin of <see cref="EnsureNotLocked(UserAccount)"/>.</summary>
    public async Task EnsureUnknownEmailNotLockedAsync(byte[] emailKey, CancellationToken ct) =>
        EnsureNotLocked(await db.Set<UnknownEmailAttempts>().Where(a => a.EmailKey == emailKey).Select(a => a.LockedUntil).FirstOrDefaultAsync(ct));

    /// <summary>
    /// The unknown-email twin of <see cref="RegisterFailureAsync"/>: same counting, same limit, same lockout and answer.
    /// The row is created by the first failure; a concurrent creator wins and this one counts on its row.
    /// </summary>
    public async Task RegisterUnknownEmailFailureAsync(byte[] emailKey, CancellationToken ct)
    {
        // Recorded like an account's failure (same writes, so the same time), without a subject: useful against stuffing.
        await events.RecordAsync(SecurityEventKind.LoginFailed, null, null, "unknown email", ct);
        var attemptsOf = db.Set<UnknownEmailAttempts>();
        if (await attemptsOf.Where(a => a.EmailKey == emailKey).ExecuteUpdateAsync(s => s.SetProperty(a => a.FailedAttempts, a => a.FailedAttempts + 1), ct) == 0)
        {
            try
            {
                attemptsOf.Add(new UnknownEmailAttempts { EmailKey = emailKey, FailedAttempts = 1 });
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                await attemptsOf.Where(a => a.EmailKey == emailKey).ExecuteUpdateAsync(s => s.SetProperty(a => a.FailedAttempts, a => a.FailedAttempts + 1), ct);
            }
        }
        var until = clock.GetUtcNow() + _o.LockoutDuration;
        var locked = await attemptsOf.Where(a => a.EmailKey == emailKey && a.FailedAttempts >= _o.MaxFailedAttempts)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.LockedUntil, until).SetProperty(a => a.FailedAttempts, 0), ct);
        if (locked > 0)
        {
            throw Locked(until, _o.LockoutDuration);
        }
    }

    /// <summary>A wrong one-time code: counts against the ticket and the account.</summary>
    public async Task RegisterOtpFailureAsync(LoginChallenge challenge, Guid userId, SecurityEventKind kind, CancellationToken ct)
    {
        await db.LoginChallenges.Where(c => c.Id == challenge.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Attempts, c => c.Attempts + 1), ct);
        await RegisterFailureAsync(userId, kind, ct);
    }

    /// <summary>Counts a failure atomically; the attempt that reaches the limit locks the account.</summary>
    public async Task RegisterFailureAsync(Guid userId, SecurityEventKind kind, CancellationToken ct, string? detail = null)
    {
        await events.RecordAsync(kind, userId, userId, detail, ct);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedAttempts, u => u.FailedAttempts + 1), ct);
        var now = clock.GetUtcNow();
        var until = now + _o.LockoutDuration;
        var locked = await db.Users.Where(u => u.Id == userId && u.FailedAttempts >= _o.MaxFailedAttempts)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockedUntil, until).SetProperty(u => u.FailedAttempts, 0), ct);
        if (locked > 0)
        {
            await events.RecordAsync(SecurityEventKind.Lockout, userId, userId, $"until={until.ToUnixTimeSeconds()}", ct);
            throw Locked(until, _o.LockoutDuration);
        }
    }
}

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

    public void EnsureNotLocked(UserAccount user)
    {
        var now = clock.GetUtcNow();
        if (user.LockedUntil is { } until && until > now)
        {
            throw ProblemException.Locked($"Too many failed attempts; this account is locked until {until:u}.", until - now);
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
            throw ProblemException.Locked($"Too many failed attempts; this account is locked until {until:u}.", _o.LockoutDuration);
        }
    }
}

using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>What one sweep deleted.</summary>
public sealed record SweptAccountState(int PendingRegistrations, int Challenges, int UnknownEmailRows);

/// <summary>
/// Deletes account state nothing can use any more, so anonymous requests cannot grow the store without bound: pending
/// registrations and sign-in/recovery/password-change challenges (stand-in recovery challenges for unknown emails
/// included) past their expiry, and unknown-email lockout rows whose lock has passed and whose count was reset by it —
/// a deleted row reads exactly as such a row does (no lock, no failures), so lockout answers do not change.
/// </summary>
public sealed class ExpiredAccountState(MedLedgerDbContext db, RegistrationService registrations, TimeProvider clock)
{
    public async Task<SweptAccountState> SweepAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var pending = await registrations.SweepExpiredAsync(ct);
        var challenges = await db.LoginChallenges.Where(c => c.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        var unknown = await db.Set<UnknownEmailAttempts>()
            .Where(a => a.FailedAttempts == 0 && (a.LockedUntil == null || a.LockedUntil <= now)).ExecuteDeleteAsync(ct);
        return new SweptAccountState(pending, challenges, unknown);
    }
}

/// <summary>Runs <see cref="ExpiredAccountState.SweepAsync"/> every minute; tests call the sweep directly.</summary>
internal sealed class ExpiredAccountStateSweep(IServiceScopeFactory scopes, TimeProvider clock, ILogger<ExpiredAccountStateSweep> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, clock, stoppingToken);
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<ExpiredAccountState>().SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // One failed sweep (e.g. store briefly unreachable) must not stop later ones.
            catch (Exception e)
#pragma warning restore CA1031
            {
                logger.LogError("Expired account state sweep failed: {ExceptionType}", e.GetType().FullName);
            }
        }
    }
}

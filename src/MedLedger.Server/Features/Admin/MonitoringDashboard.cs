using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Claims;
using MedLedger.Server.Features.Emergency;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Admin;

/// <summary>
/// Gathers the admin's dashboard from each feature's own figures (accounts, verification queue, ledger, security events,
/// break-glass reviews, beds, payments, insurance claims). Metadata only: the features it asks hold no names or content in these columns.
/// </summary>
public sealed class MonitoringDashboard(
    MedLedgerDbContext db, TimeProvider clock, AccountFigures accounts, AdminService admin, LedgerGateway ledger, LedgerVerifyRuns verifyRuns,
    BreakGlassService breakGlass, BedService beds, PayeeTakings takings, ClaimFigures claims, OrganizationService organizations)
{
    public async Task<AdminDashboard> GetAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var queue = await admin.QueueAsync(ct);
        var dayAgo = now.AddDays(-1);
        var events = await db.Set<SecurityEvent>().AsNoTracking().Where(e => e.At >= dayAgo)
            .GroupBy(e => e.Kind).Select(g => new { Kind = g.Key, Count = g.Count() }).ToListAsync(ct);
        var occupancy = await beds.OccupancyAsync(ct);
        return new AdminDashboard(
            now, await accounts.ByRoleAsync(ct), queue.Organizations.Count, queue.Professionals.Count, await LedgerAsync(now, ct),
            events.OrderByDescending(e => e.Count).ThenBy(e => e.Kind).Select(e => new KindCount(e.Kind, e.Count)).ToList(),
            await breakGlass.AwaitingReviewAsync(ct),
            occupancy.Select(h => new HospitalBeds(h.HospitalId, h.Name, h.ByType.Sum(t => t.Total), h.ByType.Sum(t => t.Occupied),
                h.ByType.Sum(t => t.Held), h.ByType.Sum(t => t.Free))).ToList(),
            await takings.BetweenAsync(null, now.AddDays(-30), now, ct),
            await InsuranceAsync(ct));
    }

    /// <summary>Claims per insurer (public directory name) and currency; amounts and counts only.</summary>
    private async Task<IReadOnlyList<InsurerClaims>> InsuranceAsync(CancellationToken ct)
    {
        var figures = await claims.PerInsurerAsync(ct);
        if (figures.Count == 0)
        {
            return [];
        }
        var names = (await organizations.ListAllAsync(OrganizationKind.Insurer, null, ct)).ToDictionary(o => o.Id, o => o.Name);
        return figures.Select(f => new InsurerClaims(names.GetValueOrDefault(f.InsurerId, f.InsurerId.ToString()), f)).ToList();
    }

    /// <summary>
    /// Activity over the last hour, 24 hours or 7 days, bucketed per minute, hour or UTC day: the store's per-minute counts
    /// (block time, metadata only) added up per bucket.
    /// </summary>
    public async Task<LedgerActivity> ActivityAsync(string? range, CancellationToken ct)
    {
        var (bucketMs, count) = (range ?? "hour") switch
        {
            "hour" => (60_000L, 60),
            "day" => (3_600_000L, 24),
            "week" => (86_400_000L, 7),
            _ => throw ProblemException.Invalid("range", "range must be hour, day or week."),
        };
        var current = clock.GetUtcNow().ToUnixTimeMilliseconds() / bucketMs * bucketMs;
        var first = current - ((count - 1) * bucketMs);
        var sums = new long[count, 2];
        foreach (var (minuteMs, total, invalid) in await ledger.Peer.Queries.GetActivityAsync(first, ct))
        {
            var i = (minuteMs - first) / bucketMs;
            if (i is >= 0 && i < count)
            {
                sums[i, 0] += total;
                sums[i, 1] += invalid;
            }
        }
        var buckets = Enumerable.Range(0, count)
            .Select(i => new ActivityBucket(DateTimeOffset.FromUnixTimeMilliseconds(first + (i * bucketMs)), sums[i, 0], sums[i, 1])).ToList();
        return new LedgerActivity(range ?? "hour", (int)(bucketMs / 1000), buckets);
    }

    /// <summary>Every minute of the last hour (zeros included, so a chart's axis is the whole hour).</summary>
    private async Task<LedgerFigures> LedgerAsync(DateTimeOffset now, CancellationToken ct)
    {
        var queries = ledger.Peer.Queries;
        var head = await queries.GetHeadAsync(ct);
        var thisMinute = now.ToUnixTimeMilliseconds() / 60_000 * 60_000;
        var first = thisMinute - (59 * 60_000);
        var activity = (await queries.GetActivityAsync(first, ct)).ToDictionary(a => a.MinuteMs);
        var hour = Enumerable.Range(0, 60).Select(i => first + (i * 60_000L)).Select(m => activity.TryGetValue(m, out var a)
            ? new MinuteActivity(DateTimeOffset.FromUnixTimeMilliseconds(m), a.Total, a.Invalid)
            : new MinuteActivity(DateTimeOffset.FromUnixTimeMilliseconds(m), 0, 0)).ToList();
        return new LedgerFigures(head?.Height ?? 0, head?.TreeSize ?? 0, await queries.CountInvalidAsync(ct), hour, await verifyRuns.LatestAsync(ct));
    }
}

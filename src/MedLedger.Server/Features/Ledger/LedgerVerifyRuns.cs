using MedLedger.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Ledger;

/// <summary>The newest full verification's time and verdict, as `ledger verify` records them (issue 19 item 3).</summary>
public sealed record LedgerVerifyRunView(DateTimeOffset StartedAt, DateTimeOffset FinishedAt, long HeadHeight, bool Ok, string Summary);

/// <summary>Records each `ledger verify` run in the database it verified, and reads the newest back for the admin.</summary>
public sealed class LedgerVerifyRuns(MedLedgerDbContext db)
{
    public const int MaxSummary = 1000;

    public async Task RecordAsync(DateTimeOffset startedAt, DateTimeOffset finishedAt, long headHeight, LedgerVerificationResult result, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(result);
        var summary = result.ToString();
        db.Add(new LedgerVerifyRun
        {
            StartedAt = startedAt, FinishedAt = finishedAt, HeadHeight = headHeight, Ok = result.Ok,
            Summary = summary.Length <= MaxSummary ? summary : summary[..(MaxSummary - 1)] + "…",
        });
        await db.SaveChangesAsync(ct);
    }

    public async Task<LedgerVerifyRunView?> LatestAsync(CancellationToken ct) =>
        (await db.Set<LedgerVerifyRun>().AsNoTracking().OrderByDescending(r => r.Id).Take(1).ToListAsync(ct))
            .Select(r => new LedgerVerifyRunView(r.StartedAt, r.FinishedAt, r.HeadHeight, r.Ok, r.Summary)).FirstOrDefault();
}

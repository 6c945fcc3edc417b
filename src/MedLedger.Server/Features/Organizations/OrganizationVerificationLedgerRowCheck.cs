using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Organizations;

/// <summary>`ledger verify`: each organization's verification status is the newest decision the ledger holds about it.</summary>
public sealed class OrganizationVerificationLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [VerifyContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var decisions = VerificationDecisions.Newest(committed, "organization");
        var rows = await db.Organizations.AsNoTracking().Select(o => new { o.Id, o.Verification }).ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            decisions.TryGetValue(row.Id.ToString(), out var tx);
            if (VerificationDecisions.Disagreement(row.Verification, tx) is { } finding)
            {
                findings.Add($"verification of organization {row.Id}: {finding}");
            }
        }
    }
}

using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Claims;

/// <summary>Writes what a committed insurance.claim stands for (at once, or rolled forward after a crash).</summary>
public sealed class ClaimLedgerRows(ClaimProgress progress) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [InsuranceClaimContract.TypeName];

    public Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<ClaimRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty claim rows");
        return progress.WriteRowsAsync(tx, r, ct);
    }
}

/// <summary>
/// Start-up, after the roll-forward wrote the rows of every committed claim transaction: a claim still filing was never filed on
/// the ledger (its row goes, its key is free); one still paying was never paid out (back to its decision).
/// </summary>
public sealed class FilingClaimRepair(MedLedgerDbContext db) : ILedgerRowRepair
{
    public async Task<int> RepairAsync(CancellationToken ct) =>
        await db.Set<InsuranceClaim>().Where(c => c.Status == ClaimStatus.Filing).ExecuteDeleteAsync(ct)
        + await db.Set<InsuranceClaim>().Where(c => c.Status == ClaimStatus.Paying)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, c => c.Decision ?? ClaimStatus.Approved), ct);
}

/// <summary>
/// `ledger verify`: every claim row past filing stands for a committed insurance.claim file of the same patient, insurer and policy;
/// its status is the one its committed transactions led to; its paid amount is the committed payout's; every committed claim has a row.
/// </summary>
public sealed class ClaimLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [InsuranceClaimContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var filed = new Dictionary<string, LedgerTransaction>(StringComparer.Ordinal);
        var paid = new Dictionary<string, string>(StringComparer.Ordinal);
        var reversed = new HashSet<string>(StringComparer.Ordinal);
        var decided = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            var id = tx.Get("claimId") ?? "";
            switch (tx.Get("action"))
            {
                case InsuranceClaimContract.File:
                    filed[id] = tx;
                    break;
                case InsuranceClaimContract.Decide:
                    decided.Add(id);
                    break;
                case InsuranceClaimContract.Reverse:
                    reversed.Add(id);
                    break;
                case InsuranceClaimContract.Payout:
                    paid[id] = tx.Get("amountMinor") ?? "";
                    break;
            }
        }
        var rows = await db.Set<InsuranceClaim>().AsNoTracking().Where(c => c.Status != ClaimStatus.Filing)
            .Select(c => new { c.Id, c.Status, c.PatientId, c.InsurerOrganizationId, c.PolicyId, c.FileTransactionId, c.PaidMinor }).ToListAsync(ct);
        foreach (var row in rows)
        {
            var id = row.Id.ToString();
            if (!filed.TryGetValue(id, out var file))
            {
                findings.Add($"claim {id} is {row.Status} but no insurance.claim file of it is committed");
                continue;
            }
            if (file.Id != row.FileTransactionId || file.Get("patientId") != row.PatientId.ToString() || file.Get("insurerId") != row.InsurerOrganizationId.ToString()
                || file.Get("policyId") != row.PolicyId.ToString())
            {
                findings.Add($"claim {id}: the row's file transaction, patient, insurer or policy differs from the ledger's ({file.Id})");
            }
            var expected = paid.ContainsKey(id) ? ClaimStatus.Paid : reversed.Contains(id) ? ClaimStatus.Reversed : decided.Contains(id) ? null : ClaimStatus.Filed;
            if (expected is not null && expected != row.Status || expected is null && row.Status is ClaimStatus.Filed or ClaimStatus.Paid or ClaimStatus.Reversed)
            {
                findings.Add($"claim {id} is {row.Status} but the ledger says {expected ?? "decided"}");
            }
            if (paid.TryGetValue(id, out var amount) && amount != row.PaidMinor.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                findings.Add($"claim {id} paid {row.PaidMinor} but the ledger's payout is {amount}");
            }
        }
        var ids = rows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var id in filed.Keys.Where(k => !ids.Contains(k)))
        {
            findings.Add($"claim {id} is on the ledger but has no row");
        }
    }
}

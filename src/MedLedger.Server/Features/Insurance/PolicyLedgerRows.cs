using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>Writes what a committed insurance.policy stands for (at once, or rolled forward after a crash).</summary>
public sealed class PolicyLedgerRows(PolicyProgress progress) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [InsurancePolicyContract.TypeName];

    public Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<PolicyRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty policy rows");
        return progress.WriteRowsAsync(tx, r, ct);
    }
}

/// <summary>
/// Start-up: an application still accepting after the roll-forward (which marks those whose issue committed accepted) was never
/// issued on the ledger: it goes back to submitted, to be accepted or declined again.
/// </summary>
public sealed class AcceptingApplicationRepair(MedLedgerDbContext db) : ILedgerRowRepair
{
    public Task<int> RepairAsync(CancellationToken ct) =>
        db.Set<InsuranceApplication>().Where(a => a.Status == ApplicationStatus.Accepting && a.PolicyId == null)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, ApplicationStatus.Submitted), ct);
}

/// <summary>`ledger verify`: every policy row's status is the one its committed insurance.policy transactions led to, and every committed policy has a row.</summary>
public sealed class PolicyLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [InsurancePolicyContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var onLedger = new Dictionary<string, string>(StringComparer.Ordinal);
        var issuedBy = new Dictionary<string, LedgerTransaction>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            var id = tx.Get("policyId") ?? "";
            switch (tx.Get("action"))
            {
                case InsurancePolicyContract.Issue or InsurancePolicyContract.Renew:
                    onLedger[id] = InsurancePolicyContract.Pending;
                    issuedBy[id] = tx;
                    if (tx.Get("previousPolicyId") is { } previous)
                    {
                        onLedger[previous] = InsurancePolicyContract.Renewed;
                    }
                    break;
                case InsurancePolicyContract.Activate or InsurancePolicyContract.Reinstate:
                    onLedger[id] = InsurancePolicyContract.Active;
                    break;
                case InsurancePolicyContract.Suspend:
                    onLedger[id] = InsurancePolicyContract.Suspended;
                    break;
                default:
                    onLedger[id] = InsurancePolicyContract.Expired;
                    break;
            }
        }
        var rows = await db.Set<InsurancePolicy>().AsNoTracking().Select(p => new { p.Id, p.Status, p.IssueTransactionId, p.PatientId, p.PremiumMinor }).ToListAsync(ct);
        foreach (var row in rows)
        {
            var status = PolicyRules.Name(row.Status);
            if (!onLedger.TryGetValue(row.Id.ToString(), out var expected))
            {
                findings.Add($"policy {row.Id} is {status} but no insurance.policy issue of it is committed");
            }
            else if (expected != status)
            {
                findings.Add($"policy {row.Id} is {status} but the ledger says {expected}");
            }
            else if (issuedBy[row.Id.ToString()] is var issue && (issue.Id != row.IssueTransactionId || issue.Get("patientId") != row.PatientId.ToString()))
            {
                findings.Add($"policy {row.Id}: the row's issue transaction or patient differs from the ledger's ({issue.Id})");
            }
        }
        var ids = rows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var id in issuedBy.Keys.Where(k => !ids.Contains(k)))
        {
            findings.Add($"policy {id} is on the ledger but has no row");
        }
    }
}

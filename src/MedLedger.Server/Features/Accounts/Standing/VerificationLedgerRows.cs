using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// The row state an identity.verify leads to. The reason is not ledger material; the status is kept too because an
/// admin's bootstrap approval leaves the admin's row at NotRequired.
/// </summary>
public sealed record VerificationRows(Guid SubjectId, string SubjectKind, VerificationStatus Status, string? Reason);

/// <summary>
/// Stores a committed identity.verify: a user's row here, an organization's through its own feature's service
/// (one writer per transaction type; each feature writes only its own table).
/// </summary>
public sealed class VerificationLedgerRows(MedLedgerDbContext db, OrganizationService organizations) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [VerifyContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<VerificationRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty verification rows");
        if (r.SubjectKind == "organization")
        {
            await organizations.ApplyVerificationAsync(r.SubjectId, r.Status, r.Reason, ct);
            return;
        }
        await db.Users.Where(u => u.Id == r.SubjectId).ExecuteUpdateAsync(s => s
            .SetProperty(u => u.Verification, r.Status).SetProperty(u => u.VerificationReason, r.Reason).SetProperty(u => u.ConcurrencyStamp, Guid.NewGuid()), ct);
    }
}

/// <summary>`ledger verify`: each user's verification status is the newest decision the ledger holds about them.</summary>
public sealed class UserVerificationLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [VerifyContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var decisions = VerificationDecisions.Newest(committed, "user");
        var rows = await db.Users.AsNoTracking().Select(u => new { u.Id, u.Verification }).ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            decisions.TryGetValue(row.Id.ToString(), out var tx);
            if (VerificationDecisions.Disagreement(row.Verification, tx) is { } finding)
            {
                findings.Add($"verification of user {row.Id}: {finding}");
            }
        }
    }
}

/// <summary>Newest identity.verify per subject, and how a row's status compares with it (shared by the user and organization checks).</summary>
public static class VerificationDecisions
{
    public static Dictionary<string, LedgerTransaction> Newest(IReadOnlyList<LedgerTransaction> committed, string kind)
    {
        ArgumentNullException.ThrowIfNull(committed);
        var newest = new Dictionary<string, LedgerTransaction>(StringComparer.Ordinal);
        foreach (var tx in committed.Where(t => t.Get("subjectKind") == kind))
        {
            newest[tx.Get("subjectId") ?? ""] = tx;
        }
        return newest;
    }

    /// <summary>Null when they agree. NotRequired (patients; admins, whose bootstrap approval is on the ledger) is not compared.</summary>
    public static string? Disagreement(VerificationStatus row, LedgerTransaction? decision) => (row, decision?.Get("decision")) switch
    {
        (VerificationStatus.NotRequired, _) => null,
        (VerificationStatus.Approved, "approved") or (VerificationStatus.Rejected, "rejected") => null,
        (VerificationStatus.Pending, null) => null,
        (VerificationStatus.Pending, var d) => $"pending in the row, {d} on the ledger ({decision!.Id}) (behind)",
        (var s, null) => $"{Name(s)} in the row, no decision on the ledger (ahead)",
        (var s, var d) => $"{Name(s)} in the row, {d} on the ledger ({decision!.Id}) (different)",
    };

    private static string Name(VerificationStatus s) => s == VerificationStatus.Approved ? "approved" : "rejected";
}

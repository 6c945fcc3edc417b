using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Organizations;

/// <summary>
/// An admin suspends or reinstates an organization: the admin's own signed identity.org-standing is committed first, then
/// the row follows (<see cref="OrganizationStandingLedgerRows"/>, rolled forward after a crash). Clients read the standing
/// from the ledger, so the row only steers what this server offers (search, pickers) and refuses (new work).
/// </summary>
public sealed class OrganizationStandingService(MedLedgerDbContext db, LedgerRollForward rollForward, SecurityEventLog events)
{
    public async Task SetStandingAsync(Guid adminId, Guid organizationId, bool suspend, OrganizationStandingChange change, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(change);
        var reason = change.Reason?.Trim();
        var v = new Validator();
        v.Require(reason is not null && OrganizationStandingContract.Reasons.Contains(reason), "reason",
            $"reason must be one of: {string.Join(", ", OrganizationStandingContract.Reasons.Order(StringComparer.Ordinal))}.");
        v.ThrowIfInvalid();
        var suspended = await db.Organizations.AsNoTracking().Where(o => o.Id == organizationId).Select(o => (bool?)o.Suspended).FirstOrDefaultAsync(ct)
            ?? throw ProblemException.NotFound($"Organization {organizationId}");
        if (suspended == suspend)
        {
            throw ProblemException.Conflict(suspend ? "This organization is already suspended." : "This organization is not suspended.");
        }
        var tx = LedgerGateway.Expect(change.Transaction, OrganizationStandingContract.TypeName, adminId);
        v.Require(tx.Get("organizationId") == organizationId.ToString(), "transaction", "The standing names a different organization.");
        v.Require(tx.Get("standing") == (suspend ? OrganizationStandingContract.Suspended : OrganizationStandingContract.Active), "transaction",
            "The standing's state differs from the request.");
        v.Require(tx.Get("reason") == reason, "transaction", "The standing's reason differs from the request.");
        v.ThrowIfInvalid();
        // Two admins at once: the ledger applies one; the other finds the organization already in that state (409).
        await rollForward.SubmitAsync(tx, new OrganizationStandingRows(organizationId, suspend, reason!), ct);
        await events.RecordAsync(suspend ? SecurityEventKind.OrganizationSuspended : SecurityEventKind.OrganizationReinstated, adminId, organizationId, reason, ct);
    }
}

/// <summary>Stores a committed identity.org-standing on the organization's row.</summary>
public sealed class OrganizationStandingLedgerRows(MedLedgerDbContext db) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [OrganizationStandingContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<OrganizationStandingRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty organization standing rows");
        await db.Organizations.Where(o => o.Id == r.OrganizationId).ExecuteUpdateAsync(s => s
            .SetProperty(o => o.Suspended, r.Suspended).SetProperty(o => o.StandingReason, r.Reason).SetProperty(o => o.ConcurrencyStamp, Guid.NewGuid()), ct);
    }
}

/// <summary>`ledger verify`: each organization's suspension is the newest standing the ledger holds about it.</summary>
public sealed class OrganizationStandingLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [OrganizationStandingContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var newest = new Dictionary<string, LedgerTransaction>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            newest[tx.Get("organizationId") ?? ""] = tx;
        }
        var rows = await db.Organizations.AsNoTracking().Select(o => new { o.Id, o.Suspended }).ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            var onLedger = newest.TryGetValue(row.Id.ToString(), out var tx) && tx.Get("standing") == OrganizationStandingContract.Suspended;
            if (onLedger != row.Suspended)
            {
                findings.Add($"standing of organization {row.Id}: {(row.Suspended ? "suspended" : "active")} in the row, {(onLedger ? "suspended" : "active")} on the ledger{(tx is null ? "" : $" ({tx.Id})")}");
            }
        }
    }
}

using System.Globalization;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>What an issue, cancellation or fill stores beyond its transaction's payload: the server time it was accepted.</summary>
public sealed record DispensingRows(DateTimeOffset At);

/// <summary>
/// Writes the rows of a committed prescriptions.issue, prescriptions.cancel or pharmacy.dispense (at once, or rolled forward
/// after a crash). Everything but the time comes from the committed transaction itself, so a row cannot say more than the ledger.
/// </summary>
public sealed class DispensingLedgerRows(MedLedgerDbContext db) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [PrescriptionIssueContract.TypeName, PrescriptionCancelContract.TypeName, PharmacyDispenseContract.TypeName];

    public async Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var at = (JsonSerializer.Deserialize<DispensingRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty dispensing rows")).At;
        var id = Guid.Parse(tx.Get("prescriptionId")!);
        if (tx.Type == PrescriptionIssueContract.TypeName)
        {
            if (!await db.Set<Prescription>().AnyAsync(x => x.Id == id, ct))
            {
                db.Add(new Prescription
                {
                    Id = id, RecordId = Guid.Parse(tx.Get("recordId")!), RecordVersion = Int(tx, "recordVersion"), PatientId = Guid.Parse(tx.Get("patientId")!),
                    PrescriberId = Guid.Parse(tx.ActorId), HeaderHash = tx.Get("headerHash")!, TotalUnits = Int(tx, "totalUnits"), MaxFills = Int(tx, "maxFills"),
                    ValidUntil = DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(tx.Get("validUntilMs")!, CultureInfo.InvariantCulture)),
                    Status = PrescriptionKeys.Active, IssueTransactionId = tx.Id, IssuedAt = at,
                });
            }
        }
        else if (tx.Type == PrescriptionCancelContract.TypeName)
        {
            await db.Set<Prescription>().Where(x => x.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Status, PrescriptionKeys.Cancelled).SetProperty(x => x.CancelTransactionId, tx.Id).SetProperty(x => x.CancelledAt, at), ct);
        }
        else if (!await db.Set<PrescriptionFill>().AnyAsync(x => x.TransactionId == tx.Id, ct))
        {
            // The fill is settled: the stock its hold took stays taken.
            await db.Set<DispenseStockHold>().Where(h => h.TransactionId == tx.Id).ExecuteDeleteAsync(ct);
            // A fill's amounts are summed from these rows, never kept as a running total that concurrent writes could lose.
            db.Add(new PrescriptionFill
            {
                Id = Guid.NewGuid(), PrescriptionId = id, PatientId = Guid.Parse(tx.Get("patientId")!), FillNumber = Int(tx, "fillNumber"), Quantity = Int(tx, "quantity"),
                PharmacistId = Guid.Parse(tx.ActorId), PharmacyId = Guid.Parse(tx.Get("pharmacyId")!), TransactionId = tx.Id, DispensedAt = at,
            });
        }
        await db.SaveChangesAsync(ct);
    }

    private static int Int(LedgerTransaction tx, string key) => int.Parse(tx.Get(key)!, NumberStyles.None, CultureInfo.InvariantCulture);
}

/// <summary>`ledger verify`: every prescription and fill row stands for a committed transaction, with the ledger's status.</summary>
public sealed class DispensingLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [PrescriptionIssueContract.TypeName, PrescriptionCancelContract.TypeName, PharmacyDispenseContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var issued = new Dictionary<string, (string IssueTx, string? CancelTx)>(StringComparer.Ordinal);
        var fills = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            var id = tx.Get("prescriptionId") ?? "";
            switch (tx.Type)
            {
                case PrescriptionIssueContract.TypeName:
                    issued[id] = (tx.Id, null);
                    break;
                case PrescriptionCancelContract.TypeName when issued.TryGetValue(id, out var p):
                    issued[id] = (p.IssueTx, tx.Id);
                    break;
                case PharmacyDispenseContract.TypeName:
                    fills.Add(tx.Id);
                    break;
            }
        }
        var rows = await db.Set<Prescription>().AsNoTracking().ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            if (!issued.TryGetValue(row.Id.ToString(), out var l))
            {
                findings.Add($"prescription {row.Id}: a row the ledger does not hold (ahead)");
            }
            else if (l.IssueTx != row.IssueTransactionId || l.CancelTx != row.CancelTransactionId)
            {
                findings.Add($"prescription {row.Id}: the row says {row.Status} ({row.IssueTransactionId}, {row.CancelTransactionId ?? "not cancelled"}), the ledger ({l.IssueTx}, {l.CancelTx ?? "not cancelled"})");
            }
        }
        var held = rows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, l) in issued.Where(x => !held.Contains(x.Key)).OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            findings.Add($"prescription {id}: on the ledger ({l.IssueTx}) but no row (missing)");
        }
        var fillRows = await db.Set<PrescriptionFill>().AsNoTracking().Select(f => f.TransactionId).ToListAsync(ct);
        foreach (var tx in fillRows.Where(t => !fills.Contains(t)).Order(StringComparer.Ordinal))
        {
            findings.Add($"prescription fill {tx}: a row the ledger does not hold (ahead)");
        }
        var fillHeld = fillRows.ToHashSet(StringComparer.Ordinal);
        foreach (var tx in fills.Where(t => !fillHeld.Contains(t)).Order(StringComparer.Ordinal))
        {
            findings.Add($"prescription fill {tx}: on the ledger but no row (missing)");
        }
    }
}

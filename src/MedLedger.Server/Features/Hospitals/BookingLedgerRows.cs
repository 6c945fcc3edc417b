using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>Bookings write their rows first (capacity is decided there) and record the event after; start-up repairs the gap.</summary>
public sealed class BookingLedgerRepair(BedService beds) : ILedgerRowRepair
{
    public Task<int> RepairAsync(CancellationToken ct) => beds.RepairLedgerLinksAsync(ct);
}

/// <summary>
/// `ledger verify`: every committed beds.* event has its booking row in the state it records, linked by transaction id;
/// every booking row but a failed hold has its committed events. Reads the payloads' ids only (bookingId), never the bed type.
/// </summary>
public sealed class BookingLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } =
        [BedBookContract.TypeName, BedAdmitContract.TypeName, BedReleaseContract.TypeName, BedCancelContract.TypeName, BedExpireContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var booked = new Dictionary<Guid, string>();
        var closed = new Dictionary<Guid, LedgerTransaction>();
        foreach (var tx in committed)
        {
            if (!Guid.TryParse(tx.Get("bookingId"), out var id))
            {
                continue;
            }
            if (tx.Type == BedBookContract.TypeName)
            {
                booked[id] = tx.Id;
            }
            else
            {
                closed[id] = tx;
            }
        }
        var rows = await db.Set<BedBooking>().AsNoTracking()
            .Select(b => new { b.Id, b.Status, b.BookTransactionId, b.CloseTransactionId }).ToDictionaryAsync(b => b.Id, ct);
        foreach (var (id, txId) in booked.OrderBy(b => b.Key))
        {
            if (!rows.TryGetValue(id, out var row))
            {
                findings.Add($"booking {id}: on the ledger ({txId}) but no row (missing)");
                continue;
            }
            if (row.BookTransactionId != txId)
            {
                findings.Add($"booking {id}: booked on the ledger ({txId}) but the row {(row.BookTransactionId is null ? "is not linked to it (behind)" : "names " + row.BookTransactionId)}");
            }
            if (row.Status == BookingStatus.Failed)
            {
                findings.Add($"booking {id}: booked on the ledger but the row says the booking failed");
            }
            if (closed.TryGetValue(id, out var close))
            {
                var expected = row.Status is BookingStatus.Held or BookingStatus.Failed ? null : BedService.CloseType(row.Status);
                if (expected != close.Type)
                {
                    findings.Add($"booking {id}: the ledger records {close.Type} ({close.Id}), the row is {row.Status.ToString().ToLowerInvariant()} (behind)");
                }
                else if (row.CloseTransactionId != close.Id)
                {
                    findings.Add($"booking {id}: closed on the ledger ({close.Id}) but the row is not linked to it (behind)");
                }
            }
            else if (row.Status is not (BookingStatus.Held or BookingStatus.Failed))
            {
                findings.Add($"booking {id}: {row.Status.ToString().ToLowerInvariant()} in the row, held on the ledger (ahead)");
            }
        }
        foreach (var row in rows.Values.Where(r => !booked.ContainsKey(r.Id) && r.Status != BookingStatus.Failed).OrderBy(r => r.Id))
        {
            findings.Add($"booking {row.Id}: {row.Status.ToString().ToLowerInvariant()} in the row, never booked on the ledger (ahead)");
        }
    }
}

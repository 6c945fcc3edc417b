using System.Globalization;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>What a committed pharmacy.stock-reservation stands for: its reservation and the server time.</summary>
public sealed record StockReservationRows(Guid ReservationId, string Action, DateTimeOffset At);

/// <summary>
/// Stock held back for an order without naming it (issue 16 item 3). A pharmacist-signed pharmacy.stock-reservation names the
/// pharmacy, a reservation id and a unit count; the lines name catalogue medicines. Ordered as a dispense is
/// (docs/pharmacy.md, "Dispensing"): (1) one database transaction inserts the reservation (pending) and takes every line's
/// units earliest expiry first (<see cref="StockTaking"/>: conditional UPDATEs, a shortfall rolls all of it back, 409);
/// (2) the ledger; (3) accepted: held; refused: the stock is put back and the reservation deleted. Release, collection and
/// expiry are ledger events whose rows flip the status once (conditional UPDATE) and, for release and expiry, put the units back.
/// </summary>
public sealed class StockReservations(MedLedgerDbContext db, PharmacyAccess access, StockTaking stock, LedgerGateway gateway, LedgerRollForward rollForward, TimeProvider clock)
{
    public const string Reason = "order reservation";
    public const int MaxLines = 50;
    public static readonly TimeSpan MaxHold = TimeSpan.FromDays(30);

    public async Task<ReservationResponse> ReserveAsync(Guid pharmacyId, Caller pharmacist, ReserveRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        await access.RequireOwnAsync(pharmacyId, pharmacist, ct);
        var now = clock.GetUtcNow();
        var v = new Validator();
        v.Require(r.Lines is { Count: > 0 and <= MaxLines }, "lines", $"lines are required (1 to {MaxLines}).");
        v.Require(r.Lines is null || r.Lines.All(l => l.Quantity is > 0 and <= PharmacyLimits.MaxQuantity), "lines", $"each quantity is 1 to {PharmacyLimits.MaxQuantity}.");
        v.Require(r.Lines is null || r.Lines.Select(l => l.MedicineId).Distinct().Count() == r.Lines.Count, "lines", "each medicine once.");
        v.Require(r.ExpiresAt > now && r.ExpiresAt <= now + MaxHold, "expiresAt", "expiresAt is in the future, at most 30 days ahead.");
        v.ThrowIfInvalid();
        var units = r.Lines!.Sum(l => (long)l.Quantity);
        var tx = LedgerGateway.Expect(r.Transaction, StockReservationContract.TypeName, pharmacist.Id);
        if (!Guid.TryParseExact(tx.Get("reservationId"), "D", out var reservationId) || tx.Get("pharmacyId") != pharmacyId.ToString()
            || tx.Get("action") != StockReservationContract.Reserve || tx.Get("units") != units.ToString(CultureInfo.InvariantCulture))
        {
            throw ProblemException.Invalid("transaction", "The reservation must be a reserve at this pharmacy whose units are the lines' total.");
        }
        // Units held past their time go back first, so they can be reserved again.
        await ExpireDueAsync(pharmacyId, ct);
        var reservation = new StockReservation
        {
            Id = reservationId, PharmacyId = pharmacyId, Status = StockReservationStatus.Pending, Units = (int)units, ExpiresAt = r.ExpiresAt,
            TransactionId = tx.Id, ReservedBy = pharmacist.Id, CreatedAt = now,
        };
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            try
            {
                // The reservation first (a write: on SQLite the write lock is held before any lot is read; its key makes a resent reservation a 409).
                db.Add(reservation);
                await db.SaveChangesAsync(ct);
                foreach (var line in r.Lines!.OrderBy(l => l.MedicineId))
                {
                    var taken = await stock.TakeAsync(pharmacyId, line.MedicineId, line.Quantity, Reason, reservationId.ToString(), StockMovementKind.Sold, pharmacist.Id, ct);
                    db.Add(new StockReservationLine { ReservationId = reservationId, MedicineId = line.MedicineId, Quantity = line.Quantity, OperationId = taken.OperationId });
                }
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(ct);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                await transaction.RollbackAsync(CancellationToken.None);
                throw ProblemException.Conflict($"Reservation {reservationId} exists already.");
            }
            catch
            {
                db.ChangeTracker.Clear();
                await transaction.RollbackAsync(CancellationToken.None);
                throw;
            }
        }
        db.ChangeTracker.Clear();
        LedgerReceipt receipt;
        try
        {
            receipt = await rollForward.SubmitAsync(tx, new StockReservationRows(reservationId, StockReservationContract.Reserve, clock.GetUtcNow()), ct);
        }
        catch (ProblemException)
        {
            // Refused: nothing is reserved, so the units go back and no trace of the reservation stays. Any other failure
            // leaves the outcome unknown; the reservation stays pending and the next start settles it (StockReservationRepair).
            await DropPendingAsync(reservationId, CancellationToken.None);
            throw;
        }
        return await ResponseAsync(reservationId, receipt, ct);
    }

    public Task<ReservationResponse> ReleaseAsync(Guid pharmacyId, Guid reservationId, Caller pharmacist, ReservationActionRequest r, CancellationToken ct) =>
        CloseAsync(pharmacyId, reservationId, pharmacist, r, StockReservationContract.Release, ct);

    public Task<ReservationResponse> CollectAsync(Guid pharmacyId, Guid reservationId, Caller pharmacist, ReservationActionRequest r, CancellationToken ct) =>
        CloseAsync(pharmacyId, reservationId, pharmacist, r, StockReservationContract.Collect, ct);

    public async Task<ReservationResponse> GetAsync(Guid pharmacyId, Guid reservationId, Caller pharmacist, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, pharmacist, ct);
        await ExpireDueAsync(pharmacyId, ct);
        if (!await db.Set<StockReservation>().AnyAsync(x => x.Id == reservationId && x.PharmacyId == pharmacyId, ct))
        {
            throw ProblemException.NotFound($"Reservation {reservationId}");
        }
        return await ResponseAsync(reservationId, null, ct);
    }

    private async Task<ReservationResponse> CloseAsync(Guid pharmacyId, Guid reservationId, Caller pharmacist, ReservationActionRequest r, string action, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        await access.RequireOwnAsync(pharmacyId, pharmacist, ct);
        await ExpireDueAsync(pharmacyId, ct);
        var tx = LedgerGateway.Expect(r.Transaction, StockReservationContract.TypeName, pharmacist.Id);
        var row = await db.Set<StockReservation>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == reservationId && x.PharmacyId == pharmacyId, ct)
            ?? throw ProblemException.NotFound($"Reservation {reservationId}");
        if (tx.Get("reservationId") != reservationId.ToString() || tx.Get("pharmacyId") != pharmacyId.ToString() || tx.Get("action") != action
            || tx.Get("units") != row.Units.ToString(CultureInfo.InvariantCulture))
        {
            throw ProblemException.Invalid("transaction", $"The transaction must {action} this reservation at this pharmacy with its units.");
        }
        if (row.Status != StockReservationStatus.Held)
        {
            throw new ProblemException(409, "reservation-not-held", "Reservation not held", $"Reservation {reservationId} is {Name(row.Status)}; only a held reservation is released or collected.");
        }
        var receipt = await rollForward.SubmitAsync(tx, new StockReservationRows(reservationId, action, clock.GetUtcNow()), ct);
        return await ResponseAsync(reservationId, receipt, ct);
    }

    /// <summary>
    /// Releases the pharmacy's held reservations past their expiry, each with a peer-signed expire (the server does not know, and
    /// need not know, whose order it was). Run on every read and write of the pharmacy's reservations and order queue.
    /// Returns how many it released.
    /// </summary>
    public async Task<int> ExpireDueAsync(Guid pharmacyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var due = (await db.Set<StockReservation>().AsNoTracking()
            .Where(x => x.PharmacyId == pharmacyId && x.Status == StockReservationStatus.Held)
            .Select(x => new { x.Id, x.Units, x.ExpiresAt }).ToListAsync(ct))
            .Where(x => x.ExpiresAt <= now).ToList();
        var released = 0;
        foreach (var x in due)
        {
            var tx = gateway.Peer.CreateSystemTransaction(StockReservationContract.TypeName, new Dictionary<string, string>
            {
                ["pharmacyId"] = pharmacyId.ToString(),
                ["reservationId"] = x.Id.ToString(),
                ["action"] = StockReservationContract.Expire,
                ["units"] = x.Units.ToString(CultureInfo.InvariantCulture),
            });
            try
            {
                await rollForward.SubmitAsync(tx, new StockReservationRows(x.Id, StockReservationContract.Expire, now), ct);
                released++;
            }
            catch (ProblemException e) when (e.Status == 409)
            {
                // Another request released, collected or expired it first; the ledger keeps only one of them.
            }
        }
        return released;
    }

    /// <summary>Writes a committed reservation event (inside the roll-forward's transaction): the status flips once, and a release or expiry puts the units back.</summary>
    internal async Task WriteRowsAsync(LedgerTransaction tx, StockReservationRows rows, CancellationToken ct)
    {
        var id = rows.ReservationId;
        var (from, to) = rows.Action switch
        {
            StockReservationContract.Reserve => (StockReservationStatus.Pending, StockReservationStatus.Held),
            StockReservationContract.Release => (StockReservationStatus.Held, StockReservationStatus.Released),
            StockReservationContract.Collect => (StockReservationStatus.Held, StockReservationStatus.Collected),
            _ => (StockReservationStatus.Held, StockReservationStatus.Expired),
        };
        var closedAt = to == StockReservationStatus.Held ? (DateTimeOffset?)null : rows.At;
        if (await db.Set<StockReservation>().Where(x => x.Id == id && x.Status == from)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, to).SetProperty(x => x.ClosedAt, closedAt), ct) != 1)
        {
            return;
        }
        if (to is StockReservationStatus.Released or StockReservationStatus.Expired)
        {
            var pharmacyId = await db.Set<StockReservation>().Where(x => x.Id == id).Select(x => x.PharmacyId).FirstAsync(ct);
            await PutBackAsync(id, pharmacyId, ct);
        }
    }

    /// <summary>A reservation the ledger refused or never committed: units back, rows gone.</summary>
    internal async Task DropPendingAsync(Guid reservationId, CancellationToken ct)
    {
        var pharmacyId = await db.Set<StockReservation>().Where(x => x.Id == reservationId).Select(x => x.PharmacyId).FirstOrDefaultAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Set<StockReservation>().Where(x => x.Id == reservationId && x.Status == StockReservationStatus.Pending).ExecuteDeleteAsync(ct) == 1)
        {
            await PutBackAsync(reservationId, pharmacyId, ct);
            await db.Set<StockReservationLine>().Where(l => l.ReservationId == reservationId).ExecuteDeleteAsync(ct);
        }
        await transaction.CommitAsync(ct);
    }

    private async Task PutBackAsync(Guid reservationId, Guid pharmacyId, CancellationToken ct)
    {
        foreach (var op in await db.Set<StockReservationLine>().AsNoTracking().Where(l => l.ReservationId == reservationId).Select(l => l.OperationId).ToListAsync(ct))
        {
            await stock.ReleaseAsync(pharmacyId, op, StockMovementKind.Sold, ct);
        }
    }

    private async Task<ReservationResponse> ResponseAsync(Guid reservationId, LedgerReceipt? receipt, CancellationToken ct)
    {
        var x = await db.Set<StockReservation>().AsNoTracking().FirstAsync(r => r.Id == reservationId, ct);
        var lines = await db.Set<StockReservationLine>().AsNoTracking().Where(l => l.ReservationId == reservationId)
            .Select(l => new ReservationLineDto(l.MedicineId, l.Quantity)).ToListAsync(ct);
        return new ReservationResponse(x.Id, x.PharmacyId, Name(x.Status), x.Units, x.ExpiresAt, lines, x.CreatedAt, x.ClosedAt, receipt);
    }

    internal static string Name(StockReservationStatus s) => s.ToString().ToLowerInvariant();
}

/// <summary>Stores what a committed pharmacy.stock-reservation stands for.</summary>
public sealed class StockReservationLedgerRows(StockReservations reservations) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [StockReservationContract.TypeName];

    public Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<StockReservationRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty reservation rows");
        return reservations.WriteRowsAsync(tx, r, ct);
    }
}

/// <summary>
/// Start-up: a reservation still pending after the roll-forward (which marks committed ones held) was never committed by the
/// ledger, or was refused while the process died: its units go back, as <c>DispenseStockRepair</c> does for a fill.
/// </summary>
public sealed class StockReservationRepair(MedLedgerDbContext db, LedgerGateway gateway, StockReservations reservations) : ILedgerRowRepair
{
    public async Task<int> RepairAsync(CancellationToken ct)
    {
        var repaired = 0;
        foreach (var p in await db.Set<StockReservation>().AsNoTracking().Where(x => x.Status == StockReservationStatus.Pending).ToListAsync(ct))
        {
            var stored = await gateway.Peer.Store.GetTransactionsByIdAsync(p.TransactionId, ct);
            if (stored.Any(s => s.Valid))
            {
                await db.Set<StockReservation>().Where(x => x.Id == p.Id && x.Status == StockReservationStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(x => x.Status, StockReservationStatus.Held), ct);
            }
            else
            {
                await reservations.DropPendingAsync(p.Id, ct);
            }
            repaired++;
        }
        return repaired;
    }
}

/// <summary>
/// `ledger verify`: every reservation row stands for a committed pharmacy.stock-reservation reserve of the same pharmacy and
/// units, its status is the ledger's (held, released, collected, expired), its lines add up to its units; and every committed
/// reservation has a row. A pending row the ledger does not hold is not a disagreement (the next start settles it).
/// </summary>
public sealed class StockReservationLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [StockReservationContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var ledger = new Dictionary<string, (LedgerTransaction Reserve, string Status)>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            var id = tx.Get("reservationId") ?? "";
            if (tx.Get("action") == StockReservationContract.Reserve)
            {
                ledger[id] = (tx, StockReservationContract.Held);
            }
            else if (ledger.TryGetValue(id, out var r))
            {
                ledger[id] = (r.Reserve, tx.Get("action") switch
                {
                    StockReservationContract.Release => "released",
                    StockReservationContract.Collect => "collected",
                    _ => "expired",
                });
            }
        }
        var rows = await db.Set<StockReservation>().AsNoTracking().ToListAsync(ct);
        var lineUnits = await db.Set<StockReservationLine>().AsNoTracking().GroupBy(l => l.ReservationId)
            .Select(g => new { g.Key, Units = g.Sum(l => l.Quantity) }).ToDictionaryAsync(g => g.Key, g => g.Units, ct);
        foreach (var row in rows.OrderBy(r => r.Id))
        {
            var status = row.Status.ToString().ToLowerInvariant();
            if (!ledger.TryGetValue(row.Id.ToString(), out var l))
            {
                if (row.Status != StockReservationStatus.Pending)
                {
                    findings.Add($"stock reservation {row.Id}: {status} in the rows but the ledger holds no reserve for it (ahead)");
                }
                continue;
            }
            if (l.Reserve.Id != row.TransactionId || l.Reserve.Get("pharmacyId") != row.PharmacyId.ToString()
                || l.Reserve.Get("units") != row.Units.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                findings.Add($"stock reservation {row.Id}: the row ({row.PharmacyId}, {row.Units} units, {row.TransactionId}) differs from the ledger " +
                             $"({l.Reserve.Get("pharmacyId")}, {l.Reserve.Get("units")} units, {l.Reserve.Id})");
            }
            else if (status != l.Status)
            {
                findings.Add($"stock reservation {row.Id}: the row says {status}, the ledger {l.Status}");
            }
            if (lineUnits.GetValueOrDefault(row.Id) != row.Units)
            {
                findings.Add($"stock reservation {row.Id}: its lines hold {lineUnits.GetValueOrDefault(row.Id)} units, not {row.Units}");
            }
        }
        var held = rows.Select(r => r.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, l) in ledger.Where(x => !held.Contains(x.Key)).OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            findings.Add($"stock reservation {id}: on the ledger ({l.Reserve.Id}) but no row (missing)");
        }
    }
}

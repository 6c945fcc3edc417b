using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>
/// Takes units of a medicine out of stock, earliest expiry first, never from an expired lot. Each lot is decremented by a
/// conditional UPDATE (<c>WHERE OnHand &gt;= n AND ExpiresOn &gt; today</c>) inside one transaction, so concurrent takes can
/// never drive a lot below zero on SQLite (one writer at a time) or PostgreSQL (the row lock re-checks the condition); a
/// shortfall rolls every lot back and answers 409. The dispensing feature calls <see cref="TakeAsync(Guid, Guid, int, string, string, CancellationToken)"/>.
/// </summary>
public sealed class StockTaking(MedLedgerDbContext db, TimeProvider clock)
{
    /// <summary>Retries per lot when its count changed between reading and taking (concurrent takes or deliveries).</summary>
    private const int MaxAttemptsPerLot = 16;

    /// <summary>
    /// Dispenses <paramref name="quantity"/> units (movement kind <see cref="StockMovementKind.Dispensed"/>). Joins the caller's open
    /// transaction on the same scoped context if there is one (a savepoint undoes a shortfall; the caller commits).
    /// </summary>
    public Task<StockTaken> TakeAsync(Guid pharmacyId, Guid medicineId, int quantity, string reason, string reference, CancellationToken ct) =>
        TakeAsync(pharmacyId, medicineId, quantity, reason, reference, StockMovementKind.Dispensed, actorId: null, ct);

    internal async Task<StockTaken> TakeAsync(Guid pharmacyId, Guid medicineId, int quantity, string reason, string? reference,
        StockMovementKind kind, Guid? actorId, CancellationToken ct)
    {
        if (kind is not (StockMovementKind.Sold or StockMovementKind.Dispensed))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only sales and dispenses take stock.");
        }
        var v = new Validator();
        v.Require(quantity is > 0 and <= PharmacyLimits.MaxQuantity, "quantity", $"quantity must be between 1 and {PharmacyLimits.MaxQuantity}.");
        v.RequireText(reason, "reason", PharmacyLimits.Reason);
        v.RequireText(reference, "reference", PharmacyLimits.Reference, required: false);
        v.ThrowIfInvalid();
        var medicine = await db.Set<PharmacyMedicine>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == medicineId && m.PharmacyId == pharmacyId, ct)
            ?? throw ProblemException.NotFound($"Medicine {medicineId}");

        var today = Today(clock);
        // Read before the transaction: on SQLite the transaction's first statement is then a write, which waits for the
        // write lock instead of failing to upgrade a stale read snapshot.
        var candidates = await db.Set<StockLot>().AsNoTracking()
            .Where(l => l.MedicineId == medicineId && l.PharmacyId == pharmacyId && l.ExpiresOn > today && l.OnHand > 0)
            .OrderBy(l => l.ExpiresOn).ThenBy(l => l.Id)
            .Select(l => new { l.Id, l.LotNumber, l.ExpiresOn, l.OnHand })
            .ToListAsync(ct);
        var available = candidates.Sum(l => l.OnHand);
        if (available < quantity)
        {
            throw Shortfall(medicine, quantity, available);
        }

        var joined = db.Database.CurrentTransaction;
        const string savepoint = "stock_take";
        await using var own = joined is null ? await db.Database.BeginTransactionAsync(ct) : null;
        if (joined is not null)
        {
            await joined.CreateSavepointAsync(savepoint, ct);
        }
        try
        {
            var remaining = quantity;
            var taken = new List<LotTaken>();
            foreach (var lot in candidates)
            {
                var want = Math.Min(remaining, lot.OnHand);
                for (var attempt = 0; want > 0 && attempt < MaxAttemptsPerLot; attempt++)
                {
                    if (await DecrementAsync(lot.Id, want, today, kind, ct) == 1)
                    {
                        taken.Add(new LotTaken(lot.Id, lot.LotNumber, lot.ExpiresOn, want));
                        remaining -= want;
                        break;
                    }
                    // Someone took (or returned) units of this lot since the read: take what is there now.
                    var now = await db.Set<StockLot>().AsNoTracking().Where(l => l.Id == lot.Id && l.ExpiresOn > today).Select(l => (int?)l.OnHand).FirstOrDefaultAsync(ct) ?? 0;
                    want = Math.Min(remaining, now);
                }
                if (remaining == 0)
                {
                    break;
                }
            }
            if (remaining > 0)
            {
                throw Shortfall(medicine, quantity, quantity - remaining);
            }

            var operation = Guid.NewGuid();
            var at = clock.GetUtcNow();
            db.AddRange(taken.Select(t => new StockMovement
            {
                Id = Guid.NewGuid(),
                OperationId = operation,
                PharmacyId = pharmacyId,
                MedicineId = medicineId,
                LotId = t.LotId,
                Kind = kind,
                Quantity = t.Quantity,
                Reason = reason.Trim(),
                Reference = string.IsNullOrWhiteSpace(reference) ? null : reference.Trim(),
                ActorId = actorId,
                At = at,
            }));
            await db.SaveChangesAsync(ct);
            if (own is not null)
            {
                await own.CommitAsync(ct);
            }
            else
            {
                await joined!.ReleaseSavepointAsync(savepoint, ct);
            }
            return new StockTaken(operation, medicineId, quantity, taken);
        }
        catch
        {
            // Undo every lot already decremented (first: PostgreSQL refuses further statements in a failed transaction).
            db.ChangeTracker.Clear();
            if (own is not null)
            {
                await own.RollbackAsync(CancellationToken.None);
            }
            else
            {
                await joined!.RollbackToSavepointAsync(savepoint, CancellationToken.None);
            }
            throw;
        }
    }

    /// <summary>
    /// Puts back a dispense take whose fill the ledger refused (or never saw): each lot's <c>OnHand</c> and <c>Dispensed</c> are
    /// restored and the take's movements removed, so the lots are exactly as before the take — a fill that did not happen
    /// leaves no trace in stock. Joins the caller's open transaction like <see cref="TakeAsync(Guid, Guid, int, string, string, CancellationToken)"/>.
    /// Returns the units put back (0 when the operation is unknown or already released).
    /// </summary>
    public Task<int> ReleaseAsync(Guid pharmacyId, Guid operationId, CancellationToken ct) =>
        ReleaseAsync(pharmacyId, operationId, StockMovementKind.Dispensed, ct);

    /// <summary>Puts back a take of <paramref name="kind"/> (a dispense, or the sale a stock reservation holds), once.</summary>
    internal async Task<int> ReleaseAsync(Guid pharmacyId, Guid operationId, StockMovementKind kind, CancellationToken ct)
    {
        if (kind is not (StockMovementKind.Sold or StockMovementKind.Dispensed))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only sales and dispenses are released.");
        }
        // Read before the transaction, as a take does, so the transaction's first statement is a write.
        var movements = await db.Set<StockMovement>().AsNoTracking()
            .Where(m => m.OperationId == operationId && m.PharmacyId == pharmacyId && m.Kind == kind)
            .Select(m => new { m.Id, m.LotId, m.Quantity }).ToListAsync(ct);
        var joined = db.Database.CurrentTransaction;
        await using var own = joined is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var released = 0;
        // Whoever deletes a movement restores its lot, so a release runs once even if two callers race.
        foreach (var m in movements)
        {
            if (await db.Set<StockMovement>().Where(x => x.Id == m.Id).ExecuteDeleteAsync(ct) == 1)
            {
                var q = m.Quantity;
                var lot = db.Set<StockLot>().Where(l => l.Id == m.LotId);
                await (kind == StockMovementKind.Sold
                    ? lot.ExecuteUpdateAsync(s => s.SetProperty(l => l.OnHand, l => l.OnHand + q).SetProperty(l => l.Sold, l => l.Sold - q), ct)
                    : lot.ExecuteUpdateAsync(s => s.SetProperty(l => l.OnHand, l => l.OnHand + q).SetProperty(l => l.Dispensed, l => l.Dispensed - q), ct));
                released += q;
            }
        }
        if (own is not null)
        {
            await own.CommitAsync(ct);
        }
        return released;
    }

    private Task<int> DecrementAsync(Guid lotId, int n, DateOnly today, StockMovementKind kind, CancellationToken ct)
    {
        var lot = db.Set<StockLot>().Where(l => l.Id == lotId && l.OnHand >= n && l.ExpiresOn > today);
        return kind == StockMovementKind.Sold
            ? lot.ExecuteUpdateAsync(s => s.SetProperty(l => l.OnHand, l => l.OnHand - n).SetProperty(l => l.Sold, l => l.Sold + n), ct)
            : lot.ExecuteUpdateAsync(s => s.SetProperty(l => l.OnHand, l => l.OnHand - n).SetProperty(l => l.Dispensed, l => l.Dispensed + n), ct);
    }

    internal static DateOnly Today(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    private static ProblemException Shortfall(PharmacyMedicine m, int wanted, int available) =>
        new(409, "insufficient-stock", "Not enough stock",
            $"{wanted} unit(s) of {m.Name} {m.Strength} were asked for but only {available} are on hand in unexpired lots; nothing was taken.");
}

using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>
/// A pharmacist's changes to one lot: delivery in, adjustment (stock count), write-off and return. Each is one conditional
/// UPDATE of the lot's counters plus its movement row in one transaction; the condition (and the CHECK constraint behind it)
/// keeps on hand at or above zero, so a refused change leaves nothing behind.
/// </summary>
public sealed class StockBookkeeping(MedLedgerDbContext db, PharmacyAccess access, TimeProvider clock)
{
    public async Task<LotResponse> ReceiveAsync(Guid pharmacyId, Caller caller, DeliveryRequest r, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var v = new Validator();
        v.RequireText(r.LotNumber, "lotNumber", PharmacyLimits.LotNumber);
        v.Require(r.Quantity is > 0 and <= PharmacyLimits.MaxQuantity, "quantity", $"quantity must be between 1 and {PharmacyLimits.MaxQuantity}.");
        v.Require(r.ExpiresOn.Year is >= 2000 and <= 2200, "expiresOn", "expiresOn must be a real date (yyyy-MM-dd).");
        v.RequireText(r.Reference, "reference", PharmacyLimits.Reference, required: false);
        v.ThrowIfInvalid();
        var medicine = await db.Set<PharmacyMedicine>().AsNoTracking().Where(m => m.Id == r.MedicineId && m.PharmacyId == pharmacyId)
            .Select(m => new { m.Name, m.DiscontinuedAt }).FirstOrDefaultAsync(ct)
            ?? throw ProblemException.NotFound($"Medicine {r.MedicineId}");
        if (medicine.DiscontinuedAt is not null)
        {
            throw new ProblemException(409, "medicine-discontinued", "Medicine discontinued",
                $"{medicine.Name} is discontinued at this pharmacy; reinstate it in the catalogue before receiving deliveries.");
        }
        var lotNumber = r.LotNumber.Trim();
        var now = clock.GetUtcNow();
        for (var attempt = 0; ; attempt++)
        {
            var existing = await db.Set<StockLot>().AsNoTracking().FirstOrDefaultAsync(l => l.MedicineId == r.MedicineId && l.LotNumber == lotNumber, ct);
            if (existing is not null && existing.ExpiresOn != r.ExpiresOn)
            {
                throw new ProblemException(409, "lot-expiry-mismatch", "Lot has another expiry date",
                    $"Lot {lotNumber} is recorded with expiry {existing.ExpiresOn:yyyy-MM-dd}, not {r.ExpiresOn:yyyy-MM-dd}.");
            }
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            var lotId = existing?.Id ?? Guid.NewGuid();
            if (existing is null)
            {
                db.Add(new StockLot
                {
                    Id = lotId, PharmacyId = pharmacyId, MedicineId = r.MedicineId, LotNumber = lotNumber, ExpiresOn = r.ExpiresOn,
                    Received = r.Quantity, OnHand = r.Quantity, CreatedAt = now,
                });
            }
            else
            {
                await db.Set<StockLot>().Where(l => l.Id == lotId).ExecuteUpdateAsync(s => s
                    .SetProperty(l => l.Received, l => l.Received + r.Quantity)
                    .SetProperty(l => l.OnHand, l => l.OnHand + r.Quantity), ct);
            }
            db.Add(Movement(pharmacyId, r.MedicineId, lotId, StockMovementKind.Received, r.Quantity, null, r.Reference, caller.Id, now));
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (existing is null && attempt == 0)
            {
                // The same lot was created by a concurrent delivery: add to it instead.
                await tx.RollbackAsync(CancellationToken.None);
                db.ChangeTracker.Clear();
                continue;
            }
            await tx.CommitAsync(ct);
            return await LotAsync(lotId, ct);
        }
    }

    /// <summary>A stock count correction: signed delta, reason required; on hand may not go below zero.</summary>
    public Task<LotResponse> AdjustAsync(Guid pharmacyId, Guid lotId, Caller caller, AdjustmentRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(r.Delta != 0 && Math.Abs((long)r.Delta) <= PharmacyLimits.MaxQuantity, "delta", $"delta must be non-zero and at most {PharmacyLimits.MaxQuantity} either way.");
        v.RequireText(r.Reason, "reason", PharmacyLimits.Reason);
        return ChangeLotAsync(pharmacyId, lotId, caller, v, StockMovementKind.Adjusted, r.Delta, r.Reason,
            q => q.Where(l => l.OnHand + r.Delta >= 0).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Adjusted, l => l.Adjusted + r.Delta)
                .SetProperty(l => l.OnHand, l => l.OnHand + r.Delta), ct),
            l => $"Lot {l.LotNumber} has {l.OnHand} on hand; an adjustment of {r.Delta} would go below zero.", ct);
    }

    /// <summary>Damaged, expired, recalled or lost units leave stock with a reason.</summary>
    public Task<LotResponse> WriteOffAsync(Guid pharmacyId, Guid lotId, Caller caller, LotQuantityRequest r, CancellationToken ct)
    {
        var v = QuantityAndReason(r);
        return ChangeLotAsync(pharmacyId, lotId, caller, v, StockMovementKind.WrittenOff, r.Quantity, r.Reason,
            q => q.Where(l => l.OnHand >= r.Quantity).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.WrittenOff, l => l.WrittenOff + r.Quantity)
                .SetProperty(l => l.OnHand, l => l.OnHand - r.Quantity), ct),
            l => $"Lot {l.LotNumber} has only {l.OnHand} on hand; {r.Quantity} cannot be written off.", ct);
    }

    /// <summary>Units a customer brings back into the lot they left from; never more than left it.</summary>
    public Task<LotResponse> ReturnAsync(Guid pharmacyId, Guid lotId, Caller caller, LotQuantityRequest r, CancellationToken ct)
    {
        var v = QuantityAndReason(r);
        return ChangeLotAsync(pharmacyId, lotId, caller, v, StockMovementKind.Returned, r.Quantity, r.Reason,
            q => q.Where(l => l.Returned + r.Quantity <= l.Sold + l.Dispensed).ExecuteUpdateAsync(s => s
                .SetProperty(l => l.Returned, l => l.Returned + r.Quantity)
                .SetProperty(l => l.OnHand, l => l.OnHand + r.Quantity), ct),
            l => $"Only {l.Sold + l.Dispensed - l.Returned} unit(s) of lot {l.LotNumber} went out and were not returned yet; {r.Quantity} cannot come back.", ct);
    }

    private static Validator QuantityAndReason(LotQuantityRequest r)
    {
        var v = new Validator();
        v.Require(r.Quantity is > 0 and <= PharmacyLimits.MaxQuantity, "quantity", $"quantity must be between 1 and {PharmacyLimits.MaxQuantity}.");
        v.RequireText(r.Reason, "reason", PharmacyLimits.Reason);
        return v;
    }

    private async Task<LotResponse> ChangeLotAsync(Guid pharmacyId, Guid lotId, Caller caller, Validator v, StockMovementKind kind, int quantity, string reason,
        Func<IQueryable<StockLot>, Task<int>> update, Func<StockLot, string> refusal, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        v.ThrowIfInvalid();
        var lot = await db.Set<StockLot>().AsNoTracking().FirstOrDefaultAsync(l => l.Id == lotId && l.PharmacyId == pharmacyId, ct)
            ?? throw ProblemException.NotFound($"Lot {lotId}");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await update(db.Set<StockLot>().Where(l => l.Id == lotId)) == 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            var current = await db.Set<StockLot>().AsNoTracking().FirstAsync(l => l.Id == lotId, CancellationToken.None);
            throw new ProblemException(409, "insufficient-stock", "Not enough stock", refusal(current));
        }
        db.Add(Movement(pharmacyId, lot.MedicineId, lotId, kind, quantity, reason, null, caller.Id, clock.GetUtcNow()));
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
        return await LotAsync(lotId, ct);
    }

    private async Task<LotResponse> LotAsync(Guid lotId, CancellationToken ct) =>
        ToResponse(await db.Set<StockLot>().AsNoTracking().FirstAsync(l => l.Id == lotId, ct), StockTaking.Today(clock));

    private static StockMovement Movement(Guid pharmacyId, Guid medicineId, Guid lotId, StockMovementKind kind, int quantity, string? reason, string? reference, Guid actor, DateTimeOffset at) =>
        new()
        {
            Id = Guid.NewGuid(), OperationId = Guid.NewGuid(), PharmacyId = pharmacyId, MedicineId = medicineId, LotId = lotId, Kind = kind, Quantity = quantity,
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
            Reference = string.IsNullOrWhiteSpace(reference) ? null : reference.Trim(),
            ActorId = actor, At = at,
        };

    internal static LotResponse ToResponse(StockLot l, DateOnly today) =>
        new(l.Id, l.MedicineId, l.LotNumber, l.ExpiresOn, l.ExpiresOn <= today, l.Received, l.Sold, l.Dispensed, l.WrittenOff, l.Returned, l.Adjusted, l.OnHand);
}

using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>The pharmacist's stock views: every lot with exact counts, movements, low stock and near expiry.</summary>
public sealed class StockReports(MedLedgerDbContext db, PharmacyAccess access, TimeProvider clock)
{
    public const int DefaultNearExpiryDays = 30;
    public const int MaxMovements = 500;

    public async Task<IReadOnlyList<StockItem>> StockAsync(Guid pharmacyId, Caller caller, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        return await ItemsAsync(pharmacyId, ct);
    }

    /// <summary>Medicines whose usable stock (unexpired lots) is below their reorder level, out of stock included.</summary>
    public async Task<IReadOnlyList<StockItem>> LowAsync(Guid pharmacyId, Caller caller, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        return (await ItemsAsync(pharmacyId, ct)).Where(i => i.Availability != Availability.InStock).ToList();
    }

    /// <summary>Lots with units on hand that expire within <paramref name="days"/> days, already expired ones first (they need writing off).</summary>
    public async Task<IReadOnlyList<NearExpiryLot>> NearExpiryAsync(Guid pharmacyId, Caller caller, int? days, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var d = days ?? DefaultNearExpiryDays;
        if (d is < 0 or > 3650)
        {
            throw ProblemException.Invalid("days", "days must be between 0 and 3650.");
        }
        var today = StockTaking.Today(clock);
        var horizon = today.AddDays(d);
        var lots = await db.Set<StockLot>().AsNoTracking().Where(l => l.PharmacyId == pharmacyId && l.OnHand > 0 && l.ExpiresOn <= horizon)
            .OrderBy(l => l.ExpiresOn).ThenBy(l => l.LotNumber).ToListAsync(ct);
        var ids = lots.Select(l => l.MedicineId).Distinct().ToList();
        var medicines = await db.Set<PharmacyMedicine>().AsNoTracking().Where(m => ids.Contains(m.Id)).ToDictionaryAsync(m => m.Id, ct);
        return lots.Select(l => new NearExpiryLot(CatalogueService.ToResponse(medicines[l.MedicineId]), StockBookkeeping.ToResponse(l, today))).ToList();
    }

    public async Task<IReadOnlyList<MovementResponse>> MovementsAsync(Guid pharmacyId, Caller caller, Guid? medicineId, Guid? lotId, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var q = db.Set<StockMovement>().AsNoTracking().Where(m => m.PharmacyId == pharmacyId);
        if (medicineId is { } mid)
        {
            q = q.Where(m => m.MedicineId == mid);
        }
        if (lotId is { } lid)
        {
            q = q.Where(m => m.LotId == lid);
        }
        var rows = await q.OrderByDescending(m => m.At).ThenBy(m => m.Id).Take(MaxMovements).ToListAsync(ct);
        return rows.Select(m => new MovementResponse(m.Id, m.OperationId, m.MedicineId, m.LotId, m.Kind, m.Quantity, m.Reason, m.Reference, m.ActorId, m.At)).ToList();
    }

    private async Task<List<StockItem>> ItemsAsync(Guid pharmacyId, CancellationToken ct)
    {
        var today = StockTaking.Today(clock);
        var medicines = await db.Set<PharmacyMedicine>().AsNoTracking().Where(m => m.PharmacyId == pharmacyId).ToListAsync(ct);
        var lots = (await db.Set<StockLot>().AsNoTracking().Where(l => l.PharmacyId == pharmacyId).ToListAsync(ct))
            .ToLookup(l => l.MedicineId);
        return medicines.OrderBy(m => m.NameKey, StringComparer.Ordinal).ThenBy(m => m.Strength, StringComparer.Ordinal)
            .Select(m =>
            {
                var own = lots[m.Id].OrderBy(l => l.ExpiresOn).ThenBy(l => l.LotNumber, StringComparer.Ordinal).ToList();
                var usable = own.Where(l => l.ExpiresOn > today).Sum(l => l.OnHand);
                return new StockItem(CatalogueService.ToResponse(m), usable, Level(usable, m.ReorderLevel), own.Select(l => StockBookkeeping.ToResponse(l, today)).ToList());
            }).ToList();
    }

    internal static Availability Level(int usable, int reorderLevel) =>
        usable <= 0 ? Availability.Out : usable < reorderLevel ? Availability.Low : Availability.InStock;

    /// <summary>Units on hand in unexpired lots per medicine (absent = none).</summary>
    internal static async Task<Dictionary<Guid, int>> UsableAsync(MedLedgerDbContext db, IReadOnlyCollection<Guid> medicineIds, DateOnly today, CancellationToken ct) =>
        await db.Set<StockLot>().AsNoTracking().Where(l => medicineIds.Contains(l.MedicineId) && l.ExpiresOn > today)
            .GroupBy(l => l.MedicineId).Select(g => new { g.Key, Units = g.Sum(l => l.OnHand) })
            .ToDictionaryAsync(x => x.Key, x => x.Units, ct);
}

using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>An over-the-counter sale to a walk-in customer (no patient is recorded). Prescription items are dispensed, not sold.</summary>
public sealed class WalkInSaleService(MedLedgerDbContext db, PharmacyAccess access, StockTaking stock)
{
    public const string SaleReason = "walk-in sale";

    public async Task<StockTaken> SellAsync(Guid pharmacyId, Caller caller, SaleRequest r, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var medicine = await db.Set<PharmacyMedicine>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == r.MedicineId && m.PharmacyId == pharmacyId, ct);
        if (medicine is not null && (medicine.PrescriptionOnly || medicine.Schedule != ControlledSchedule.None))
        {
            throw new ProblemException(409, "prescription-only", "Prescription only",
                $"{medicine.Name} {medicine.Strength} is prescription-only: it is dispensed against a prescription, not sold over the counter.");
        }
        return await stock.TakeAsync(pharmacyId, r.MedicineId, r.Quantity, SaleReason, r.Reference, StockMovementKind.Sold, caller.Id, ct);
    }
}

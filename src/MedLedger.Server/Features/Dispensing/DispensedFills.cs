using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>A committed fill as other features may read it: who it was for, where and when it was dispensed (ids and times only).</summary>
public sealed record DispensedFill(Guid PrescriptionId, int FillNumber, Guid PatientId, Guid PharmacyId, int Quantity, DateTimeOffset DispensedAt);

/// <summary>Other features' read of committed fills (a pharmacy's claim for a dispense names one: Features/Claims).</summary>
public sealed class DispensedFills(MedLedgerDbContext db)
{
    public async Task<DispensedFill?> FindAsync(Guid prescriptionId, int fillNumber, CancellationToken ct) =>
        await db.Set<PrescriptionFill>().AsNoTracking().Where(f => f.PrescriptionId == prescriptionId && f.FillNumber == fillNumber)
            .Select(f => new DispensedFill(f.PrescriptionId, f.FillNumber, f.PatientId, f.PharmacyId, f.Quantity, f.DispensedAt)).FirstOrDefaultAsync(ct);
}

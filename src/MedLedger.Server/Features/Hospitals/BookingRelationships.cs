using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Hospitals;

/// <summary>
/// The read side Care uses: which patients hold or were admitted on a bed at a hospital (a relationship the patient
/// created by booking). Ids only.
/// </summary>
public sealed class BookingRelationships(MedLedgerDbContext db)
{
    public async Task<IReadOnlyList<Guid>> PatientsAsync(Guid hospitalId, CancellationToken ct) =>
        await db.Set<BedBooking>().AsNoTracking()
            .Where(b => b.HospitalId == hospitalId && (b.Status == BookingStatus.Held || b.Status == BookingStatus.Admitted))
            .Select(b => b.PatientId).Distinct().Take(5000).ToListAsync(ct);

    /// <summary>The hospitals where the patient holds or was admitted on a bed (Profiles wraps the patient's profile for their staff).</summary>
    public async Task<IReadOnlyList<Guid>> HospitalsOfAsync(Guid patientId, CancellationToken ct) =>
        await db.Set<BedBooking>().AsNoTracking()
            .Where(b => b.PatientId == patientId && (b.Status == BookingStatus.Held || b.Status == BookingStatus.Admitted))
            .Select(b => b.HospitalId).Distinct().OrderBy(h => h).Take(500).ToListAsync(ct);
}

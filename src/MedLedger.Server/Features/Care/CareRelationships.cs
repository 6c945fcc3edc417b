using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Care;

/// <summary>The Care feature's read side for Profiles: a patient's assigned doctors and the hospitals they registered with. Ids only.</summary>
public sealed class CareRelationships(MedLedgerDbContext db)
{
    public async Task<IReadOnlyList<Guid>> AssignedDoctorsAsync(Guid patientId, CancellationToken ct) =>
        await db.Set<CareAssignment>().AsNoTracking().Where(a => a.PatientId == patientId).Select(a => a.DoctorId).Distinct().OrderBy(d => d).Take(500).ToListAsync(ct);

    public async Task<IReadOnlyList<Guid>> RegisteredHospitalsAsync(Guid patientId, CancellationToken ct) =>
        await db.Set<CareRegistration>().AsNoTracking().Where(r => r.PatientId == patientId).Select(r => r.HospitalId).Take(500).ToListAsync(ct);
}

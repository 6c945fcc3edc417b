using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>Which of some record ids are a patient's own records (other features attach records by id: an insurance application).</summary>
public sealed class PatientRecordIds(MedLedgerDbContext db)
{
    public async Task<HashSet<Guid>> OwnAsync(Guid patientId, IReadOnlyCollection<Guid> recordIds, CancellationToken ct) =>
        (await db.Set<MedicalRecord>().AsNoTracking().Where(r => r.PatientId == patientId && recordIds.Contains(r.Id)).Select(r => r.Id).ToListAsync(ct)).ToHashSet();
}

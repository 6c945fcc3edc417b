using MedLedger.Crypto;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// Records attached to an insurance claim (the claims feature asks; Records owns claim_record_links). A filer attaches only records
/// of the claim's patient that they may read themselves; a link lets the claim's insurer pass the read rule for that record
/// (RecordAccess "not-attached-to-claim" otherwise). The link is written once the claim is on the ledger.
/// </summary>
public sealed class ClaimDocuments(MedLedgerDbContext db, RecordAccess access)
{
    public const int MaxDocuments = 16;

    /// <summary>The documentsHash of these records at their current versions, or a 422 when one is not the patient's or not readable by the filer.</summary>
    public async Task<string> HashReadableAsync(Caller filer, Guid patientId, IReadOnlyList<Guid> recordIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(recordIds);
        if (recordIds.Count is 0 or > MaxDocuments || recordIds.Distinct().Count() != recordIds.Count)
        {
            throw ProblemException.Invalid("recordIds", $"Attach 1 to {MaxDocuments} distinct records (or none).");
        }
        var records = await db.Set<MedicalRecord>().AsNoTracking().Where(r => recordIds.Contains(r.Id) && r.PatientId == patientId).ToListAsync(ct);
        var readable = await access.ReadableAsync(filer, records, ct);
        if (records.Count != recordIds.Count || readable.Count != records.Count)
        {
            throw ProblemException.Invalid("recordIds", "Attach only records of this patient that you may read.");
        }
        return InsuranceClaimTokens.DocumentsHash(records.Select(r => (r.Id, r.LatestVersion)));
    }

    /// <summary>Links the records to a committed claim for its insurer (once; inside the caller's transaction).</summary>
    public async Task LinkAsync(Guid claimId, Guid insurerId, IReadOnlyCollection<Guid> recordIds, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(recordIds);
        var existing = await db.Set<ClaimRecordLink>().Where(l => l.ClaimId == claimId).Select(l => l.RecordId).ToListAsync(ct);
        foreach (var id in recordIds.Except(existing))
        {
            db.Add(new ClaimRecordLink { ClaimId = claimId, RecordId = id, InsurerOrganizationId = insurerId });
        }
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<Guid>> LinkedAsync(Guid claimId, CancellationToken ct) =>
        await db.Set<ClaimRecordLink>().AsNoTracking().Where(l => l.ClaimId == claimId).Select(l => l.RecordId).OrderBy(id => id).ToListAsync(ct);
}

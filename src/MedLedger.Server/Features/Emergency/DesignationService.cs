using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>A patient makes an emergency summary available to a hospital: its data key wrapped for the hospital's emergency key.</summary>
public sealed class DesignationService(MedLedgerDbContext db, LedgerGateway ledger, HospitalEmergencyKeyService hospitalKeys, SealedVersionReader sealedVersions)
{
    public async Task<DesignationResponse> DesignateAsync(Guid patientId, DesignationRequest r, CancellationToken ct)
    {
        var category = await sealedVersions.CategoryOfAsync(patientId, r.RecordId, ct) ?? throw ProblemException.NotFound($"Record {r.RecordId}");
        if (category != RecordCategories.EmergencySummary)
        {
            throw ProblemException.Invalid("recordId", "The designated record must be an EmergencySummary.");
        }
        if (!await sealedVersions.HasVersionAsync(r.RecordId, r.Version, ct))
        {
            throw ProblemException.NotFound($"Version {r.Version} of record {r.RecordId}");
        }
        var key = await hospitalKeys.HospitalKeyAsync(r.HospitalId, ct);
        if (r.ReaderKeyId != key.KeyId || r.Enc is not { Length: 65 } || r.WrappedKey is not { Length: 48 })
        {
            throw ProblemException.Invalid("readerKeyId", "The wrap must be for the hospital's current emergency key.");
        }
        var tx = LedgerGateway.Expect(r.Transaction, EmergencyDesignateContract.TypeName, patientId);
        if (tx.Get("patientId") != patientId.ToString() || tx.Get("hospitalId") != r.HospitalId.ToString() || tx.Get("recordId") != r.RecordId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The emergency.designate transaction names a different patient, hospital or record.");
        }
        var receipt = await ledger.SubmitAsync(tx, ct);
        await db.Set<EmergencyDesignation>().Where(d => d.PatientId == patientId && d.HospitalId == r.HospitalId).ExecuteDeleteAsync(ct);
        db.Set<EmergencyDesignation>().Add(new EmergencyDesignation
        {
            PatientId = patientId, HospitalId = r.HospitalId, RecordId = r.RecordId, Version = r.Version,
            ReaderKeyId = r.ReaderKeyId, Enc = r.Enc, WrappedKey = r.WrappedKey, TransactionId = receipt.TransactionId,
        });
        await db.SaveChangesAsync(ct);
        return new DesignationResponse(patientId, r.HospitalId, r.RecordId, r.Version, receipt.TransactionId);
    }
}

using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Emergency;

/// <summary>
/// A patient makes an emergency summary available to a hospital (its data key wrapped for the hospital's emergency key),
/// sees which designations a key rotation left to re-wrap, and withdraws a designation.
/// </summary>
public sealed class DesignationService(MedLedgerDbContext db, LedgerRollForward rollForward, HospitalEmergencyKeyService hospitalKeys, SealedVersionReader sealedVersions)
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
        var receipt = await rollForward.SubmitAsync(tx, new DesignationRows(patientId, r.HospitalId, r.RecordId, r.Version, r.ReaderKeyId, r.Enc, r.WrappedKey), ct);
        return new DesignationResponse(patientId, r.HospitalId, r.RecordId, r.Version, receipt.TransactionId);
    }

    /// <summary>The patient's designations; <c>NeedsRewrap</c> when the hospital's key changed since the wrap was made.</summary>
    public async Task<IReadOnlyList<DesignationStatus>> MineAsync(Guid patientId, CancellationToken ct)
    {
        var rows = await db.Set<EmergencyDesignation>().AsNoTracking().Where(d => d.PatientId == patientId).ToListAsync(ct);
        var current = await hospitalKeys.CurrentKeyIdsAsync(rows.Select(d => d.HospitalId).ToList(), ct);
        return rows.Select(d =>
        {
            var keyId = current.GetValueOrDefault(d.HospitalId);
            return new DesignationStatus(d.HospitalId, d.RecordId, d.Version, d.ReaderKeyId, keyId, keyId is not null && keyId != d.ReaderKeyId, d.TransactionId);
        }).OrderBy(d => d.HospitalId).ToList();
    }

    public async Task WithdrawAsync(Guid patientId, Guid hospitalId, WithdrawDesignationRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, EmergencyWithdrawContract.TypeName, patientId);
        if (tx.Get("patientId") != patientId.ToString() || tx.Get("hospitalId") != hospitalId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The emergency.withdraw transaction names a different patient or hospital.");
        }
        if (!await db.Set<EmergencyDesignation>().AnyAsync(d => d.PatientId == patientId && d.HospitalId == hospitalId, ct))
        {
            throw ProblemException.NotFound($"Your emergency designation for hospital {hospitalId}");
        }
        // The ledger first: break-glass is refused by the contract from this transaction on, whatever the rows say.
        await rollForward.SubmitAsync(tx, new DesignationRows(patientId, hospitalId), ct);
    }
}

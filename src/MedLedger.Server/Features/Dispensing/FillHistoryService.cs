using MedLedger.Crypto;
using MedLedger.Server.Features.Accounts;
using MedLedger.Ledger;
using MedLedger.Server.Features.Consent;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>
/// Who sees a prescription and its fills: the patient, the prescriber, and a pharmacist holding an active grant that
/// covers its record. Fills at every pharmacy are listed; each carries its transaction id for the client's receipt check.
/// </summary>
public sealed class FillHistoryService(MedLedgerDbContext db, ConsentGrants grants, LedgerGateway ledger, TimeProvider clock)
{
    /// <summary>
    /// Patient: their prescriptions; doctor: those they issued; pharmacist: those a grant to them covers, for one patient or
    /// record (a pharmacist has no list of all patients). Newest first.
    /// </summary>
    public async Task<IReadOnlyList<PrescriptionResponse>> ListAsync(Caller caller, Guid? recordId, Guid? patientId, CancellationToken ct)
    {
        var q = db.Set<Prescription>().AsNoTracking();
        q = caller.Role switch
        {
            Role.Patient => q.Where(x => x.PatientId == caller.Id),
            Role.Doctor => q.Where(x => x.PrescriberId == caller.Id),
            _ when recordId is null && patientId is null => throw ProblemException.Invalid("recordId", "Name the record or the patient whose prescriptions you look up."),
            _ => q,
        };
        if (recordId is { } r)
        {
            q = q.Where(x => x.RecordId == r);
        }
        if (patientId is { } pid)
        {
            q = q.Where(x => x.PatientId == pid);
        }
        var list = await q.OrderByDescending(x => x.IssuedAt).Take(500).ToListAsync(ct);
        if (caller.Role == Role.Pharmacist)
        {
            var covering = await grants.ToGranteeAsync(caller.Id, list.Select(x => x.PatientId).Distinct().ToList(), ct);
            var now = clock.GetUtcNow();
            list = list.Where(p => covering.Any(g => g.PatientId == p.PatientId && g.IsActive(now) && g.Covers(p.RecordId, RecordCategories.MedicationRequest))).ToList();
        }
        return await WithFillsAsync(list, ct);
    }

    public async Task<PrescriptionResponse> GetAsync(Caller caller, Guid prescriptionId, CancellationToken ct)
    {
        var p = await db.Set<Prescription>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == prescriptionId, ct);
        var visible = p is not null && caller.Role switch
        {
            Role.Patient => p.PatientId == caller.Id,
            Role.Doctor => p.PrescriberId == caller.Id,
            Role.Pharmacist => await GrantCoversAsync(caller.Id, p, null, ct),
            _ => false,
        };
        // Someone else's prescription answers like an unknown one.
        return visible ? (await WithFillsAsync([p!], ct))[0] : throw ProblemException.NotFound($"Prescription {prescriptionId}");
    }

    /// <summary>Does the pharmacist hold an active grant from the patient covering the prescription's record (that grant, when named)?</summary>
    internal async Task<bool> GrantCoversAsync(Guid pharmacistId, Prescription p, Guid? grantId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return (await grants.ToGranteeAsync(pharmacistId, [p.PatientId], ct))
            .Any(g => (grantId is null || g.Id == grantId) && g.IsActive(now) && g.Covers(p.RecordId, RecordCategories.MedicationRequest));
    }

    /// <summary>Rows are written only after their transaction commits, so the receipt exists.</summary>
    private async Task<LedgerReceipt> ReceiptAsync(string transactionId, CancellationToken ct) =>
        await ledger.Peer.Queries.GetReceiptAsync(transactionId, ct) ?? throw new InvalidOperationException($"committed transaction {transactionId} has no receipt");

    private async Task<IReadOnlyList<PrescriptionResponse>> WithFillsAsync(IReadOnlyList<Prescription> list, CancellationToken ct)
    {
        var ids = list.Select(x => x.Id).ToList();
        var fills = (await db.Set<PrescriptionFill>().AsNoTracking().Where(f => ids.Contains(f.PrescriptionId)).ToListAsync(ct))
            .ToLookup(f => f.PrescriptionId);
        var result = new List<PrescriptionResponse>(list.Count);
        foreach (var p in list)
        {
            var mine = new List<FillResponse>();
            foreach (var f in fills[p.Id].OrderBy(f => f.FillNumber))
            {
                mine.Add(new FillResponse(f.PrescriptionId, f.FillNumber, f.Quantity, f.PharmacistId, f.PharmacyId, f.TransactionId, f.DispensedAt, await ReceiptAsync(f.TransactionId, ct)));
            }
            result.Add(new PrescriptionResponse(p.Id, p.RecordId, p.RecordVersion, p.PatientId, p.PrescriberId, p.HeaderHash, p.TotalUnits, p.MaxFills, p.ValidUntil,
                p.Status, mine.Sum(f => f.Quantity), p.IssueTransactionId, p.IssuedAt, p.CancelTransactionId, p.CancelledAt, mine,
                await ReceiptAsync(p.IssueTransactionId, ct), p.CancelTransactionId is { } c ? await ReceiptAsync(c, ct) : null));
        }
        return result;
    }
}

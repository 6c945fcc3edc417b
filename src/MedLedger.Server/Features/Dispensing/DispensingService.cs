using System.Globalization;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>
/// A pharmacist records a fill (a pharmacy.dispense they sign). The contract enforces the limits across every pharmacy;
/// the server adds what the ledger cannot see: the grant's scope covers this prescription's record, the pharmacy is the
/// pharmacist's own and the signed time is now.
/// </summary>
public sealed class DispensingService(MedLedgerDbContext db, LedgerRollForward rollForward, FillHistoryService history, TimeProvider clock)
{
    public async Task<PrescriptionResponse> DispenseAsync(Caller pharmacist, Guid prescriptionId, SignedPrescriptionTransaction r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, PharmacyDispenseContract.TypeName, pharmacist.Id);
        if (tx.Get("prescriptionId") != prescriptionId.ToString() || !Guid.TryParseExact(tx.Get("grantId"), "D", out var grantId)
            || !int.TryParse(tx.Get("quantity"), NumberStyles.None, CultureInfo.InvariantCulture, out var quantity) || quantity is < 1 or > PrescriptionIssuingService.MaxUnits
            || !int.TryParse(tx.Get("fillNumber"), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw ProblemException.Invalid("transaction", "The transaction must name the prescription in the path, a grantId, a fillNumber and a quantity.");
        }
        if (tx.Get("pharmacyId") != pharmacist.Organization.ToString())
        {
            throw ProblemException.Forbidden("You dispense for your own pharmacy: pharmacyId must be your organization.");
        }
        PrescriptionIssuingService.CheckTime(tx, clock);
        var p = await db.Set<Prescription>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == prescriptionId, ct)
            ?? throw ProblemException.NotFound($"Prescription {prescriptionId}");
        if (tx.Get("patientId") != p.PatientId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The transaction must name the prescription's patient.");
        }
        if (!await history.GrantCoversAsync(pharmacist.Id, p, grantId, ct))
        {
            throw ProblemException.Forbidden("You hold no active consent grant from the patient that covers this prescription.");
        }
        // Stock: the pharmacy-stock feature's StockTaking.TakeAsync(pharmacy, the dispensed lot, quantity) belongs here, once
        // per fill, after the ledger commits (the ledger refuses a fill stock could not undo).
        await rollForward.SubmitAsync(tx, new DispensingRows(clock.GetUtcNow()), ct);
        return await history.GetAsync(pharmacist, prescriptionId, ct);
    }
}

using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>
/// The prescriber puts a MedicationRequest's limits on the ledger (a prescriptions.issue they sign right after writing the
/// record) and may cancel it (prescriptions.cancel). The contract decides; the server checks what only it knows: that the
/// record is a MedicationRequest (its category is not on the ledger) and that the transaction's time is now.
/// </summary>
public sealed class PrescriptionIssuingService(MedLedgerDbContext db, SealedVersionReader records, LedgerRollForward rollForward, FillHistoryService history, TimeProvider clock)
{
    /// <summary>How far a signed transaction's time may be from the server's: the contracts compare validity ends with it.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>Larger counts are typing errors, and they keep every count within an int.</summary>
    public const int MaxUnits = 1_000_000;

    public async Task<PrescriptionResponse> IssueAsync(Caller prescriber, SignedPrescriptionTransaction r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, PrescriptionIssueContract.TypeName, prescriber.Id);
        if (!Guid.TryParseExact(tx.Get("prescriptionId"), "D", out var id) || !Guid.TryParseExact(tx.Get("recordId"), "D", out var recordId)
            || !Guid.TryParseExact(tx.Get("patientId"), "D", out var patientId)
            || !int.TryParse(tx.Get("totalUnits"), NumberStyles.None, CultureInfo.InvariantCulture, out var total) || total is < 1 or > MaxUnits)
        {
            throw ProblemException.Invalid("transaction", $"The transaction must name a prescriptionId, a recordId, a patientId and totalUnits from 1 to {MaxUnits}.");
        }
        CheckTime(tx, clock);
        if (await records.CategoryOfAsync(patientId, recordId, ct) is not { } category)
        {
            throw ProblemException.NotFound($"Record {recordId}");
        }
        if (category != RecordCategories.MedicationRequest)
        {
            throw ProblemException.Invalid("transaction", "A prescription is issued for a MedicationRequest record.");
        }
        await rollForward.SubmitAsync(tx, new DispensingRows(clock.GetUtcNow()), ct);
        return await history.GetAsync(prescriber, id, ct);
    }

    public async Task<PrescriptionResponse> CancelAsync(Caller prescriber, Guid prescriptionId, SignedPrescriptionTransaction r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, PrescriptionCancelContract.TypeName, prescriber.Id);
        if (tx.Get("prescriptionId") != prescriptionId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The transaction must name the prescription in the path as prescriptionId.");
        }
        // Another doctor's prescription answers like an unknown one.
        var p = await db.Set<Prescription>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == prescriptionId && x.PrescriberId == prescriber.Id, ct)
            ?? throw ProblemException.NotFound($"Prescription {prescriptionId}");
        if (p.Status != PrescriptionKeys.Active)
        {
            throw ProblemException.Conflict($"This prescription is {p.Status} already.");
        }
        await rollForward.SubmitAsync(tx, new DispensingRows(clock.GetUtcNow()), ct);
        return await history.GetAsync(prescriber, prescriptionId, ct);
    }

    /// <summary>The contracts judge validity ends and grant expiry by the signed time, so it must be the present.</summary>
    internal static void CheckTime(LedgerTransaction tx, TimeProvider clock)
    {
        var skew = Math.Abs(tx.TimestampMs - clock.GetUtcNow().ToUnixTimeMilliseconds());
        if (skew > MaxClockSkew.TotalMilliseconds)
        {
            throw ProblemException.Invalid("transaction", $"The transaction's time is more than {MaxClockSkew.TotalMinutes} minutes from the server's clock.");
        }
    }
}

using System.Globalization;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>
/// A pharmacist records a fill (a pharmacy.dispense they sign) and takes its units from the pharmacy's stock. The contract
/// enforces the limits across every pharmacy; the server adds what the ledger cannot see: the grant's scope covers this
/// prescription's record, the pharmacy is the pharmacist's own, the signed time is now, and the stock is there.
/// </summary>
/// <remarks>
/// Order (docs/pharmacy.md, "Dispensing"): (1) take the stock and record a <see cref="DispenseStockHold"/> in one database
/// transaction — a shortfall is a 409 before the ledger sees anything; (2) submit to the ledger; (3a) accepted: the fill's
/// rows are written and the hold removed in one transaction (rolled forward after a crash); (3b) refused: the stock is put
/// back and the hold removed in one transaction. A hold left by a crash between (1) and (3) is settled at the next start.
/// The database transaction is not held open across the ledger round: the roll-forward's pending write and other
/// pharmacies' takes must not wait on it (SQLite has one writer).
/// </remarks>
public sealed class DispensingService(MedLedgerDbContext db, LedgerRollForward rollForward, FillHistoryService history, StockTaking stock, TimeProvider clock)
{
    public async Task<PrescriptionResponse> DispenseAsync(Caller pharmacist, Guid prescriptionId, DispenseRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
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
        if (r.MedicineId == Guid.Empty)
        {
            throw ProblemException.Invalid("medicineId", "Name the catalogue medicine the fill is dispensed from.");
        }
        var hold = await TakeStockAsync(pharmacist.Organization, r.MedicineId, quantity, tx.Id, ct);
        try
        {
            await rollForward.SubmitAsync(tx, new DispensingRows(clock.GetUtcNow()), ct);
        }
        catch (ProblemException)
        {
            // The ledger refused the fill (or it is already being submitted): nothing was dispensed, so the stock goes back.
            // Any other failure leaves the outcome unknown; the hold stays and the next start settles it against the ledger.
            await ReleaseAsync(db, stock, hold, CancellationToken.None);
            throw;
        }
        return await history.GetAsync(pharmacist, prescriptionId, ct);
    }

    /// <summary>Takes the units and records the hold in one transaction: both or neither.</summary>
    private async Task<DispenseStockHold> TakeStockAsync(Guid pharmacyId, Guid medicineId, int quantity, string transactionId, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // The hold is the first statement (a write, so SQLite's write lock is held before the take reads its lots) and its
        // key is the transaction id: the same signed fill sent twice at once takes stock once, the other gets a 409.
        var hold = new DispenseStockHold { TransactionId = transactionId, PharmacyId = pharmacyId, CreatedAt = clock.GetUtcNow() };
        db.Add(hold);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw ProblemException.Conflict("This fill is already being dispensed.");
        }
        var taken = await stock.TakeAsync(pharmacyId, medicineId, quantity, "prescription fill", transactionId, ct);
        hold.StockOperationId = taken.OperationId;
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        db.ChangeTracker.Clear();
        return hold;
    }

    /// <summary>Puts a hold's stock back and removes the hold, once: whoever deletes the hold restores the stock.</summary>
    internal static async Task ReleaseAsync(MedLedgerDbContext db, StockTaking stock, DispenseStockHold hold, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Set<DispenseStockHold>().Where(h => h.TransactionId == hold.TransactionId).ExecuteDeleteAsync(ct) == 1)
        {
            await stock.ReleaseAsync(hold.PharmacyId, hold.StockOperationId, ct);
        }
        await transaction.CommitAsync(ct);
    }
}

/// <summary>
/// Start-up: a hold still there after the roll-forward (which removes the holds of committed fills with their rows) is a
/// fill the ledger never committed — refused or never sent before a crash — so its stock goes back.
/// </summary>
public sealed class DispenseStockRepair(MedLedgerDbContext db, StockTaking stock, LedgerGateway gateway) : ILedgerRowRepair
{
    public async Task<int> RepairAsync(CancellationToken ct)
    {
        var repaired = 0;
        foreach (var hold in await db.Set<DispenseStockHold>().AsNoTracking().ToListAsync(ct))
        {
            var stored = await gateway.Peer.Store.GetTransactionsByIdAsync(hold.TransactionId, ct);
            if (stored.Any(s => s.Valid))
            {
                // Committed: the stock stays taken; only the hold is left over.
                await db.Set<DispenseStockHold>().Where(h => h.TransactionId == hold.TransactionId).ExecuteDeleteAsync(ct);
            }
            else
            {
                await DispensingService.ReleaseAsync(db, stock, hold, ct);
            }
            repaired++;
        }
        return repaired;
    }
}

using System.Net;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Dispensing;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Tests.Features.Pharmacy;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Dispensing;

/// <summary>
/// Issue 16: a fill takes its units from the pharmacy's stock. Stock is taken before the ledger sees the fill (a shortfall
/// never reaches it) and put back when the ledger refuses; lots never go below zero and the accounting identity holds.
/// </summary>
public sealed partial class DispensingTests
{
    [Fact]
    public async Task A_fill_takes_its_units_earliest_expiry_first_and_its_movements_name_the_fill()
    {
        await WorldAsync();
        var pharmacy = _pharmacist.OrganizationId!.Value;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var item = await StockAsync(_pharmacist, units: 100, lot: "LATE", expiresOn: today.AddDays(300));
        await _pharmacist.Client.ReceiveStockAsync(pharmacy, item, "SOON", today.AddDays(20), 30);
        var rx = (await _doctor.Client.WritePrescriptionAsync(MedicationRequest(quantity: 40, repeats: 0), _patient.Id)).Info;
        await ShareAsync(_patient, _pharmacist);

        await _pharmacist.Client.DispenseAsync(rx.PrescriptionId, item, 40);

        var lots = (await _pharmacist.Client.PharmacyStockAsync(pharmacy)).Single(l => l.Medicine.Id == item).Lots.ToDictionary(l => l.LotNumber);
        Assert.Equal((0, 30), (lots["SOON"].OnHand, lots["SOON"].Dispensed));
        Assert.Equal((90, 10), (lots["LATE"].OnHand, lots["LATE"].Dispensed));
        var fill = await Db(db => db.Set<PrescriptionFill>().SingleAsync(f => f.PrescriptionId == rx.PrescriptionId));
        var dispensed = (await _pharmacist.Client.StockMovementsAsync(pharmacy, item)).Where(m => m.Kind == StockMovementType.Dispensed).ToList();
        Assert.Equal(2, dispensed.Count);
        Assert.All(dispensed, m => Assert.Equal(fill.TransactionId, m.Reference));
        await new PharmacyWorld(Host).AssertIdentityAsync(pharmacy);
    }

    [Fact]
    public async Task A_shortfall_is_a_409_and_nothing_reaches_the_ledger_or_the_stock()
    {
        await WorldAsync();
        var pharmacy = _pharmacist.OrganizationId!.Value;
        var item = await StockAsync(_pharmacist, units: 5);
        var rx = (await _doctor.Client.WritePrescriptionAsync(MedicationRequest(quantity: 10, repeats: 0), _patient.Id)).Info;
        await ShareAsync(_patient, _pharmacist);
        var before = await new PharmacyWorld(Host).RowsAsync(pharmacy);

        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => _pharmacist.Client.DispenseAsync(rx.PrescriptionId, item, 10));
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.Contains("insufficient-stock", refused.ProblemType ?? "", StringComparison.Ordinal);

        Assert.DoesNotContain(await LedgerAbout(_patient.Id), t => t.Type == PharmacyDispenseContract.TypeName);
        Assert.Equal(0, await Db(db => db.Set<PrescriptionFill>().CountAsync(f => f.PrescriptionId == rx.PrescriptionId)));
        await AssertStockUnchangedAsync(pharmacy, before);
        // The prescription is untouched: the same fill goes through once the delivery is in.
        await _pharmacist.Client.ReceiveStockAsync(pharmacy, item, "RX-LOT-2", DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1), 5);
        Assert.Equal(1, (await _pharmacist.Client.DispenseAsync(rx.PrescriptionId, item, 10)).FillsMade);
        Assert.Equal(0, await UsableAsync(_pharmacist, item));
    }

    [Fact]
    public async Task A_fill_the_contract_refuses_leaves_the_stock_exactly_as_it_was()
    {
        await WorldAsync();
        var pharmacy = _pharmacist.OrganizationId!.Value;
        var rx = (await _doctor.Client.WritePrescriptionAsync(MedicationRequest(quantity: 10, repeats: 1), _patient.Id)).Info;
        await ShareAsync(_patient, _pharmacist);
        await _pharmacist.Client.DispenseAsync(rx.PrescriptionId, _medicine, 10);
        await _doctor.Client.CancelPrescriptionAsync(rx.PrescriptionId);
        var before = await new PharmacyWorld(Host).RowsAsync(pharmacy);

        // The server's checks pass (own pharmacy, grant, time, stock); the contract refuses a fill after cancellation.
        var answer = await RawFillAsync(_pharmacist, rx.PrescriptionId, await FillTxAsync(_pharmacist, rx, fillNumber: 2, quantity: 5));
        Assert.Equal(HttpStatusCode.Conflict, answer.StatusCode);
        Assert.DoesNotContain("insufficient-stock", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await AssertStockUnchangedAsync(pharmacy, before);
        Assert.Equal(990, await UsableAsync(_pharmacist, _medicine));
    }

    [Fact]
    public async Task Concurrent_fills_of_different_prescriptions_against_the_last_units_never_oversell()
    {
        await WorldAsync();
        var pharmacy = _pharmacist.OrganizationId!.Value;
        var item = await StockAsync(_pharmacist, units: 10);
        var prescriptions = new List<PrescriptionInfo>();
        for (var i = 0; i < 6; i++)
        {
            prescriptions.Add((await _doctor.Client.WritePrescriptionAsync(MedicationRequest(quantity: 3, repeats: 0), _patient.Id)).Info);
        }
        await ShareAsync(_patient, _pharmacist);
        var fills = new List<(PrescriptionInfo Rx, MedLedger.Ledger.LedgerTransaction Tx)>();
        foreach (var rx in prescriptions)
        {
            fills.Add((rx, await FillTxAsync(_pharmacist, rx, fillNumber: 1, quantity: 3)));
        }

        // Six fills of 3 against 10 units, all at once: three fit.
        var answers = await Task.WhenAll(fills.Select(f => RawFillAsync(_pharmacist, f.Rx.PrescriptionId, f.Tx, item)));

        Assert.Equal(3, answers.Count(a => a.StatusCode == HttpStatusCode.Created));
        var refused = answers.Where(a => a.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(3, refused.Count);
        foreach (var r in refused)
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.Contains("insufficient-stock", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Equal(1, await UsableAsync(_pharmacist, item));
        Assert.Equal(3, (await LedgerAbout(_patient.Id)).Count(t => t.Type == PharmacyDispenseContract.TypeName));
        Assert.Equal(3, await Db(db => db.Set<PrescriptionFill>().CountAsync(f => f.PatientId == _patient.Id)));
        Assert.Equal(0, await Db(db => db.Set<DispenseStockHold>().CountAsync()));
        await new PharmacyWorld(Host).AssertIdentityAsync(pharmacy);
    }

    /// <summary>Every lot's counters and the movements are what they were: a refused fill leaves no trace in stock.</summary>
    private async Task AssertStockUnchangedAsync(Guid pharmacy, (List<StockLot> Lots, List<StockMovement> Movements) before)
    {
        var after = await new PharmacyWorld(Host).RowsAsync(pharmacy);
        static string Lot(StockLot l) => $"{l.Id} {l.Received} {l.Sold} {l.Dispensed} {l.WrittenOff} {l.Returned} {l.Adjusted} {l.OnHand}";
        Assert.Equal(before.Lots.Select(Lot).Order(StringComparer.Ordinal), after.Lots.Select(Lot).Order(StringComparer.Ordinal));
        Assert.Equal(before.Movements.Select(m => m.Id).Order(), after.Movements.Select(m => m.Id).Order());
        Assert.Equal(0, await Db(db => db.Set<DispenseStockHold>().CountAsync()));
        await new PharmacyWorld(Host).AssertIdentityAsync(pharmacy);
    }
}

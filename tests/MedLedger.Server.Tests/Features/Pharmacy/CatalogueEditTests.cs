using System.Net;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Pharmacy;

/// <summary>Editing a catalogue entry (price history, no lost update between two pharmacists) and discontinuing it, through the C# SDK.</summary>
public sealed class CatalogueEditTests : SdkTestBase
{
    private static readonly NewMedicine Ibuprofen = new("Ibuprofen", "400 mg", DosageForm.Tablet, 20, 499, "EUR", false, DrugSchedule.None, 5);

    private async Task<(SdkUser Pharmacist, Guid Pharmacy, CatalogueMedicine Medicine)> StockedAsync(string name)
    {
        var admin = await World.AdminAsync();
        var pharmacist = await World.VerifiedAsync(admin, Role.Pharmacist, OrganizationKind.Pharmacy, name);
        var pharmacy = pharmacist.OrganizationId!.Value;
        var medicine = await pharmacist.Client.AddMedicineAsync(pharmacy, Ibuprofen);
        await pharmacist.Client.ReceiveStockAsync(pharmacy, medicine.Id, "IBU-1", DateOnly.FromDateTime(DateTime.UtcNow).AddDays(200), 30);
        return (pharmacist, pharmacy, medicine);
    }

    [Fact]
    public async Task A_price_change_is_kept_in_the_history_and_patients_see_the_new_price()
    {
        var (pharmacist, pharmacy, medicine) = await StockedAsync("Edit Price Pharmacy");
        Assert.Equal(1, medicine.Version);

        var edited = await pharmacist.Client.UpdateMedicineAsync(pharmacy, medicine.Id, MedicineEdit.From(medicine) with { PriceMinor = 549, ReorderLevel = 8 });

        Assert.Equal((549L, 8, 2, false), (edited.PriceMinor, edited.ReorderLevel, edited.Version, edited.Discontinued));
        var change = Assert.Single(await pharmacist.Client.MedicinePriceHistoryAsync(pharmacy, medicine.Id));
        Assert.Equal((499L, 549L, pharmacist.Id), (change.OldPriceMinor, change.NewPriceMinor, change.ActorId));
        var patient = await World.RegisterAsync(Role.Patient);
        Assert.Equal(549, Assert.Single((await patient.Client.PharmacyCatalogueAsync(pharmacy)).Items).Medicine.PriceMinor);
        // An edit that leaves the price alone adds nothing to the history.
        await pharmacist.Client.UpdateMedicineAsync(pharmacy, medicine.Id, MedicineEdit.From(edited) with { ReorderLevel = 3 });
        Assert.Single(await pharmacist.Client.MedicinePriceHistoryAsync(pharmacy, medicine.Id));
    }

    [Fact]
    public async Task Bad_edits_are_refused_with_every_field_named_and_change_nothing()
    {
        var (pharmacist, pharmacy, medicine) = await StockedAsync("Edit Refusal Pharmacy");

        var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => pharmacist.Client.UpdateMedicineAsync(pharmacy, medicine.Id,
            MedicineEdit.From(medicine) with { PriceMinor = -1, Schedule = DrugSchedule.II, PrescriptionOnly = false, Version = 0 }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Status);
        foreach (var message in new[] { "priceMinor must be", "must be prescription-only", "version is the catalogue entry's version" })
        {
            Assert.Contains(message, e.Detail, StringComparison.Ordinal);
        }
        // Another pharmacy's medicine id through one's own pharmacy: not found.
        var (_, _, foreign) = await StockedAsync("Edit Other Pharmacy");
        var notFound = await Assert.ThrowsAsync<MedLedgerApiException>(() => pharmacist.Client.UpdateMedicineAsync(pharmacy, foreign.Id, MedicineEdit.From(foreign)));
        Assert.Equal(HttpStatusCode.NotFound, notFound.Status);

        var line = Assert.Single(await pharmacist.Client.PharmacyStockAsync(pharmacy)).Medicine;
        Assert.Equal(medicine, line);
        Assert.Empty(await pharmacist.Client.MedicinePriceHistoryAsync(pharmacy, medicine.Id));
    }

    [Fact]
    public async Task Of_two_pharmacists_editing_the_same_version_at_once_one_wins_and_the_other_is_told_to_reload()
    {
        var (pharmacist, pharmacy, medicine) = await StockedAsync("Edit Race Pharmacy");
        var colleague = await World.RegisterAsync(Role.Pharmacist, organizationId: pharmacy);
        await (await World.AdminAsync()).Client.DecideProfessionalAsync(colleague.Id, true);
        colleague = await World.LoginAsync(colleague.Email, colleague.Password, colleague.Role, null);

        var edits = new[] { (pharmacist, 600L), (colleague, 650L), (pharmacist, 700L), (colleague, 750L) };
        var outcomes = await Task.WhenAll(edits.Select(async x =>
        {
            try
            {
                return (Price: x.Item2, Status: HttpStatusCode.OK, Type: (string?)null,
                    Result: await x.Item1.Client.UpdateMedicineAsync(pharmacy, medicine.Id, MedicineEdit.From(medicine) with { PriceMinor = x.Item2 }));
            }
            catch (MedLedgerApiException e)
            {
                return (Price: x.Item2, e.Status, Type: e.ProblemType, Result: (CatalogueMedicine?)null);
            }
        }));

        var winner = Assert.Single(outcomes, o => o.Status == HttpStatusCode.OK);
        Assert.All(outcomes.Where(o => o.Status != HttpStatusCode.OK), o => Assert.Equal((HttpStatusCode.Conflict, "medicine-changed"), (o.Status, o.Type?.Split('/')[^1])));
        var now = Assert.Single(await pharmacist.Client.PharmacyStockAsync(pharmacy)).Medicine;
        Assert.Equal((winner.Price, 2), (now.PriceMinor, now.Version));
        var change = Assert.Single(await pharmacist.Client.MedicinePriceHistoryAsync(pharmacy, medicine.Id));
        Assert.Equal((499L, winner.Price), (change.OldPriceMinor, change.NewPriceMinor));
    }

    [Fact]
    public async Task A_discontinued_medicine_leaves_the_patients_view_takes_no_deliveries_and_its_stock_can_still_be_sold_until_reinstated()
    {
        var (pharmacist, pharmacy, medicine) = await StockedAsync("Discontinue Pharmacy");
        var patient = await World.RegisterAsync(Role.Patient);
        Assert.Single((await patient.Client.SearchMedicinesAsync("ibuprofen")).Items, h => h.PharmacyId == pharmacy);

        var off = await pharmacist.Client.UpdateMedicineAsync(pharmacy, medicine.Id, MedicineEdit.From(medicine) with { Discontinued = true });

        Assert.True(off.Discontinued);
        Assert.DoesNotContain((await patient.Client.SearchMedicinesAsync("ibuprofen")).Items, h => h.PharmacyId == pharmacy);
        Assert.Empty((await patient.Client.PharmacyCatalogueAsync(pharmacy)).Items);
        var delivery = await Assert.ThrowsAsync<MedLedgerApiException>(() =>
            pharmacist.Client.ReceiveStockAsync(pharmacy, medicine.Id, "IBU-2", DateOnly.FromDateTime(DateTime.UtcNow).AddDays(300), 10));
        Assert.Equal(HttpStatusCode.Conflict, delivery.Status);
        Assert.Contains("discontinued", delivery.Detail, StringComparison.Ordinal);
        Assert.Equal(30, Assert.Single(Assert.Single(await pharmacist.Client.PharmacyStockAsync(pharmacy)).Lots).Received);
        // What is left is sold off; the pharmacist still sees it in the stock view.
        Assert.Equal(2, (await pharmacist.Client.SellAsync(pharmacy, medicine.Id, 2)).Quantity);
        Assert.Equal(28, Assert.Single(await pharmacist.Client.PharmacyStockAsync(pharmacy)).Usable);

        var back = await pharmacist.Client.UpdateMedicineAsync(pharmacy, medicine.Id, MedicineEdit.From(off) with { Discontinued = false });
        Assert.False(back.Discontinued);
        Assert.Single((await patient.Client.PharmacyCatalogueAsync(pharmacy)).Items);
    }
}

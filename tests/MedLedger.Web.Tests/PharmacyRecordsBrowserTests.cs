using System.Text;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The pharmacist's counter and records in Chromium: a walk-in sale, a price edit refused when a colleague edited first (no
/// lost update) and then made, the day's summary, and the CSV export of stock movements.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PharmacyRecordsBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task A_pharmacist_sells_edits_a_price_after_a_colleagues_edit_and_sees_the_day_and_its_export()
    {
        using var sdk = await world.SdkAsync("pharmacist2");
        var pharmacy = sdk.Tokens!.User.OrganizationId!.Value;
        var loperamide = (await sdk.PharmacyStockAsync(pharmacy)).Single(l => l.Medicine.Name == "Loperamide").Medicine;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist2"));
        await HospitalTestKit.ClickNavAsync(page, "Stock");
        await page.GetByLabel("Over-the-counter medicine", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = loperamide.Id.ToString() });
        await page.GetByLabel("Units sold", new() { Exact = true }).FillAsync("2");
        await page.GetByRole(AriaRole.Button, new() { Name = "Record sale" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Sold 2 from lot")).ToBeVisibleAsync();

        // The edit form shows the entry as loaded; a colleague changes it meanwhile, so saving is refused and the page reloads.
        await page.GetByLabel("Medicine to edit", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = loperamide.Id.ToString() });
        var current = (await sdk.PharmacyStockAsync(pharmacy)).Single(l => l.Medicine.Id == loperamide.Id).Medicine;
        var colleague = await sdk.UpdateMedicineAsync(pharmacy, loperamide.Id, MedicineEdit.From(current) with { PriceMinor = current.PriceMinor + 10 });
        await page.GetByLabel("New price (EUR)", new() { Exact = true }).FillAsync("5.25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.GetByText("was edited since version")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("New price (EUR)", new() { Exact = true })).ToHaveValueAsync((colleague.PriceMinor / 100m).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture));
        // Saved again on the colleague's version, it goes through.
        await page.GetByLabel("New price (EUR)", new() { Exact = true }).FillAsync("5.25");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page.GetByText("5.25 EUR, reorder at")).ToBeVisibleAsync();
        Assert.Equal(525, (await sdk.PharmacyStockAsync(pharmacy)).Single(l => l.Medicine.Id == loperamide.Id).Medicine.PriceMinor);
        Assert.Equal(525, (await sdk.MedicinePriceHistoryAsync(pharmacy, loperamide.Id))[0].NewPriceMinor);

        await HospitalTestKit.ClickNavAsync(page, "Records");
        var moved = page.GetByRole(AriaRole.Table, new() { Name = "Stock moved" });
        await Assertions.Expect(moved.Locator("tr").Filter(new() { HasText = "Loperamide 2 mg" })).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(page, "pharmacy-records");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        string csv;
        await using (var stream = await download.CreateReadStreamAsync())
        using (var reader = new StreamReader(stream, Encoding.UTF8))
        {
            csv = await reader.ReadToEndAsync();
        }
        Assert.StartsWith("at,operation,medicine,strength,form,pack_size,lot,lot_expires,kind,quantity,reason,reference,actor", csv, StringComparison.Ordinal);
        Assert.Contains(",Loperamide,2 mg,Capsule,12,", csv, StringComparison.Ordinal);
        Assert.Contains(",Sold,2,walk-in sale,", csv, StringComparison.Ordinal);
        await Assertions.Expect(page.GetByText("Exported ")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_pharmacist_makes_a_counter_payable_the_patient_pays_it_and_the_pharmacist_refunds_part_of_it_but_never_more()
    {
        using var patient = await world.SdkAsync("patient3");
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist2"));
        await HospitalTestKit.ClickNavAsync(page, "Records");
        await page.GetByLabel("Patient id", new() { Exact = true }).FillAsync(patient.UserId.ToString());
        await page.GetByLabel("Amount (EUR)", new() { Exact = true }).FillAsync("7.40");
        await page.GetByRole(AriaRole.Button, new() { Name = "Make payable" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Payable of 7.40 EUR made out to patient")).ToBeVisibleAsync();

        // The patient pays it from their wallet with a payment they sign (the C# SDK here; the browser wallet does the same).
        var payable = (await patient.MyPayablesAsync()).Single(p => p.PaymentId is null && p.Amount == 740);
        await patient.TopUpAsync(1000, "EUR", "card-auth-counter-" + Guid.NewGuid().ToString("N")[..6]);
        var payment = await patient.PayAsync(payable.Id);

        await HospitalTestKit.ClickNavAsync(page, "Stock");
        await HospitalTestKit.ClickNavAsync(page, "Records");
        await page.GetByLabel("Refund the payment of", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Value = payment.Id.ToString() });
        await page.GetByLabel("Refund amount (EUR)", new() { Exact = true }).FillAsync("2.40");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refund", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("Refunded 2.40 EUR; 2.40 EUR of 7.40 EUR refunded so far (ledger receipt verified).")).ToBeVisibleAsync();
        // More than what is left is refused by the ledger, and nothing more is refunded.
        await page.GetByLabel("Refund amount (EUR)", new() { Exact = true }).FillAsync("5.01");
        await page.GetByRole(AriaRole.Button, new() { Name = "Refund", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("main").GetByRole(AriaRole.Alert)).ToBeVisibleAsync();
        var seen = Assert.Single((await patient.WalletHistoryAsync()).Payments, p => p.Id == payment.Id);
        Assert.Equal(240, Assert.Single(seen.Refunds).Amount);
        await BrowserWorld.ScreenshotAsync(page, "pharmacy-counter-payments");
        await page.Context.CloseAsync();
    }
}

using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Pharmacy screens in Chromium against the demo server: a pharmacist adds a medicine and receives a delivery and sees the lot
/// in their stock; a patient then finds the medicine and the pharmacy near them that has it (availability, not counts).
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class PharmacyBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task A_pharmacist_receives_a_delivery_and_sees_the_stock_and_a_patient_finds_the_medicine()
    {
        // Letters only: the patient-side check below asserts the count "12" is never shown, so the name must not contain digits.
        var tag = new string([.. Guid.NewGuid().ToString("N")[..6].Select(c => (char)('g' + Convert.ToInt32(c.ToString(), 16)))]);
        var name = "Zinc " + tag;
        var lot = "ZN-" + tag;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist"));
        await HospitalTestKit.ClickNavAsync(page, "Stock");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Pharmacy stock", Exact = true })).ToBeVisibleAsync();
        // The demo stock is listed, expired lots flagged.
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Stock by lot" })).ToContainTextAsync("Oxycodone 5 mg");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Expiring lots" })).ToContainTextAsync("expired — write it off");

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Strength", new() { Exact = true }).FillAsync("25 mg");
        await page.GetByLabel("Pack size", new() { Exact = true }).FillAsync("30");
        await page.GetByLabel("Price", new() { Exact = true }).FillAsync("6.50");
        await page.GetByLabel("Reorder level", new() { Exact = true }).FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add medicine" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"{name} 25 mg tablet ×30 added.")).ToBeVisibleAsync();

        await page.GetByLabel("Medicine", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = $"{name} 25 mg ×30" });
        await page.GetByLabel("Lot number", new() { Exact = true }).FillAsync(lot);
        await page.GetByLabel("Expiry date", new() { Exact = true }).FillAsync(DateTime.UtcNow.AddYears(2).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await page.GetByLabel("Units received", new() { Exact = true }).FillAsync("12");
        await page.GetByRole(AriaRole.Button, new() { Name = "Receive delivery" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Lot {lot} now has 12 on hand.")).ToBeVisibleAsync();
        var row = page.GetByRole(AriaRole.Table, new() { Name = "Stock by lot" }).Locator("tr").Filter(new() { HasText = lot });
        await Assertions.Expect(row).ToContainTextAsync("12");
        await Assertions.Expect(row).ToContainTextAsync("In stock");
        await BrowserWorld.ScreenshotAsync(page, "pharmacy-stock");
        await page.Context.CloseAsync();

        // The delivery is on the server, as the SDK sees it.
        using var pharmacist = await world.SdkAsync("pharmacist");
        var stock = await pharmacist.PharmacyStockAsync(pharmacist.Tokens!.User.OrganizationId!.Value);
        Assert.Equal(12, Assert.Single(stock, l => l.Medicine.Name == name).Usable);

        var patientPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(patientPage, world.Account("patient2"));
        await HospitalTestKit.ClickNavAsync(patientPage, "Find a medicine");
        await patientPage.GetByLabel("Medicine name", new() { Exact = true }).FillAsync(name.ToLowerInvariant());
        await patientPage.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var found = patientPage.GetByRole(AriaRole.Table, new() { Name = "Medicines found" });
        await Assertions.Expect(found).ToContainTextAsync("Market Square Pharmacy");
        await Assertions.Expect(found).ToContainTextAsync("In stock");
        await Assertions.Expect(found).Not.ToContainTextAsync("12");
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Table, new() { Name = "Pharmacies nearby" })).ToContainTextAsync("Market Square Pharmacy");
        await BrowserWorld.ScreenshotAsync(patientPage, "pharmacy-find-medicine");
        await patientPage.Context.CloseAsync();
    }
}

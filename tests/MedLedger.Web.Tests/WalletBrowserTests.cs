using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The patient's wallet in Chromium against the demo server (patient5, whose demo wallet has top-ups, a payment and a refund):
/// a top-up and a counter payable paid with a payment signed in the page, the balance moving by exactly both.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WalletBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task The_patient_tops_up_and_pays_a_counter_payable_and_the_balance_moves()
    {
        using var patient = await world.SdkAsync("patient5");
        using var pharmacist = await world.SdkAsync("pharmacist");
        var payable = await pharmacist.CreatePayableAsync(patient.UserId, 750, "EUR");
        var before = (await patient.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient5"));
        await HospitalTestKit.ClickNavAsync(page, "Wallet");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Balances" })).ToContainTextAsync(Money(before));
        // The demo's history: a payment refunded in full, its receipts verified here.
        var payments = page.GetByRole(AriaRole.Table, new() { Name = "Payments" });
        await Assertions.Expect(payments).ToContainTextAsync("refunded");
        await Assertions.Expect(payments).ToContainTextAsync("receipt verified");
        await Assertions.Expect(payments).Not.ToContainTextAsync("NOT verified");

        await page.GetByLabel("Amount").FillAsync("20.00");
        await page.GetByLabel("Payment reference").FillAsync("browser test card payment");
        await page.GetByRole(AriaRole.Button, new() { Name = "Top up", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Added 20.00 EUR; balance {Money(before + 2000)}.")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Pay 7.50 EUR to Market Square Pharmacy" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Paid 7.50 EUR to Market Square Pharmacy; the ledger receipt verifies.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Balances" })).ToContainTextAsync(Money(before + 2000 - 750));
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Top-ups" })).ToContainTextAsync("browser test card payment");
        await BrowserWorld.ScreenshotAsync(page, "wallet");
        await page.Context.CloseAsync();

        Assert.Equal(before + 2000 - 750, (await patient.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance);
        Assert.NotNull((await patient.MyPayablesAsync()).Single(p => p.Id == payable.Id).PaymentId);
    }

    private static string Money(long minor) => $"{minor / 100}.{minor % 100:00} EUR";
}

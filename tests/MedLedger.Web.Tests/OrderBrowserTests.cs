using System.Text.Json.Nodes;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 16's browser orders in Chromium against the demo server (whose pharmacies publish their organization keys): a patient
/// places an over-the-counter order sealed in the page; the pharmacist's queue shows it arrive live, the pharmacist opens it
/// (placing checked on the ledger, lines opened with the pharmacy key) and accepts (stock reserved); the patient sees
/// "accepted" live and pays from the wallet; hand-over is refused while unpaid and then made; the stock went down by the
/// ordered quantity. A patient cancels a placed order and the pharmacist's queue shows it. A lying server's swapped sealed
/// copy is refused by the pharmacist's browser.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OrderBrowserTests(BrowserWorld world)
{
    private static ILocator Alert(IPage page) => page.Locator("main [role=alert]");

    /// <summary>A fresh over-the-counter medicine at Market Square Pharmacy (3.49 EUR) with <paramref name="units"/> in stock.</summary>
    private static async Task<(Guid PharmacyId, CatalogueMedicine Medicine, string Name)> MedicineAsync(MedLedgerClient pharmacist, int units)
    {
        var pharmacyId = pharmacist.Tokens!.User.OrganizationId!.Value;
        var tag = Guid.NewGuid().ToString("N")[..6];
        var m = await pharmacist.AddMedicineAsync(pharmacyId, new NewMedicine("Orderine " + tag, "500 mg", DosageForm.Tablet, 20, 349, "EUR",
            PrescriptionOnly: false, DrugSchedule.None, ReorderLevel: 0));
        await pharmacist.ReceiveStockAsync(pharmacyId, m.Id, "ORD-" + tag, DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1), units);
        return (pharmacyId, m, $"Orderine {tag} 500 mg tablet ×20");
    }

    private static async Task<int> UsableAsync(MedLedgerClient pharmacist, Guid pharmacyId, Guid medicineId) =>
        (await pharmacist.PharmacyStockAsync(pharmacyId)).Single(l => l.Medicine.Id == medicineId).Usable;

    private async Task<IPage> PharmacistQueueAsync()
    {
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("pharmacist"));
        await BrowserWorld.Nav(page, "Orders").ClickAsync();
        await Assertions.Expect(page.GetByTestId("orders-live")).ToHaveTextAsync("Live");
        return page;
    }

    [Fact]
    public async Task A_patient_orders_in_the_browser_the_pharmacist_accepts_live_the_patient_pays_and_the_order_is_handed_over()
    {
        using var pharmacist = await world.SdkAsync("pharmacist");
        using var patient = await world.SdkAsync("patient5");
        var (pharmacyId, medicine, name) = await MedicineAsync(pharmacist, 10);
        var pharmacistPage = await PharmacistQueueAsync();
        await Assertions.Expect(pharmacistPage.GetByText("anchored on the ledger")).ToBeVisibleAsync();

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient5"));
        await BrowserWorld.Nav(page, "Order medicines").ClickAsync();
        await page.GetByLabel("Pharmacy", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Market Square Pharmacy · 1 Market Square" });
        await page.GetByLabel($"Quantity of {name}", new() { Exact = true }).FillAsync("3");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Add {name} to the cart" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("cart-total")).ToHaveTextAsync("10.47 EUR");
        await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My orders", Exact = true })).ToBeVisibleAsync();
        var order = (await patient.MyOrdersAsync()).Where(o => o.PharmacyId == pharmacyId).OrderBy(o => o.PlacedAt).Last();
        var shortId = order.Id.ToString()[..8];
        Assert.Equal(("placed", 1047L), (order.Status, order.Amount));
        var myRow = page.GetByRole(AriaRole.Table, new() { Name = "My orders" }).Locator($"tr[data-order='{order.Id}']");
        await Assertions.Expect(myRow).ToContainTextAsync($"3 × {name}");
        await Assertions.Expect(page.GetByTestId($"order-status-{order.Id}")).ToContainTextAsync("placed");
        await Assertions.Expect(page.GetByTestId("orders-live")).ToHaveTextAsync("Live");

        // Arrives in the pharmacist's queue without a reload; opened and accepted there.
        await Assertions.Expect(pharmacistPage.GetByTestId($"queue-status-{order.Id}")).ToHaveTextAsync("placed");
        await pharmacistPage.GetByRole(AriaRole.Button, new() { Name = $"Open order {shortId}" }).ClickAsync();
        await Assertions.Expect(pharmacistPage.GetByRole(AriaRole.Table, new() { Name = "Order lines" })).ToContainTextAsync(name);
        await pharmacistPage.GetByRole(AriaRole.Button, new() { Name = $"Accept order {shortId}" }).ClickAsync();
        await Assertions.Expect(pharmacistPage.GetByText($"Order {shortId} accepted; its stock is reserved.")).ToBeVisibleAsync();
        Assert.Equal(7, await UsableAsync(pharmacist, pharmacyId, medicine.Id));

        // The patient sees it accepted live; the pharmacist cannot hand it over before it is paid.
        await Assertions.Expect(page.GetByTestId($"order-status-{order.Id}")).ToContainTextAsync("accepted · awaiting payment");
        await pharmacistPage.GetByRole(AriaRole.Button, new() { Name = $"Mark order {shortId} ready" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId($"order-status-{order.Id}")).ToContainTextAsync("ready for collection");
        await pharmacistPage.GetByRole(AriaRole.Button, new() { Name = $"Hand over order {shortId}" }).ClickAsync();
        await Assertions.Expect(Alert(pharmacistPage)).ToContainTextAsync($"Order {shortId} is not paid yet");
        Assert.Equal("ready", (await pharmacist.PharmacyOrdersAsync()).Single(o => o.Id == order.Id).Status);

        await page.GetByRole(AriaRole.Button, new() { Name = $"Pay order {shortId}" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Paid 10.47 EUR; the ledger receipt verifies.")).ToBeVisibleAsync();
        await pharmacistPage.GetByRole(AriaRole.Button, new() { Name = $"Hand over order {shortId}" }).ClickAsync();
        await Assertions.Expect(pharmacistPage.GetByText($"Order {shortId} handed over.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId($"order-status-{order.Id}")).ToContainTextAsync("collected");
        await BrowserWorld.ScreenshotAsync(page, "my-orders");
        await BrowserWorld.ScreenshotAsync(pharmacistPage, "order-queue");
        await page.Context.CloseAsync();
        await pharmacistPage.Context.CloseAsync();

        Assert.Equal("collected", (await patient.MyOrderAsync(order.Id)).Status);
        Assert.Equal(7, await UsableAsync(pharmacist, pharmacyId, medicine.Id));
    }

    [Fact]
    public async Task A_patient_cancels_a_placed_order_in_the_browser_and_the_pharmacists_queue_shows_it_live()
    {
        using var pharmacist = await world.SdkAsync("pharmacist");
        using var patient = await world.SdkAsync("patient2");
        var (pharmacyId, medicine, _) = await MedicineAsync(pharmacist, 5);
        var order = await patient.PlaceOrderAsync(pharmacyId, [new OrderItem(medicine.Id, 2)]);
        var shortId = order.Id.ToString()[..8];
        var pharmacistPage = await PharmacistQueueAsync();
        await Assertions.Expect(pharmacistPage.GetByTestId($"queue-status-{order.Id}")).ToHaveTextAsync("placed");

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient2"));
        await BrowserWorld.Nav(page, "My orders").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Cancel order {shortId}" }).ClickAsync();
        await Assertions.Expect(page.GetByText($"Order {shortId} cancelled.")).ToBeVisibleAsync();

        await Assertions.Expect(pharmacistPage.GetByTestId($"queue-status-{order.Id}")).ToHaveTextAsync("cancelled by the patient · nothing was reserved");
        await Assertions.Expect(pharmacistPage.GetByRole(AriaRole.Button, new() { Name = $"Open order {shortId}" })).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
        await pharmacistPage.Context.CloseAsync();
        Assert.Equal("cancelled", (await patient.MyOrderAsync(order.Id)).Status);
        Assert.Equal(5, await UsableAsync(pharmacist, pharmacyId, medicine.Id));
    }

    [Fact]
    public async Task A_patient_orders_a_prescription_from_my_prescriptions_and_the_pharmacist_opens_the_order_with_its_prescription_link()
    {
        using var doctor = await world.SdkAsync("doctor13");
        using var pharmacist = await world.SdkAsync("pharmacist");
        using var patient = await world.SdkAsync("patient5");
        var rx = await doctor.WritePrescriptionAsync(DispensingBrowserTests.MedicationRequest("Orderamycin 250 mg", 10, 0), patient.UserId);
        var (pharmacyId, medicine, name) = await MedicineAsync(pharmacist, 5);
        var prescriptionId = rx.Info.PrescriptionId;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient5"));
        await BrowserWorld.Nav(page, "My prescriptions").ClickAsync();
        await page.Locator($"a[href='/orders/new?prescription={prescriptionId}']").ClickAsync();
        await page.GetByLabel("Pharmacy", new() { Exact = true }).SelectOptionAsync(new SelectOptionValue { Label = "Market Square Pharmacy · 1 Market Square" });
        await Assertions.Expect(page.GetByLabel("Prescription (optional)", new() { Exact = true })).ToHaveValueAsync(prescriptionId.ToString());
        await page.GetByRole(AriaRole.Button, new() { Name = $"Add {name} to the cart" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Place order" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My orders", Exact = true })).ToBeVisibleAsync();
        var order = (await patient.MyOrdersAsync()).Where(o => o.PharmacyId == pharmacyId).OrderBy(o => o.PlacedAt).Last();
        await Assertions.Expect(page.Locator($"tr[data-order='{order.Id}']")).ToContainTextAsync("with a prescription");
        await page.Context.CloseAsync();

        // The pharmacist's client finds the prescription in the sealed lines, and the patient's grants now cover its record for them.
        Assert.Equal(prescriptionId, (await pharmacist.OpenOrderAsync(order.Id)).Content.PrescriptionId);
        Assert.Contains(await patient.GrantsAsync(), g => g.Active && g.GranteeId == pharmacist.UserId
            && (g.Items.Contains(rx.Info.RecordId.ToString()) || (g.Scope == ConsentScope.Categories && g.Items.Contains("MedicationRequest"))));
        var pharmacistPage = await PharmacistQueueAsync();
        await pharmacistPage.GetByRole(AriaRole.Button, new() { Name = $"Open order {order.Id.ToString()[..8]}" }).ClickAsync();
        await Assertions.Expect(pharmacistPage.GetByRole(AriaRole.Link, new() { Name = $"prescription {prescriptionId.ToString()[..8]} (dispense it)" })).ToBeVisibleAsync();
        await pharmacistPage.Context.CloseAsync();
        await pharmacist.DeclineOrderAsync(order.Id, "other");
        Assert.Equal(5, await UsableAsync(pharmacist, pharmacyId, medicine.Id));
    }

    /// <summary>A fresh account registered through the dev outbox and signed in with the SDK (its email and password kept for the browser).</summary>
    private async Task<(MedLedgerClient Client, Guid Id, string Email, string Password)> RegisterAsync(Role role, Guid? organizationId = null, NewOrganization? newOrganization = null)
    {
        var email = $"{role.ToString().ToLowerInvariant()}-{Guid.NewGuid():N}@orders.example.org";
        var password = "pass phrase " + Guid.NewGuid().ToString("N")[..8];
        using (var c = new MedLedgerClient(new Uri(world.Url)))
        {
            await c.RegisterWithDevOutboxAsync(email, password, role, organizationId, newOrganization, "PH-" + Guid.NewGuid().ToString("N")[..6]);
        }
        var client = new MedLedgerClient(new Uri(world.Url));
        var me = await client.LoginWithDevOutboxAsync(email, password);
        return (client, me.Id, email, password);
    }

    [Fact]
    public async Task A_pharmacist_publishes_the_pharmacy_key_in_the_browser_and_shares_it_with_a_colleague_verified_later()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var admin = await world.SdkAsync("admin");
        var first = await RegisterAsync(Role.Pharmacist, newOrganization: new NewOrganization(OrganizationKind.Pharmacy, $"Key Pharmacy {tag}", "4 Key Street", 52.5, 13.4, null, null, "APO-" + tag));
        using var firstClient = first.Client;
        var pharmacyId = (await firstClient.MeAsync()).OrganizationId!.Value;
        await admin.DecideOrganizationAsync(pharmacyId, true);
        await admin.DecideProfessionalAsync(first.Id, true);
        await firstClient.LoginWithDevOutboxAsync(first.Email, first.Password);

        var page = await world.NewPageAsync();
        using (var outbox = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, first.Email, first.Password, outbox);
        }
        await Assertions.Expect(page).Not.ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/login"), new() { Timeout = 30_000 });
        await BrowserWorld.Nav(page, "Orders").ClickAsync();
        await Assertions.Expect(page.GetByText("No pharmacy key is published yet")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Publish pharmacy key" }).ClickAsync();
        await Assertions.Expect(page.GetByText("published and anchored on the ledger.")).ToBeVisibleAsync();
        var key = await firstClient.GetVerifiedPharmacyKeyAsync(pharmacyId);

        // A colleague verified after the key was made waits for a share; the first pharmacist's page seals it for them.
        var colleague = await RegisterAsync(Role.Pharmacist, organizationId: pharmacyId);
        using var colleagueClient = colleague.Client;
        await admin.DecideProfessionalAsync(colleague.Id, true);
        await colleagueClient.LoginWithDevOutboxAsync(colleague.Email, colleague.Password);
        Assert.Equal([colleague.Id], (await firstClient.MyPharmacyKeyShareAsync()).WaitingPharmacists);
        await BrowserWorld.Nav(page, "Stock").ClickAsync();
        await BrowserWorld.Nav(page, "Orders").ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Share the key with 1 waiting colleague" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Pharmacy key shared with 1 colleague.")).ToBeVisibleAsync();
        await page.Context.CloseAsync();

        var opened = await colleagueClient.OpenPharmacyKeyAsync();
        Assert.Equal(key.PublicKey, opened.PublicKey);
        Assert.Empty((await firstClient.MyPharmacyKeyShareAsync()).WaitingPharmacists);
    }

    [Fact]
    public async Task The_pharmacists_browser_refuses_to_open_an_order_whose_sealed_copy_is_not_the_one_on_the_ledger()
    {
        using var pharmacist = await world.SdkAsync("pharmacist");
        using var patient = await world.SdkAsync("patient1");
        var (pharmacyId, medicine, _) = await MedicineAsync(pharmacist, 5);
        var order = await patient.PlaceOrderAsync(pharmacyId, [new OrderItem(medicine.Id, 1)]);
        var shortId = order.Id.ToString()[..8];
        var page = await PharmacistQueueAsync();
        var writes = PageWrites.Capture(page);

        // The server serves the patient's own sealed copy as the pharmacy's: a different hash from the orders.place receipt.
        await page.RouteAsync($"**/api/pharmacies/*/orders/{order.Id}", async route =>
        {
            var response = await route.FetchAsync();
            var o = JsonNode.Parse(await response.TextAsync())!.AsObject();
            o["sealedForPharmacy"] = o["sealedForPatient"]!.GetValue<string>();
            await route.FulfillAsync(new() { Response = response, Body = o.ToJsonString() });
        });
        await page.GetByRole(AriaRole.Button, new() { Name = $"Open order {shortId}" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"Order {order.Id} is not the one its patient signed on the ledger.");
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Order lines" })).ToHaveCountAsync(0);
        Assert.DoesNotContain(writes, w => w.Contains("/orders/", StringComparison.Ordinal) || w.Contains("/reservations", StringComparison.Ordinal));

        // The honest server: the same order opens.
        await page.UnrouteAllAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = $"Open order {shortId}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Table, new() { Name = "Order lines" })).ToBeVisibleAsync();
        await page.Context.CloseAsync();
        await pharmacist.DeclineOrderAsync(order.Id, "other");
    }
}

using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>Helpers shared by the hospital, staff and admin browser tests.</summary>
internal static class HospitalTestKit
{
    public const string Northside = "Northside General Hospital";
    public const string Riverside = "Riverside Teaching Hospital";

    public static DemoAccount Account(BrowserWorld world, string prefix) => world.Account(prefix);

    public static Task<MedLedgerClient> SdkAsync(BrowserWorld world, string prefix) => world.SdkAsync(prefix);

    public static async Task<Guid> HospitalIdAsync(MedLedgerClient client, string name) =>
        (await client.OrganizationsAsync(OrganizationKind.Hospital)).Single(o => o.Name == name).Id;

    /// <summary>
    /// Client-side navigation, as a click on an in-app link does: a page load would end the session
    /// (private keys live only in the tab's memory).
    /// </summary>
    public static Task NavigateInAppAsync(IPage page, string path) =>
        page.EvaluateAsync("p => { history.pushState(null, '', p); dispatchEvent(new PopStateEvent('popstate')); }", path);

    public static Task ClickNavAsync(IPage page, string name) => BrowserWorld.Nav(page, name).ClickAsync();

    public static ILocator Alert(IPage page) => page.Locator("main [role=alert]");

    /// <summary>The row of a table whose row header is exactly <paramref name="header"/>.</summary>
    public static ILocator RowWithHeader(ILocator scope, string header) =>
        scope.Locator("tr").Filter(new() { Has = scope.Page.GetByRole(AriaRole.Rowheader, new() { Name = header, Exact = true }) });

    public static Task ExpectLiveAsync(IPage page) =>
        Assertions.Expect(page.Locator(".live")).ToHaveTextAsync("Live", new() { Timeout = 20_000 });
}

/// <summary>
/// Patients' hospital screens in Chromium against the demo server: nearby search with free beds that update
/// live while hospital staff change a ward (two browser contexts), the hospital page, booking and cancelling a bed.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class HospitalsBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task A_staff_bed_update_is_seen_live_by_a_patient_on_the_search_results_and_the_hospital_page_without_a_reload()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        var ward = "Isolation " + tag;
        using var observer = await HospitalTestKit.SdkAsync(world, "patient3");
        var northside = await HospitalTestKit.HospitalIdAsync(observer, HospitalTestKit.Northside);
        async Task<int> FreeIsolationAsync() => (await observer.BedsAsync(northside)).ByType.Where(t => t.BedType == "isolation").Sum(t => t.Free);

        // Staff (Northside) adds a ward in the browser.
        var staffPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(staffPage, HospitalTestKit.Account(world, "staff1"));
        await HospitalTestKit.ClickNavAsync(staffPage, "Beds");
        await Assertions.Expect(staffPage.GetByRole(AriaRole.Heading, new() { Name = "Beds", Exact = true })).ToBeVisibleAsync();
        await staffPage.GetByLabel("Ward name", new() { Exact = true }).FillAsync(ward);
        await staffPage.GetByLabel("Bed type").SelectOptionAsync("isolation");
        await staffPage.GetByLabel("Total beds").FillAsync("6");
        await staffPage.GetByLabel("Occupied beds").FillAsync("1");
        await staffPage.GetByRole(AriaRole.Button, new() { Name = "Save ward" }).ClickAsync();
        await Assertions.Expect(staffPage.GetByText($"Ward {ward} saved")).ToBeVisibleAsync();
        var wardRow = HospitalTestKit.RowWithHeader(staffPage.Locator("main"), ward);
        await Assertions.Expect(wardRow.Locator("td").Nth(4)).ToHaveTextAsync("5");
        var before = await FreeIsolationAsync();

        // The patient searches near the demo city and sees Northside's free isolation beds.
        var patientPage = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(patientPage, HospitalTestKit.Account(world, "patient1"));
        await HospitalTestKit.ClickNavAsync(patientPage, "Hospitals");
        var card = patientPage.GetByRole(AriaRole.Article, new() { Name = HospitalTestKit.Northside });
        var chips = card.GetByRole(AriaRole.List, new() { Name = "Free beds at " + HospitalTestKit.Northside });
        await Assertions.Expect(chips).ToContainTextAsync($"Isolation: {before} free");
        await Assertions.Expect(card).ToContainTextAsync(" km");
        await HospitalTestKit.ExpectLiveAsync(patientPage);
        await BrowserWorld.ScreenshotAsync(patientPage, "hospitals-search");
        // A reload would sign the patient out (keys in memory) and drop this marker: the numbers must change without one.
        await patientPage.EvaluateAsync("() => { window.__noReload = 'still here'; }");

        // Staff marks three more beds occupied; the patient's open results change by themselves.
        await staffPage.GetByRole(AriaRole.Button, new() { Name = $"Edit ward {ward}" }).ClickAsync();
        await staffPage.GetByLabel("Occupied beds").FillAsync("4");
        await staffPage.GetByRole(AriaRole.Button, new() { Name = "Save ward" }).ClickAsync();
        await Assertions.Expect(wardRow.Locator("td").Nth(4)).ToHaveTextAsync("2");
        await BrowserWorld.ScreenshotAsync(staffPage, "staff-beds");
        var afterEdit = await FreeIsolationAsync();
        Assert.Equal(before - 3, afterEdit);
        await Assertions.Expect(chips).ToContainTextAsync($"Isolation: {afterEdit} free");
        Assert.Equal("still here", await patientPage.EvaluateAsync<string>("() => window.__noReload"));

        // On the hospital page the beds table is live too.
        await card.GetByRole(AriaRole.Link, new() { Name = HospitalTestKit.Northside }).ClickAsync();
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Heading, new() { Name = HospitalTestKit.Northside, Level = 1 })).ToBeVisibleAsync();
        var isolationRow = HospitalTestKit.RowWithHeader(patientPage.Locator("main"), "Isolation");
        await Assertions.Expect(isolationRow.Locator("td").Nth(3)).ToHaveTextAsync(afterEdit.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await HospitalTestKit.ExpectLiveAsync(patientPage);
        await staffPage.GetByRole(AriaRole.Button, new() { Name = $"Edit ward {ward}" }).ClickAsync();
        await staffPage.GetByLabel("Total beds").FillAsync("10");
        await staffPage.GetByRole(AriaRole.Button, new() { Name = "Save ward" }).ClickAsync();
        await Assertions.Expect(wardRow.Locator("td").Nth(4)).ToHaveTextAsync("6");
        var afterGrow = await FreeIsolationAsync();
        Assert.Equal(afterEdit + 4, afterGrow);
        await Assertions.Expect(isolationRow.Locator("td").Nth(3)).ToHaveTextAsync(afterGrow.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("still here", await patientPage.EvaluateAsync<string>("() => window.__noReload"));
        await BrowserWorld.ScreenshotAsync(patientPage, "hospital-detail");

        // Phone-sized search screen.
        await HospitalTestKit.ClickNavAsync(patientPage, "Hospitals");
        await patientPage.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(patientPage.GetByRole(AriaRole.Article, new() { Name = HospitalTestKit.Northside })).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(patientPage, "hospitals-search-phone");
        await staffPage.Context.CloseAsync();
        await patientPage.Context.CloseAsync();
    }

    [Fact]
    public async Task A_patient_books_an_emergency_bed_sees_the_hold_expiry_and_cancels_it_in_my_bookings()
    {
        var tag = Guid.NewGuid().ToString("N")[..6];
        using var staff = await HospitalTestKit.SdkAsync(world, "staff2");
        using var patient = await HospitalTestKit.SdkAsync(world, "patient1");
        var riverside = staff.Tokens!.User.OrganizationId!.Value;
        await staff.SetWardAsync(riverside, "Maternity " + tag, "maternity", 3, 0);
        var heldBefore = (await patient.BedsAsync(riverside)).ByType.Single(t => t.BedType == "maternity").Held;

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, HospitalTestKit.Account(world, "patient1"));
        await HospitalTestKit.ClickNavAsync(page, "Hospitals");
        await page.GetByRole(AriaRole.Link, new() { Name = HospitalTestKit.Riverside }).ClickAsync();
        await page.GetByLabel("Bed type", new() { Exact = true }).SelectOptionAsync("maternity");
        await page.GetByRole(AriaRole.Button, new() { Name = "Book bed" }).ClickAsync();
        var held = page.GetByText("Bed held.");
        await Assertions.Expect(held).ToBeVisibleAsync();

        var booking = (await patient.MyBedBookingsAsync(BedBookingStatus.Held)).Single(b => b.HospitalId == riverside);
        Assert.Equal("maternity", booking.BedType);
        Assert.Equal(heldBefore + 1, (await patient.BedsAsync(riverside)).ByType.Single(t => t.BedType == "maternity").Held);
        // The notice shows the hold's expiry as the server set it.
        await Assertions.Expect(page.Locator(".alert.success")).ToContainTextAsync("until");
        await Assertions.Expect(page.Locator(".alert.success strong").Nth(1)).Not.ToBeEmptyAsync();
        await BrowserWorld.ScreenshotAsync(page, "hospital-booked");

        // A second hold at the same hospital is refused with the server's reason.
        await page.GetByRole(AriaRole.Button, new() { Name = "Book bed" }).ClickAsync();
        await Assertions.Expect(HospitalTestKit.Alert(page)).ToContainTextAsync("Bed already held");

        await HospitalTestKit.ClickNavAsync(page, "My bookings");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My bookings", Level = 1 })).ToBeVisibleAsync();
        var cancel = page.GetByRole(AriaRole.Button, new() { Name = $"Cancel Maternity bed at {HospitalTestKit.Riverside}" });
        await Assertions.Expect(cancel).ToBeVisibleAsync();
        await BrowserWorld.ScreenshotAsync(page, "my-bookings");
        await cancel.ClickAsync();
        await Assertions.Expect(cancel).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("tr", new() { HasText = HospitalTestKit.Riverside }).First).ToContainTextAsync("Cancelled");

        var mine = await patient.MyBedBookingsAsync();
        Assert.Equal(BedBookingStatus.Cancelled, mine.Single(b => b.Id == booking.Id).Status);
        Assert.Equal(heldBefore, (await patient.BedsAsync(riverside)).ByType.Single(t => t.BedType == "maternity").Held);
        await page.Context.CloseAsync();
    }
}

using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 12, organization verification in the browser against a lying server (Playwright route interception, as
/// IdentityLyingBrowserTests does for people): "verified" is web/src/sdk/organizations.ts checkOrganization's own check
/// of the admin's signature over the card shown, never the server's flag. A lied-about hospital stays listed, labelled
/// "not verified by the admin"; the honest demo hospital is verified, on the hospital page and the Emergency page.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class OrganizationLyingBrowserTests(BrowserWorld world)
{
    private static ILocator Badge(IPage page) => page.GetByTestId("org-verification");

    private async Task<(IPage Page, Guid Northside, Guid Riverside)> SignedInPatientAsync()
    {
        using var sdk = await world.SdkAsync("patient3");
        var northside = await HospitalTestKit.HospitalIdAsync(sdk, HospitalTestKit.Northside);
        var riverside = await HospitalTestKit.HospitalIdAsync(sdk, HospitalTestKit.Riverside);
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient3"));
        // The app lands on My records after sign-in; navigating before that landing would be undone by it.
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "My records", Exact = true })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        return (page, northside, riverside);
    }

    private static async Task OpenHospitalAsync(IPage page, Guid id, string title)
    {
        await HospitalTestKit.NavigateInAppAsync(page, $"/hospitals/{id}");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = title, Exact = true })).ToBeVisibleAsync(new() { Timeout = 30_000 });
    }

    [Fact]
    public async Task A_hospital_the_server_renames_after_the_admin_signed_is_shown_but_not_verified_by_the_admin()
    {
        var (page, northside, _) = await SignedInPatientAsync();
        const string renamed = "Northside General Hospital & Private Clinic";
        await page.RouteAsync($"**/api/hospitals/{northside}", async route =>
        {
            var honest = await route.FetchAsync();
            var profile = JsonNode.Parse(await honest.TextAsync())!;
            profile["name"] = renamed;
            await route.FulfillAsync(new() { Response = honest, Body = profile.ToJsonString() });
        });
        await OpenHospitalAsync(page, northside, renamed);
        await Assertions.Expect(Badge(page)).ToHaveTextAsync("not verified by the admin", new() { Timeout = 30_000 });
        await Assertions.Expect(Badge(page)).ToHaveAttributeAsync("title", "the admin verified a different card (name, address, location or registration number changed)");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_hospital_served_with_another_hospitals_approval_receipt_is_not_verified()
    {
        var (page, northside, riverside) = await SignedInPatientAsync();
        // Riverside's real, admin-signed approval, relabelled as Northside's: only the signed subject inside gives it away.
        await page.RouteAsync($"**/api/ledger/organizations/{northside}/verification", async route =>
        {
            var other = await route.FetchAsync(new() { Url = route.Request.Url.Replace(northside.ToString(), riverside.ToString(), StringComparison.Ordinal) });
            var body = JsonNode.Parse(await other.TextAsync())!;
            Assert.NotNull(body["verification"]); // the lie needs a real approval to relabel
            body["organizationId"] = northside.ToString();
            await route.FulfillAsync(new() { Response = other, Body = body.ToJsonString() });
        });
        await OpenHospitalAsync(page, northside, HospitalTestKit.Northside);
        await Assertions.Expect(Badge(page)).ToHaveTextAsync("not verified by the admin", new() { Timeout = 30_000 });
        await Assertions.Expect(Badge(page)).ToHaveAttributeAsync("title", "the verification receipt is about something else");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task The_honest_demo_hospital_is_verified_on_the_hospital_page_and_in_the_Emergency_hospital_list()
    {
        var (page, northside, _) = await SignedInPatientAsync();
        await OpenHospitalAsync(page, northside, HospitalTestKit.Northside);
        await Assertions.Expect(Badge(page)).ToHaveTextAsync("verified", new() { Timeout = 30_000 });

        await BrowserWorld.Nav(page, "Emergency").ClickAsync();
        var hospitals = page.GetByRole(AriaRole.Group, new() { Name = "Hospitals that may open it in an emergency" });
        var northsideRow = hospitals.Locator("label", new() { HasText = HospitalTestKit.Northside });
        await Assertions.Expect(northsideRow.GetByTestId("org-verification")).ToHaveTextAsync("verified", new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_hospital_renamed_in_the_directory_is_still_listed_on_the_Emergency_page_as_not_verified_by_the_admin()
    {
        var (page, _, _) = await SignedInPatientAsync();
        const string renamed = "Northside General Hospital (new owners)";
        // A predicate, not a glob: "?" in a glob is a wildcard.
        await page.RouteAsync(url => url.EndsWith("/api/organizations?kind=Hospital", StringComparison.Ordinal), async route =>
        {
            var honest = await route.FetchAsync();
            var list = JsonNode.Parse(await honest.TextAsync())!.AsArray();
            foreach (var o in list.Where(o => (string)o!["name"]! == HospitalTestKit.Northside))
            {
                o!["name"] = renamed;
            }
            await route.FulfillAsync(new() { Response = honest, Body = list.ToJsonString() });
        });
        await BrowserWorld.Nav(page, "Emergency").ClickAsync();
        var hospitals = page.GetByRole(AriaRole.Group, new() { Name = "Hospitals that may open it in an emergency" });
        await Assertions.Expect(hospitals.Locator("label", new() { HasText = renamed }).GetByTestId("org-verification"))
            .ToHaveTextAsync("not verified by the admin", new() { Timeout = 30_000 });
        // The control on the same page: Riverside, served honestly, is verified.
        await Assertions.Expect(hospitals.Locator("label", new() { HasText = HospitalTestKit.Riverside }).GetByTestId("org-verification"))
            .ToHaveTextAsync("verified");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task At_sign_up_a_hospital_the_server_renamed_after_the_admin_signed_is_not_verified_and_the_honest_one_is()
    {
        // No session: the sign-up page reads the organization's receipt and the admin's key history anonymously.
        var page = await world.NewPageAsync();
        const string renamed = "Northside General Hospital & Private Clinic";
        await page.RouteAsync("**/api/organizations?kind=Hospital", async route =>
        {
            var honest = await route.FetchAsync();
            var list = JsonNode.Parse(await honest.TextAsync())!.AsArray();
            foreach (var o in list)
            {
                if ((string)o!["name"]! == HospitalTestKit.Northside)
                {
                    o["name"] = renamed;
                }
            }
            await route.FulfillAsync(new() { Response = honest, Body = list.ToJsonString() });
        });
        await page.GotoAsync("/signup");
        await page.GetByLabel("Doctor", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Join a verified hospital").CheckAsync();
        var organization = page.GetByLabel("Organization", new() { Exact = true });
        var check = page.GetByTestId("signup-organization-check");

        var lied = organization.Locator("option", new() { HasText = renamed });
        await organization.SelectOptionAsync((await lied.GetAttributeAsync("value"))!);
        await Assertions.Expect(check).ToContainTextAsync(renamed);
        await Assertions.Expect(Badge(page)).ToHaveTextAsync("not verified by the admin", new() { Timeout = 30_000 });
        await Assertions.Expect(Badge(page)).ToHaveAttributeAsync("title", "the admin verified a different card (name, address, location or registration number changed)");

        var honest = organization.Locator("option", new() { HasText = HospitalTestKit.Riverside });
        await organization.SelectOptionAsync((await honest.GetAttributeAsync("value"))!);
        await Assertions.Expect(check).ToContainTextAsync(HospitalTestKit.Riverside);
        await Assertions.Expect(Badge(page)).ToHaveTextAsync("verified", new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }
}

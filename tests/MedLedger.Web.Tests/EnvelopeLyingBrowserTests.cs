using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 12 item 2 from the attacker's side, in the browser: the record envelope header v2 signs the category (and record
/// id, version, patient, author, content type), so a server that relabels a record to slip it into a consent plan, or
/// serves one record's version under another record's id, is refused on the screen with nothing sent.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class EnvelopeLyingBrowserTests(BrowserWorld world)
{
    [Fact]
    public async Task A_record_relabelled_into_the_consent_plan_is_refused_by_its_signed_category()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient1");
        var file = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes("relabelled " + tag), "text/plain");
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient1"));
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        var writes = PageWrites.Capture(page);

        // Lie: the File record, labelled "Immunization" in the plan and in the version the page fetches to re-wrap it.
        await page.RouteAsync("**/api/consents/plan?**", async route =>
        {
            var response = await route.FetchAsync();
            var plan = JsonNode.Parse(await response.TextAsync())!.AsArray();
            plan.Add(new JsonObject { ["recordId"] = file.RecordId.ToString(), ["version"] = 1, ["category"] = "Immunization" });
            await route.FulfillAsync(new() { Response = response, Body = plan.ToJsonString() });
        });
        await page.RouteAsync($"**/api/records/{file.RecordId}/versions/1", async route =>
        {
            var response = await route.FetchAsync();
            var version = JsonNode.Parse(await response.TextAsync())!;
            version["category"] = "Immunization";
            await route.FulfillAsync(new() { Response = response, Body = version.ToJsonString() });
        });
        await page.GetByLabel("Email of the doctor, pharmacist or insurer").FillAsync(world.Account("doctor12").Email);
        await page.GetByLabel("Some categories").CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Categories" }).GetByLabel("Immunization", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Purpose").SelectOptionAsync("treatment");
        await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("main [role=alert]")).ToContainTextAsync($"The server labels record {file.RecordId} as 'Immunization', but its signed header says 'File'");
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/consents", StringComparison.Ordinal));

        // The honest server: the same grant goes through.
        await page.UnrouteAllAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("the grant is on the ledger")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_version_served_under_another_record_id_or_relabelled_is_refused_on_open()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient2");
        var asked = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes("asked " + tag), "text/plain");
        var other = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes("other " + tag), "text/plain");
        var askedPath = $"/api/records/{asked.RecordId}";
        var page = await world.NewPageAsync();
        var writes = PageWrites.Capture(page);

        // Lie: the other record's version (its own real anchor and all) under the asked record's id.
        await page.RouteAsync($"**{askedPath}", async route =>
        {
            var response = await route.FetchAsync(new() { Url = route.Request.Url.Replace(asked.RecordId.ToString(), other.RecordId.ToString(), StringComparison.Ordinal) });
            var served = JsonNode.Parse(await response.TextAsync())!;
            served["recordId"] = asked.RecordId.ToString();
            await route.FulfillAsync(new() { Response = response, Body = served.ToJsonString() });
        });
        await BrowserLogin.SignInAsync(page, world.Account("patient2"));
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        var card = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = asked.RecordId.ToString()[..8] });
        await Assertions.Expect(card).ToContainTextAsync("which does not match its records.write anchor");
        await Assertions.Expect(card).Not.ToContainTextAsync("other " + tag);

        // Lie: the other record served whole and unchanged (its own id, real anchor and wrap) when the asked one is opened.
        await page.UnrouteAllAsync();
        await page.RouteAsync($"**{askedPath}", async route =>
        {
            var response = await route.FetchAsync(new() { Url = route.Request.Url.Replace(asked.RecordId.ToString(), other.RecordId.ToString(), StringComparison.Ordinal) });
            await route.FulfillAsync(new() { Response = response });
        });
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        await Assertions.Expect(card).ToContainTextAsync($"Asked for record {asked.RecordId} version latest, the server sent {other.RecordId}");
        await Assertions.Expect(card).Not.ToContainTextAsync("other " + tag);

        // Lie: the asked record itself, relabelled: its anchored header hash names the signed category.
        await page.UnrouteAllAsync();
        await page.RouteAsync($"**{askedPath}", async route =>
        {
            var response = await route.FetchAsync();
            var served = JsonNode.Parse(await response.TextAsync())!;
            served["category"] = "MedicationRequest";
            await route.FulfillAsync(new() { Response = response, Body = served.ToJsonString() });
        });
        // Keys live only in the tab: leave the page and come back (a reload would sign out) so the card opens again.
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        await Assertions.Expect(card).ToContainTextAsync("as 'MedicationRequest', but its signed header says 'File'");
        await Assertions.Expect(card).Not.ToContainTextAsync("asked " + tag);
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/records/", StringComparison.Ordinal));

        // The honest server: the record opens.
        await page.UnrouteAllAsync();
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        await Assertions.Expect(card).ToContainTextAsync("asked " + tag);
    }
}

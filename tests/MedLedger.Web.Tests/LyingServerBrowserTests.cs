using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// Issue 12 from the attacker's side, in the browser: Playwright route interception plays a server that lies to the web
/// app — an unconsented reader added to the reader list, an out-of-scope consent plan item, a version whose anchor does
/// not match or an older version served as the latest, another patient's emergency summary. Each is refused on the
/// screen with nothing sent (checked on the requests the page made), and the honest server still works.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class LyingServerBrowserTests(BrowserWorld world)
{
    private static ILocator Alert(IPage page) => page.Locator("main [role=alert]");

    private static JsonObject Reader(PublicKeys keys) => new()
    {
        ["userId"] = keys.UserId.ToString(),
        ["role"] = keys.Role.ToString(),
        ["encryptionPublicKey"] = Convert.ToBase64String(keys.EncryptionPublicKey),
        ["signingPublicKey"] = Convert.ToBase64String(keys.SigningPublicKey),
        ["grantId"] = null,
    };

    [Fact]
    public async Task An_unconsented_reader_added_by_the_server_gets_no_key_and_the_upload_is_never_sent()
    {
        using var patient = await world.SdkAsync("patient3");
        var puppet = await patient.GetPublicKeysAsync((await patient.LookUpProfessionalAsync(world.Account("insurer").Email)).UserId);
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient3"));
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        var writes = PageWrites.Capture(page);

        await page.RouteAsync("**/api/records/readers?**", async route =>
        {
            var response = await route.FetchAsync();
            var readers = JsonNode.Parse(await response.TextAsync())!.AsArray();
            readers.Add(Reader(puppet));
            await route.FulfillAsync(new() { Response = response, Body = readers.ToJsonString() });
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Add a record" }).ClickAsync();
        await page.GetByLabel("File (PDF, image, …)").CheckAsync();
        await page.GetByLabel("File", new() { Exact = true }).SetInputFilesAsync(new FilePayload { Name = "note.txt", MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes("lying server " + Guid.NewGuid()) });
        await page.GetByRole(AriaRole.Button, new() { Name = "Encrypt and save" }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"Refusing to wrap the record key for InsurerStaff {puppet.UserId}");
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/records/", StringComparison.Ordinal));

        // The honest server: the same upload goes through.
        await page.UnrouteAllAsync();
        var upload = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Encrypt and save" }).ClickAsync(),
            r => r.Request.Method == "POST" && r.Url.Contains("/api/records/", StringComparison.Ordinal));
        Assert.True(upload.Ok);
    }

    [Fact]
    public async Task An_out_of_scope_item_added_to_the_consent_plan_is_refused_and_nothing_is_shared()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient1");
        var outOfScope = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes("out of scope " + tag), "text/plain");
        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("patient1"));
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        var writes = PageWrites.Capture(page);

        await page.RouteAsync("**/api/consents/plan?**", async route =>
        {
            var response = await route.FetchAsync();
            var plan = JsonNode.Parse(await response.TextAsync())!.AsArray();
            plan.Add(new JsonObject { ["recordId"] = outOfScope.RecordId.ToString(), ["version"] = 1, ["category"] = "File" });
            await route.FulfillAsync(new() { Response = response, Body = plan.ToJsonString() });
        });
        await page.GetByLabel("Email of the doctor, pharmacist or insurer").FillAsync(world.Account("doctor12").Email);
        await page.GetByLabel("Some categories").CheckAsync();
        await page.GetByRole(AriaRole.Group, new() { Name = "Categories" }).GetByLabel("Immunization", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Purpose").SelectOptionAsync("treatment");
        await page.GetByRole(AriaRole.Button, new() { Name = "Share", Exact = true }).ClickAsync();
        // The grantee's checked card comes first; the plan is fetched on the confirming press.
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share", Exact = true }).ClickAsync();
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"includes record {outOfScope.RecordId} (File), which is outside the scope you chose");
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/consents", StringComparison.Ordinal));

        // The honest server: the same grant goes through.
        await page.UnrouteAllAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm and share", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("the grant is on the ledger")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_version_whose_anchor_does_not_match_or_an_older_version_served_as_the_latest_is_refused()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var patient = await world.SdkAsync("patient2");
        var record = await patient.CreateFileRecordAsync(Encoding.UTF8.GetBytes("first " + tag), "text/plain");
        await patient.AddVersionAsync(record.RecordId, Encoding.UTF8.GetBytes("second " + tag));
        var latestPath = $"/api/records/{record.RecordId}";
        var page = await world.NewPageAsync();
        var writes = PageWrites.Capture(page);

        // The older version served as the latest: its own anchor verifies, but the ledger's newest is version 2.
        await page.RouteAsync($"**{latestPath}", async route =>
        {
            var stale = await route.FetchAsync(new() { Url = route.Request.Url + "/versions/1" });
            await route.FulfillAsync(new() { Response = stale });
        });
        await BrowserLogin.SignInAsync(page, world.Account("patient2"));
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        var card = page.GetByRole(AriaRole.Listitem).Filter(new() { HasText = record.RecordId.ToString()[..8] });
        await Assertions.Expect(card).ToContainTextAsync("Rollback: the server sent version 1");
        await Assertions.Expect(card).Not.ToContainTextAsync("first " + tag);

        // Version 2 served with version 1's records.write anchor (a real receipt, of something else).
        await page.UnrouteAllAsync();
        await page.RouteAsync($"**{latestPath}", async route =>
        {
            var response = await route.FetchAsync();
            var v1 = JsonNode.Parse(await (await route.FetchAsync(new() { Url = route.Request.Url + "/versions/1" })).TextAsync())!;
            var served = JsonNode.Parse(await response.TextAsync())!;
            served["anchor"] = v1["anchor"]!.DeepClone();
            await route.FulfillAsync(new() { Response = response, Body = served.ToJsonString() });
        });
        // Keys live only in the tab: leave the page and come back (a reload would sign out) so the card opens again.
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        await Assertions.Expect(card).ToContainTextAsync("which does not match its records.write anchor");
        await Assertions.Expect(card).Not.ToContainTextAsync("second " + tag);
        Assert.DoesNotContain(writes, w => w.StartsWith("POST /api/records/", StringComparison.Ordinal));

        // The honest server: the latest version opens.
        await page.UnrouteAllAsync();
        await BrowserWorld.Nav(page, "Sharing").ClickAsync();
        await BrowserWorld.Nav(page, "My records").ClickAsync();
        await Assertions.Expect(card).ToContainTextAsync("second " + tag);
    }

    [Fact]
    public async Task Another_patients_emergency_summary_is_refused_after_break_glass()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        using var staff = await world.SdkAsync("staff2");
        await staff.PublishHospitalEmergencyKeyAsync();
        var hospitalId = staff.Tokens!.User.OrganizationId!.Value;
        var ids = new Dictionary<string, Guid>();
        foreach (var who in new[] { "patient1", "patient2" })
        {
            using var p = await world.SdkAsync(who);
            var json = $$$"""
                {"format":"medledger/v1/emergency-summary","bloodType":"B+","allergies":"{{{who}}} {{{tag}}}","conditions":"","medications":"",
                 "emergencyContact":{"name":"","phone":"","relationship":""},"notes":"","updatedAt":"2025-03-01T10:00:00Z"}
                """;
            var summary = await p.CreateFileRecordAsync(Encoding.UTF8.GetBytes(json), "application/json", category: "EmergencySummary");
            await p.DesignateEmergencySummaryAsync(summary.RecordId, hospitalId);
            ids[who] = p.UserId;
        }

        var page = await world.NewPageAsync();
        await BrowserLogin.SignInAsync(page, world.Account("doctor21"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Emergency access", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("Hospital emergency key ready")).ToBeVisibleAsync();
        JsonNode? otherSummary = null;
        await page.RouteAsync("**/api/emergency/break-glass", async route =>
        {
            var response = await route.FetchAsync();
            var body = JsonNode.Parse(await response.TextAsync())!;
            if (otherSummary is null)
            {
                otherSummary = body["summary"]!.DeepClone();
                await route.FulfillAsync(new() { Response = response });
                return;
            }
            body["summary"] = otherSummary.DeepClone();
            await route.FulfillAsync(new() { Response = response, Body = body.ToJsonString() });
        });
        var shown = page.GetByRole(AriaRole.Article).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Emergency summary" }) });

        // Honest: patient2's summary (the route keeps a copy as the server sent it).
        await BreakGlassAsync(page, ids["patient2"]);
        await Assertions.Expect(shown).ToContainTextAsync("patient2 " + tag);
        // Lie: breaking the glass for patient1, the server hands over patient2's summary.
        var writes = PageWrites.Capture(page);
        await BreakGlassAsync(page, ids["patient1"]);
        await Assertions.Expect(Alert(page)).ToContainTextAsync($"belongs to patient {ids["patient2"]}");
        // The signed break-glass is the one write; nothing follows the refused summary.
        Assert.Equal(["POST /api/emergency/break-glass"], writes.ToArray());

        // The honest server: patient1's own summary.
        await page.UnrouteAllAsync();
        await BreakGlassAsync(page, ids["patient1"]);
        await Assertions.Expect(shown).ToContainTextAsync("patient1 " + tag);
    }

    private static async Task BreakGlassAsync(IPage page, Guid patientId)
    {
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Break the glass" });
        await form.GetByLabel("Patient id").FillAsync(patientId.ToString());
        await form.GetByLabel("Reason").SelectOptionAsync("unconscious");
        await form.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Alertdialog, new() { Name = "Confirm emergency access" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Break the glass", Exact = true }).ClickAsync();
    }
}

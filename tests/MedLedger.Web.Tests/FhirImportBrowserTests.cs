using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Playwright;

namespace MedLedger.Web.Tests;

/// <summary>
/// The patient's "Import FHIR" page (web/src/sdk/fhirImport.ts): bad bundles are refused before anything is written, the
/// shipped Synthea bundle becomes exactly the records the C# import would write (same content hashes, same contents once
/// the record ids are known), a cancelled run continues, and a re-run imports nothing new.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class FhirImportBrowserTests(BrowserWorld world)
{
    private const string Small = "8708d3e1-f718-96bb-03f0-f2a6564ae1cd.json";

    // As FhirBundleImportTests (the C# import of the same bundle).
    private static readonly Dictionary<string, int> SmallRecords = new()
    {
        ["Encounter"] = 7, ["Condition"] = 3, ["Observation"] = 82, ["Procedure"] = 7, ["MedicationRequest"] = 1, ["Immunization"] = 8,
        ["DiagnosticReport"] = 12, ["CarePlan"] = 1, ["DocumentReference"] = 7, ["Claim"] = 8,
    };

    private static readonly Dictionary<string, int> SmallSkipped = new() { ["Patient"] = 1, ["CareTeam"] = 1, ["ExplanationOfBenefit"] = 7, ["Provenance"] = 1 };

    private static string SmallPath => Repo.TestData("synthea", Small);

    private static Dictionary<string, int> Counts(IEnumerable<string> types) => types.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());

    private static ILocator Summary(IPage page) => page.GetByRole(AriaRole.Article).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Name = "Import summary" }) }).GetByRole(AriaRole.Status);

    /// <summary>The summary table as type → (imported, already imported, skipped).</summary>
    private static async Task<Dictionary<string, int[]>> SummaryRowsAsync(IPage page)
    {
        var rows = await page.EvaluateAsync<string[][]>(
            "() => [...document.querySelectorAll('table[aria-label=\"Import summary by resource type\"] tbody tr')].map(tr => [...tr.children].map(c => c.textContent))");
        return rows.ToDictionary(r => r[0], r => new[] { int.Parse(r[1]), int.Parse(r[2]), int.Parse(r[3]) });
    }

    private static Task<string?> ImportStateAsync(IPage page, Guid patientId) =>
        page.EvaluateAsync<string?>($"() => localStorage.getItem('medledger.fhirImport.{patientId}')");

    private static async Task ImportAsync(IPage page, FilePayload file)
    {
        await page.GetByLabel("FHIR bundle files", new() { Exact = true }).SetInputFilesAsync(file);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
    }

    private static FilePayload Payload(string name, byte[] bytes) => new() { Name = name, MimeType = "application/json", Buffer = bytes };

    [Fact]
    public async Task A_Synthea_bundle_picked_in_the_browser_becomes_the_records_the_CSharp_import_would_write_a_cancelled_run_continues_and_a_rerun_imports_nothing()
    {
        var page = await world.NewPageAsync();
        var email = $"fhir-import-{Guid.NewGuid():N}@browser.example";
        var password = "fhir import passphrase " + Guid.NewGuid().ToString("N")[..8];
        var account = await BrowserLogin.SignUpPatientAsync(page, email, password);
        await BrowserLogin.ConfirmRecoveryCodeAsync(page, account.RecoveryCode);
        using (var outboxReader = new MedLedgerClient(new Uri(world.Url)))
        {
            await BrowserLogin.SignInWithEmailCodeAsync(page, email, password, outboxReader);
        }
        using var sdk = new MedLedgerClient(new Uri(world.Url));
        await sdk.LoginWithDevOutboxAsync(email, password);
        var patientId = sdk.UserId;

        await BrowserWorld.Nav(page, "Import FHIR").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import a FHIR bundle", Level = 1 })).ToBeVisibleAsync();
        var refusal = page.GetByRole(AriaRole.Alert);

        // Refused before anything is written: a truncated file (with its position) and a bundle without its Patient
        // (every subject reference dangles).
        var text = await File.ReadAllTextAsync(SmallPath);
        await ImportAsync(page, Payload("truncated.json", Encoding.UTF8.GetBytes(text[..(text.Length / 2)])));
        await Assertions.Expect(refusal).ToContainTextAsync("Nothing was imported");
        await Assertions.Expect(refusal).ToContainTextAsync("truncated.json is not valid JSON (line ");

        var bundle = (JsonObject)JsonNode.Parse(text)!;
        var entries = bundle["entry"]!.AsArray();
        var patientEntry = entries.First(e => e!["resource"]!["resourceType"]!.GetValue<string>() == "Patient")!;
        var patientUrl = patientEntry["fullUrl"]!.GetValue<string>();
        entries.Remove(patientEntry);
        await ImportAsync(page, Payload("dangling.json", Encoding.UTF8.GetBytes(bundle.ToJsonString())));
        await Assertions.Expect(refusal).ToContainTextAsync("dangling.json has ");
        await Assertions.Expect(refusal).ToContainTextAsync("dangling reference(s) (nothing was imported)");
        await Assertions.Expect(refusal).ToContainTextAsync("→ " + patientUrl);
        Assert.Empty(await sdk.ListRecordsAsync());
        Assert.Null(await ImportStateAsync(page, patientId));

        // The real bundle, cancelled part-way: what landed stays, and the next run continues with the same record ids.
        await ImportAsync(page, Payload(Small, await File.ReadAllBytesAsync(SmallPath)));
        await page.WaitForFunctionAsync("() => { const p = document.querySelector('progress[aria-label^=\"Import progress of\"]'); return p && p.value >= 12; }", null, new() { Timeout = 300_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel import", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByText("The import was cancelled")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        var afterCancel = (await sdk.ListRecordsAsync()).Count;
        Assert.InRange(afterCancel, 12, 135);

        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await Assertions.Expect(Summary(page)).ToContainTextAsync("skipped 10.", new() { Timeout = 300_000 });
        var rows = await SummaryRowsAsync(page);
        Assert.Equal(SmallRecords, rows.Where(r => r.Value[0] + r.Value[1] > 0).ToDictionary(r => r.Key, r => r.Value[0] + r.Value[1]));
        Assert.Equal(SmallSkipped, rows.Where(r => r.Value[2] > 0).ToDictionary(r => r.Key, r => r.Value[2]));
        Assert.Equal(136 - afterCancel, rows.Values.Sum(r => r[0]));

        // Same records as the C# import: the browser's state holds exactly the C# content hashes, and with its record ids
        // the C# mapping gives each record's content byte for byte (opened and verified by the C# SDK).
        var expected = FhirBundleImport.ReadFile(SmallPath);
        var state = JsonNode.Parse((await ImportStateAsync(page, patientId))!)!;
        Assert.Equal(patientId.ToString(), state["patientId"]!.GetValue<string>());
        var resources = state["resources"]!.AsObject();
        Assert.Equal(expected.Records.Select(r => r.ContentHash).Order(StringComparer.Ordinal), resources.Select(r => r.Key).Order(StringComparer.Ordinal));
        Assert.All(resources, r => Assert.True(r.Value!["uploaded"]!.GetValue<bool>()));
        var idByFullUrl = expected.Records.ToDictionary(r => r.FullUrl, r => Guid.Parse(resources[r.ContentHash]!["recordId"]!.GetValue<string>()), StringComparer.Ordinal);
        var listed = await sdk.ListRecordsAsync();
        Assert.Equal(SmallRecords, Counts(listed.Select(r => r.Category)));
        Assert.Equal(idByFullUrl.Values.Order(), listed.Select(r => r.RecordId).Order());
        foreach (var r in expected.Records)
        {
            var opened = await sdk.OpenRecordAsync(idByFullUrl[r.FullUrl]);
            Assert.Equal(r.ResourceType, opened.Category);
            Assert.Equal("application/fhir+json", opened.ContentType);
            Assert.Equal(patientId, opened.AuthorId);
            Assert.Equal(expected.RecordContent(r, idByFullUrl, patientId), Encoding.UTF8.GetString(opened.Content));
        }

        // Again: nothing new.
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await Assertions.Expect(Summary(page)).ToHaveTextAsync("Imported 0, already imported 136, skipped 10.", new() { Timeout = 120_000 });
        Assert.Equal(136, (await sdk.ListRecordsAsync()).Count);
        await BrowserWorld.ScreenshotAsync(page, "patient-fhir-import");
        await page.Context.CloseAsync();
    }
}

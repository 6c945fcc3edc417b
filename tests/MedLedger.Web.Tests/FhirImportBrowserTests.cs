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

    /// <summary>A fresh patient (the import adds 136 records: no demo account's timeline changes), signed in on the import page and in the C# SDK.</summary>
    private async Task<(IPage Page, MedLedgerClient Sdk)> NewPatientOnImportPageAsync()
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
        var sdk = new MedLedgerClient(new Uri(world.Url));
        await sdk.LoginWithDevOutboxAsync(email, password);
        await BrowserWorld.Nav(page, "Import FHIR").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Import a FHIR bundle", Level = 1 })).ToBeVisibleAsync();
        return (page, sdk);
    }

    // Text the Synthea bundle lacks: non-ASCII and a character outside the BMP (escaped per UTF-16 unit by System.Text.Json),
    // a number whose text JSON.parse would change, a versioned relative reference and a conditional one.
    private const string Tiny = """
        {"resourceType":"Bundle","type":"collection","entry":[
          {"fullUrl":"http://ehr.example/fhir/Patient/p1","resource":{"resourceType":"Patient","id":"p1","name":[{"family":"Müller","given":["Zoë"]}]}},
          {"fullUrl":"urn:uuid:6a0e2f8e-1c1b-4c7e-9a53-000000000001","resource":{"resourceType":"Encounter","id":"e1","status":"finished",
            "class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"subject":{"reference":"Patient/p1"}}},
          {"fullUrl":"urn:uuid:6a0e2f8e-1c1b-4c7e-9a53-000000000002","resource":{"resourceType":"Observation","id":"o1","status":"final",
            "code":{"text":"Blutdruck – café 😀 <b> & 'x' + \"q\" \\ \u00e9"},"subject":{"reference":"Patient/p1/_history/2"},
            "encounter":{"reference":"Encounter/e1"},"performer":[{"reference":"Practitioner?identifier=http://hl7.org/fhir/sid/us-npi|999"}],
            "valueQuantity":{"value":1.50,"unit":"kPa"}}}
        ]}
        """;

    [Fact]
    public async Task Non_ascii_text_and_numbers_hash_as_in_CSharp_and_a_record_already_on_the_server_counts_only_when_it_is_the_same()
    {
        var (page, sdk) = await NewPatientOnImportPageAsync();
        using var _ = sdk;
        var patientId = sdk.UserId;
        var bytes = Encoding.UTF8.GetBytes(Tiny);
        await ImportAsync(page, Payload("tiny.json", bytes));
        await Assertions.Expect(Summary(page)).ToHaveTextAsync("Imported 2, already imported 0, skipped 1.", new() { Timeout = 120_000 });

        var expected = FhirBundleImport.Parse(bytes, "tiny.json");
        var state = JsonNode.Parse((await ImportStateAsync(page, patientId))!)!["resources"]!.AsObject();
        Assert.Equal(expected.Records.Select(r => r.ContentHash).Order(StringComparer.Ordinal), state.Select(r => r.Key).Order(StringComparer.Ordinal));
        var idByFullUrl = expected.Records.ToDictionary(r => r.FullUrl, r => Guid.Parse(state[r.ContentHash]!["recordId"]!.GetValue<string>()), StringComparer.Ordinal);
        foreach (var r in expected.Records)
        {
            var content = Encoding.UTF8.GetString((await sdk.OpenRecordAsync(idByFullUrl[r.FullUrl])).Content);
            Assert.Equal(expected.RecordContent(r, idByFullUrl, patientId), content);
        }
        var observation = Encoding.UTF8.GetString((await sdk.OpenRecordAsync(idByFullUrl["urn:uuid:6a0e2f8e-1c1b-4c7e-9a53-000000000002"])).Content);
        Assert.Contains("\\u00E9 \\uD83D\\uDE00 \\u003Cb\\u003E", observation, StringComparison.Ordinal);
        Assert.Contains("\"value\":1.50", observation, StringComparison.Ordinal);
        Assert.Contains($"\"reference\":\"Patient/{patientId}\"", observation, StringComparison.Ordinal);
        Assert.Contains($"\"reference\":\"urn:uuid:{idByFullUrl["urn:uuid:6a0e2f8e-1c1b-4c7e-9a53-000000000001"]}\"", observation, StringComparison.Ordinal);

        // As if the tab closed after the uploads but before the state was saved: every write meets a 409, the record there
        // is opened, found equal, and counted as already imported.
        await page.EvaluateAsync($$"""
            () => { const k = 'medledger.fhirImport.{{patientId}}'; const s = JSON.parse(localStorage.getItem(k));
                    for (const r of Object.values(s.resources)) r.uploaded = false; localStorage.setItem(k, JSON.stringify(s)); }
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await Assertions.Expect(Summary(page)).ToHaveTextAsync("Imported 0, already imported 2, skipped 1.", new() { Timeout = 120_000 });

        // A planned id whose record on the server is something else (ids swapped): not counted, the conflict is shown.
        await page.EvaluateAsync($$"""
            () => { const k = 'medledger.fhirImport.{{patientId}}'; const s = JSON.parse(localStorage.getItem(k)); const [a, b] = Object.values(s.resources);
                    [a.recordId, b.recordId] = [b.recordId, a.recordId]; a.uploaded = b.uploaded = false; localStorage.setItem(k, JSON.stringify(s)); }
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToBeVisibleAsync(new() { Timeout = 120_000 });
        await Assertions.Expect(Summary(page)).ToHaveCountAsync(0);
        Assert.Equal(2, (await sdk.ListRecordsAsync()).Count);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_Synthea_bundle_picked_in_the_browser_becomes_the_records_the_CSharp_import_would_write_a_cancelled_run_continues_and_a_rerun_imports_nothing()
    {
        var (page, sdk) = await NewPatientOnImportPageAsync();
        using var _ = sdk;
        var patientId = sdk.UserId;
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
        // Several files are all checked first: a good bundle beside a bad one is not imported either.
        await page.GetByLabel("FHIR bundle files", new() { Exact = true }).SetInputFilesAsync(new[]
        {
            Payload(Small, await File.ReadAllBytesAsync(SmallPath)), Payload("second.json", Encoding.UTF8.GetBytes(bundle.ToJsonString())),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
        await Assertions.Expect(refusal).ToContainTextAsync("second.json has ");
        // Over 50 MiB: refused by its size.
        var big = Path.Combine(Path.GetTempPath(), $"fhir-import-{Guid.NewGuid():N}.json");
        try
        {
            await using (var f = File.Create(big))
            {
                f.SetLength(51L * 1024 * 1024);
            }
            await page.GetByLabel("FHIR bundle files", new() { Exact = true }).SetInputFilesAsync(big);
            await page.GetByRole(AriaRole.Button, new() { Name = "Import", Exact = true }).ClickAsync();
            await Assertions.Expect(refusal).ToContainTextAsync("is 51.0 MiB; bundles are limited to 50 MiB");
        }
        finally
        {
            File.Delete(big);
        }
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

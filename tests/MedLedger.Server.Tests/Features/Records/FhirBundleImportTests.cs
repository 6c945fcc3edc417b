using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.CrossCutting;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>
/// FHIR bundle import through the C# SDK: a real Synthea bundle (146 entries) becomes one sealed record per clinical
/// resource, each opening to the resource as written (with its references mapped to record ids); re-runs and
/// interrupted runs never write a resource twice; bad input is refused before anything is uploaded.
/// </summary>
public sealed class FhirBundleImportTests : SdkTestBase, IDisposable
{
    private const string Small = "8708d3e1-f718-96bb-03f0-f2a6564ae1cd.json";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-import-" + Guid.NewGuid().ToString("N")[..10]);

    // From testdata/synthea/SOURCE.txt: the bundle's 146 entries by type.
    private static readonly Dictionary<string, int> SmallRecords = new()
    {
        ["Encounter"] = 7, ["Condition"] = 3, ["Observation"] = 82, ["Procedure"] = 7, ["MedicationRequest"] = 1, ["Immunization"] = 8,
        ["DiagnosticReport"] = 12, ["CarePlan"] = 1, ["DocumentReference"] = 7, ["Claim"] = 8,
    };

    private static readonly Dictionary<string, int> SmallSkipped = new() { ["Patient"] = 1, ["CareTeam"] = 1, ["ExplanationOfBenefit"] = 7, ["Provenance"] = 1 };

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, true);
        }
    }

    private string StatePath => Path.Combine(_dir, "import-state.json");

    private static string Synthea(string file) => Repo.TestData("synthea", file);

    private static JsonObject BundleJson(string file) => (JsonObject)JsonNode.Parse(File.ReadAllText(Synthea(file)))!;

    private static Dictionary<string, int> Counts(IEnumerable<string> types) => types.GroupBy(t => t).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public async Task Synthea_bundle_becomes_one_record_per_clinical_resource_each_opening_to_the_resource_and_a_rerun_adds_nothing()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var bundle = FhirBundleImport.ReadFile(Synthea(Small));
        Assert.Equal(146, bundle.Records.Count + bundle.Skipped.Count);
        Assert.Equal(SmallSkipped, Counts(bundle.Skipped.Select(s => s.ResourceType)));
        Assert.All(bundle.Skipped, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));

        var progress = new List<FhirImportProgress>();
        var report = await patient.Client.ImportFhirBundleAsync(bundle, FhirImportState.Load(StatePath, patient.Id), progress.Add);
        Assert.Equal(SmallRecords, Counts(report.Resources.Where(r => r.Outcome == FhirImportOutcome.Imported).Select(r => r.ResourceType)));
        Assert.Equal(Enumerable.Range(1, 136), progress.Select(p => p.Done));
        Assert.Equal(136, report.Resources.Select(r => r.RecordId).Distinct().Count());

        var listed = await patient.Client.ListRecordsAsync();
        Assert.Equal(SmallRecords, Counts(listed.Select(r => r.Category)));
        Assert.Equal(report.Resources.Select(r => r.RecordId).Order(), listed.Select(r => r.RecordId).Order());

        // Every record opens (signature, anchor and receipt checked by the SDK) to the bundle's resource: undoing the
        // reference mapping gives back exactly the entry as the EHR wrote it.
        var original = BundleJson(Small)["entry"]!.AsArray().Select(e => e!.AsObject()).ToDictionary(e => e["fullUrl"]!.GetValue<string>(), e => e["resource"]!);
        var patientFullUrl = original.Single(o => o.Value["resourceType"]!.GetValue<string>() == "Patient").Key;
        var fullUrlByRecord = report.Resources.ToDictionary(r => $"urn:uuid:{r.RecordId}", r => r.FullUrl);
        fullUrlByRecord[$"Patient/{patient.Id}"] = patientFullUrl;
        foreach (var r in report.Resources)
        {
            var opened = await patient.Client.OpenRecordAsync(r.RecordId);
            Assert.Equal(r.ResourceType, opened.Category);
            Assert.Equal("application/fhir+json", opened.ContentType);
            var content = JsonNode.Parse(opened.Content)!;
            var expected = original[r.FullUrl];
            // Grouping: a resource with an encounter names the encounter's record.
            if (expected["encounter"]?["reference"] is { } enc && r.ResourceType != "Encounter")
            {
                var encounterRecord = Assert.IsType<Guid>(r.EncounterRecordId);
                Assert.Equal(enc.GetValue<string>(), report.Resources.Single(x => x.RecordId == encounterRecord).FullUrl);
                Assert.Equal($"urn:uuid:{encounterRecord}", content["encounter"]!["reference"]!.GetValue<string>());
            }
            Unmap(content, fullUrlByRecord);
            Assert.True(JsonNode.DeepEquals(expected, content), $"{r.ResourceType} {r.FullUrl} differs from the bundle's resource");
        }
        Assert.All(report.Resources.Where(r => r.ResourceType is "Observation" or "DiagnosticReport" or "Procedure"), r => Assert.NotNull(r.EncounterRecordId));
        Assert.All(report.Resources.Where(r => r.ResourceType == "Encounter"), r => Assert.Null(r.EncounterRecordId));

        // Same bundle again, with the state file as saved on disk: nothing new is written.
        var again = await patient.Client.ImportFhirBundleAsync(FhirBundleImport.ReadFile(Synthea(Small)), FhirImportState.Load(StatePath, patient.Id));
        Assert.Equal(0, again.Imported);
        Assert.Equal(136, again.AlreadyImported);
        Assert.Equal(report.Resources.Select(r => r.RecordId), again.Resources.Select(r => r.RecordId));
        Assert.Equal(136, (await patient.Client.ListRecordsAsync()).Count);
    }

    [Fact]
    public async Task An_interrupted_import_continues_where_it_stopped_and_writes_no_resource_twice()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        using var cancel = new CancellationTokenSource();
        var first = FhirBundleImport.ReadFile(Synthea(Small));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => patient.Client.ImportFhirBundleAsync(first, FhirImportState.Load(StatePath, patient.Id), p =>
        {
            if (p.Done == 20)
            {
                cancel.Cancel();
            }
        }, cancel.Token));
        // Uploads run a few at a time: those in flight when the run was cancelled finished and were recorded, so the server
        // holds exactly what the state says was uploaded, and nothing lands after the call returned.
        var saved = FhirImportState.Load(StatePath, patient.Id);
        var uploaded = saved.Resources.Values.Count(e => e.Uploaded);
        Assert.InRange(uploaded, 20, 20 + MedLedgerClient.ImportParallelism - 1);
        Assert.Equal(uploaded, (await patient.Client.ListRecordsAsync()).Count);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(uploaded, (await patient.Client.ListRecordsAsync()).Count);
        // Record ids were planned for the whole bundle before the first upload.
        Assert.Equal(136, saved.Resources.Count);

        // A crash between an upload and the state write: the state says not uploaded, the server has it.
        var stateJson = JsonNode.Parse(File.ReadAllText(StatePath))!;
        var lost = stateJson["resources"]!.AsObject().First(e => e.Value!["uploaded"]!.GetValue<bool>());
        lost.Value!["uploaded"] = false;
        File.WriteAllText(StatePath, stateJson.ToJsonString());

        var resumed = await patient.Client.ImportFhirBundleAsync(FhirBundleImport.ReadFile(Synthea(Small)), FhirImportState.Load(StatePath, patient.Id));
        // Everything the state or the server already had counts as already imported, the rest is written now: no resource twice.
        Assert.Equal(136, resumed.Imported + resumed.AlreadyImported);
        Assert.InRange(resumed.AlreadyImported, uploaded, 20 + MedLedgerClient.ImportParallelism - 1);
        var listed = await patient.Client.ListRecordsAsync();
        Assert.Equal(136, listed.Count);
        Assert.Equal(SmallRecords, Counts(listed.Select(r => r.Category)));
        Assert.All(listed, r => Assert.Equal(1, r.LatestVersion));
        Assert.All(FhirImportState.Load(StatePath, patient.Id).Resources.Values, e => Assert.True(e.Uploaded));
    }

    public static TheoryData<string, string> BadBundles() => new()
    {
        { "truncated", "not valid JSON" },
        { "observation", "is a FHIR Observation, not a Bundle" },
        { "searchset", "only transaction and collection bundles" },
        { "dangling", "dangling reference" },
        { "invalid-entry", "is not valid FHIR R4" },
    };

    /// <summary>The bad variants are built from the real bundle, so each differs from a good import in one way only.</summary>
    private static byte[] Bad(string kind)
    {
        var text = File.ReadAllText(Synthea(Small));
        var bundle = (JsonObject)JsonNode.Parse(text)!;
        switch (kind)
        {
            case "truncated":
                return Encoding.UTF8.GetBytes(text[..(text.Length / 2)]);
            case "observation":
                return Encoding.UTF8.GetBytes(bundle["entry"]!.AsArray().Select(e => e!["resource"]!).First(r => r["resourceType"]!.GetValue<string>() == "Observation").ToJsonString());
            case "searchset":
                bundle["type"] = "searchset";
                break;
            case "dangling":
                // Without the Patient entry, every subject reference points nowhere.
                var entries = bundle["entry"]!.AsArray();
                entries.Remove(entries.First(e => e!["resource"]!["resourceType"]!.GetValue<string>() == "Patient"));
                break;
            case "invalid-entry":
                bundle["entry"]![5]!["resource"]!["madeUpElement"] = "x";
                break;
        }
        return Encoding.UTF8.GetBytes(bundle.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(BadBundles))]
    public async Task A_bad_bundle_is_refused_with_a_clear_message_and_nothing_changes(string kind, string message)
    {
        var patient = await World.RegisterAsync(Role.Patient);
        // A resource imported earlier stays exactly as it was.
        var earlier = await patient.Client.CreateFhirRecordAsync(File.ReadAllText(Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json")));
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, kind + ".json");
        await File.WriteAllBytesAsync(path, Bad(kind));

        var e = Assert.Throws<FhirBundleImportException>(() => FhirBundleImport.ReadFile(path));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        var listed = Assert.Single(await patient.Client.ListRecordsAsync());
        Assert.Equal(earlier.RecordId, listed.RecordId);
        Assert.False(File.Exists(StatePath));
    }

    [Fact]
    public void A_dangling_reference_is_named_with_its_entry()
    {
        var e = Assert.Throws<FhirBundleImportException>(() => FhirBundleImport.Parse(Bad("dangling"), "export.json"));
        var patientUrl = BundleJson(Small)["entry"]!.AsArray().First(x => x!["resource"]!["resourceType"]!.GetValue<string>() == "Patient")!["fullUrl"]!.GetValue<string>();
        Assert.Contains("→ " + patientUrl, e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was imported", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_50_MiB_is_refused_before_it_is_read()
    {
        Directory.CreateDirectory(_dir);
        var path = Path.Combine(_dir, "huge.json");
        using (var f = File.Create(path))
        {
            // Sparse: the length is what is checked, the bytes are never read.
            f.SetLength(FhirBundleImport.MaxBundleBytes + 1);
        }
        var e = Assert.Throws<FhirBundleImportException>(() => FhirBundleImport.ReadFile(path));
        Assert.Contains("limited to 50 MiB", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_and_unsupported_resource_types_are_set_aside_with_a_reason()
    {
        var bundle = BundleJson(Small);
        bundle["entry"]!.AsArray().Add(new JsonObject { ["fullUrl"] = "urn:uuid:0f6e3c1c-55a4-4b2e-9d55-3f0d8e2b7a11", ["resource"] = new JsonObject { ["resourceType"] = "Frobnication", ["id"] = "x" } });
        var parsed = FhirBundleImport.Parse(Encoding.UTF8.GetBytes(bundle.ToJsonString()), "export.json");
        Assert.Equal(136, parsed.Records.Count);
        Assert.Equal("not a FHIR R4 resource type", parsed.Skipped.Single(s => s.ResourceType == "Frobnication").Reason);
        Assert.Contains("no MedLedger record category", parsed.Skipped.First(s => s.ResourceType == "ExplanationOfBenefit").Reason, StringComparison.Ordinal);
        Assert.Contains("sealed profile", parsed.Skipped.Single(s => s.ResourceType == "Patient").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_resource_text_or_bundle_identifier_reaches_server_storage()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var report = await patient.Client.ImportFhirBundleAsync(FhirBundleImport.ReadFile(Synthea(Small)), FhirImportState.Load(StatePath, patient.Id));
        Assert.Equal(136, report.Imported);

        var bundle = BundleJson(Small);
        var words = new HashSet<string>(StringComparer.Ordinal) { "Keven605", "Shanahan202" };
        foreach (var entry in bundle["entry"]!.AsArray())
        {
            // The export's own ids would link the records to the EHR: they stay on the device too.
            words.Add(entry!["fullUrl"]!.GetValue<string>()["urn:uuid:".Length..]);
            foreach (var text in Strings(entry["resource"], "display").Concat(Strings(entry["resource"], "text")).Where(t => t.Length >= 10))
            {
                words.Add(text);
            }
        }
        Assert.Contains("Body Height", words);
        var needles = words.SelectMany(w => CuriousServerScan.Needles("bundle text", w)).ToList();
        CuriousServerScan.AssertNoneFound(await CuriousServerScan.StoredBytesAsync(Host), needles);
    }

    private static IEnumerable<string> Strings(JsonNode? node, string property) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == property && p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? [v.GetValue<string>()] : Strings(p.Value, property)),
        JsonArray a => a.SelectMany(c => Strings(c, property)),
        _ => [],
    };

    private static void Unmap(JsonNode? node, IReadOnlyDictionary<string, string> back)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    if (name == "reference" && child is JsonValue v && back.TryGetValue(v.GetValue<string>(), out var original))
                    {
                        o[name] = original;
                    }
                    else
                    {
                        Unmap(child, back);
                    }
                }
                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    Unmap(child, back);
                }
                break;
        }
    }
}

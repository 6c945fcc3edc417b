using System.Text.Json;
using MedLedger.Client;
using MedLedger.Server.Tests.CrossCutting;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `serve --demo` with its clinical histories: six patients import real Synthea bundles through their own clients in the
/// background after the world is ready (patient6 and patient7 are the bundles' people; patient1–4 carry copies of the smaller
/// bundle's clinical resources under their own profiles). Their records match the bundles, the two bundle patients' sealed
/// profiles are the bundles' Patients, and nothing of either reaches the server's storage or console in clear.
/// </summary>
public sealed class DemoHistoriesTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;

    public async Task InitializeAsync() =>
        _demo = await DemoServerProcess.StartAsync(new Dictionary<string, string> { ["MEDLEDGER_DEMO_HISTORIES"] = "1" });

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    [Fact]
    public async Task Six_patients_hold_synthea_histories_sealed_with_their_profiles_and_the_server_sees_neither()
    {
        var done = Path.Combine(_demo.DataDirectory, "demo-histories.json");
        // Generous: a loaded 2-core machine; the import runs after the accounts file is written.
        var deadline = DateTime.UtcNow.AddMinutes(10);
        while (!File.Exists(done))
        {
            Assert.True(DateTime.UtcNow < deadline, "histories not imported: " + string.Join('\n', _demo.RecentLog.TakeLast(30)));
            await Task.Delay(500);
        }
        const string small = "8708d3e1-f718-96bb-03f0-f2a6564ae1cd.json";
        var histories = new Dictionary<string, (string File, bool BundleProfile)>
        {
            ["patient6@demo.medledger.local"] = (small, true),
            ["patient7@demo.medledger.local"] = ("b6f92fa3-b989-fa1b-aad8-aafb1020a5e9.json", true),
            ["patient1@demo.medledger.local"] = (small, false),
            ["patient2@demo.medledger.local"] = (small, false),
            ["patient3@demo.medledger.local"] = (small, false),
            ["patient4@demo.medledger.local"] = (small, false),
        };
        var summary = JsonDocument.Parse(await File.ReadAllTextAsync(done)).RootElement.EnumerateArray()
            .ToDictionary(e => e.GetProperty("email").GetString()!, e => e.GetProperty("records").GetInt32());
        var needles = new List<(string What, byte[] Bytes)>();
        Assert.Equal(histories.Keys.Order(), summary.Keys.Order());
        foreach (var (email, (file, bundleProfile)) in histories)
        {
            var bundle = FhirBundleImport.ReadFile(Repo.TestData("synthea", file));
            Assert.Equal(bundle.Records.Count, summary[email]);
            var account = _demo.Accounts.Single(a => a.Email == email);
            using var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(_demo.Url) }, ownsHttp: true);
            await client.LoginWithDevOutboxAsync(account.Email, account.Password);
            var records = await client.ListRecordsAsync();
            var expected = bundle.Records.GroupBy(r => r.ResourceType).ToDictionary(g => g.Key, g => g.Count());
            var actual = records.GroupBy(r => r.Category).ToDictionary(g => g.Key, g => g.Count());
            if (bundleProfile)
            {
                Assert.Equal(expected, actual);
            }
            else
            {
                // patient1–4 also hold what the rest of the demo gave them (consultation advice, prescriptions).
                Assert.All(expected, e => Assert.True(actual.GetValueOrDefault(e.Key) >= e.Value, $"{email}: {e.Key} {actual.GetValueOrDefault(e.Key)} < {e.Value}"));
            }
            // One opens and verifies on this device, and is the bundle's resource (its code's display in the content).
            var condition = records.First(r => r.Category == "Condition");
            var opened = await client.OpenRecordAsync(condition.RecordId);
            Assert.Contains(bundle.Records.Where(r => r.ResourceType == "Condition"),
                r => RecordTitles.Of("Condition", "application/fhir+json", opened.Content) == RecordTitles.Of("Condition", "application/fhir+json", System.Text.Encoding.UTF8.GetBytes(r.Resource.ToJsonString())));
            var profile = bundle.ProfileFromPatient()!;
            var mine = (await client.MyProfileAsync())!.Profile;
            if (!bundleProfile)
            {
                // A copy of the clinical resources only: the patient keeps their own demo profile.
                Assert.NotEqual(profile, mine);
                continue;
            }
            Assert.Equal(profile, mine);

            // What the curious server must not hold: the Patient's names and birth date, and the conditions' wording.
            var patient = bundle.PatientResource!;
            foreach (var part in patient["name"]!.AsArray().SelectMany(n => n!["given"]!.AsArray().Select(g => (string)g!).Append((string)n["family"]!)).Distinct())
            {
                needles.AddRange(CuriousServerScan.Needles("patient name", part));
            }
            needles.AddRange(CuriousServerScan.Needles("birth date", profile.BirthDate));
            foreach (var r in bundle.Records.Where(r => r.ResourceType == "Condition"))
            {
                needles.AddRange(CuriousServerScan.Needles("condition", RecordTitles.Of("Condition", "application/fhir+json", System.Text.Encoding.UTF8.GetBytes(r.Resource.ToJsonString()))));
            }
        }

        var console = string.Join('\n', _demo.RecentLog);
        Assert.Contains("Demo clinical histories imported", console);
        await _demo.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var haystacks = Directory.EnumerateFiles(_demo.DataDirectory, "*", SearchOption.AllDirectories)
            .Select(f => (Name: f, Bytes: File.ReadAllBytes(f))).ToList();
        haystacks.Add(("server console", System.Text.Encoding.UTF8.GetBytes(console)));
        Assert.True(haystacks.Count > 10);
        CuriousServerScan.AssertNoneFound(haystacks, needles);
    }
}

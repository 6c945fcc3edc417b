using System.Diagnostics;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    private const string SmallHistory = "8708d3e1-f718-96bb-03f0-f2a6564ae1cd.json";

    /// <summary>
    /// Demo patients whose records are real Synthea histories (testdata/synthea, copied next to the CLI), imported by the
    /// patient's own client exactly as `medledger import` does: sealed and signed on the device, one record per clinical
    /// resource. patient6 and patient7 are the bundles' people (`--profile`: the sealed profile is the bundle's Patient);
    /// the library has only two bundles, so patient1–4 each import a copy of the smaller one's clinical resources under
    /// their own demo profile, which gives every patient a history to browse and share.
    /// </summary>
    private static readonly (string Email, string Bundle, bool BundleProfile)[] Histories =
    [
        ("patient6@demo.medledger.local", SmallHistory, true),
        ("patient7@demo.medledger.local", "b6f92fa3-b989-fa1b-aad8-aafb1020a5e9.json", true),
        ("patient1@demo.medledger.local", SmallHistory, false),
        ("patient2@demo.medledger.local", SmallHistory, false),
        ("patient3@demo.medledger.local", SmallHistory, false),
        ("patient4@demo.medledger.local", SmallHistory, false),
    ];

    /// <summary>Written when every history is imported: scripts and tests wait for it.</summary>
    public const string HistoriesDoneFile = "demo-histories.json";

    /// <summary>Set to 0 to skip the histories (the CLI test suites that do not look at them, to save their minute of CPU).</summary>
    public const string HistoriesSwitch = "MEDLEDGER_DEMO_HISTORIES";

    private static bool HistoriesEnabled => Environment.GetEnvironmentVariable(HistoriesSwitch) is not "0";

    private static string HistoryBundlePath(string file) => Path.Combine(AppContext.BaseDirectory, "demo", "synthea", file);

    private static async Task RegisterHistoryPatientsAsync(Func<HttpClient> http, List<(Registration Reg, string Password, string? Org)> registrations, CancellationToken ct)
    {
        if (!HistoriesEnabled)
        {
            return;
        }
        foreach (var (email, _, _) in Histories.Where(h => h.BundleProfile))
        {
            var patient = await RegisterAsync(http, email, Role.Patient, null, null, null, ct);
            registrations.Add((patient.Reg, patient.Password, null));
        }
    }

    /// <summary>The profile a history patient seals at enrolment: the bundle's Patient, as `import --profile` reads it.</summary>
    private static MedLedger.Crypto.PatientProfile? HistoryProfile(string email) =>
        Histories.FirstOrDefault(h => h.Email == email && h.BundleProfile) is { Bundle: { } bundle }
            ? FhirBundleImport.ReadFile(HistoryBundlePath(bundle)).ProfileFromPatient()
            : null;

    /// <summary>
    /// Imports the histories after the world is ready (the server already answers and the table is printed), every
    /// patient at once. Resumable: the client-side state files live in the data folder's demo-client folder, so a
    /// restarted `serve --demo` continues an interrupted import instead of starting again.
    /// </summary>
    private static async Task ImportHistoriesAsync(Func<HttpClient> http, IReadOnlyList<DemoUser> users, string dataDir, CancellationToken ct)
    {
        if (!HistoriesEnabled || File.Exists(Path.Combine(dataDir, HistoriesDoneFile)))
        {
            return;
        }
        var clock = Stopwatch.StartNew();
        try
        {
            var counts = await Task.WhenAll(Histories
                .Where(h => users.Any(u => u.Email == h.Email))
                .Select(h => ImportHistoryAsync(http, users.Single(u => u.Email == h.Email), h.Bundle, dataDir, ct)));
            var summary = counts.Select(c => new { c.Email, c.Records }).ToList();
            await File.WriteAllTextAsync(Path.Combine(dataDir, HistoriesDoneFile), System.Text.Json.JsonSerializer.Serialize(summary, Json), ct);
            AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                $"[green]Demo clinical histories imported[/] ({string.Join(", ", counts.Select(c => $"{c.Email}: {c.Records} records"))}) in {clock.Elapsed.TotalSeconds:0} s."));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The server keeps running; a restart of `serve --demo` resumes the import from its state files.
            AnsiConsole.MarkupLine($"[red]Demo histories stopped[/]: {Markup.Escape(e.Message)} (restart serve --demo to resume)");
        }
    }

    private static async Task<(string Email, int Records)> ImportHistoryAsync(Func<HttpClient> http, DemoUser user, string bundleFile, string dataDir, CancellationToken ct)
    {
        using var client = new MedLedgerClient(http(), ownsHttp: true);
        await client.LoginWithDevOutboxAsync(user.Email, user.Password, ct);
        var bundle = FhirBundleImport.ReadFile(HistoryBundlePath(bundleFile));
        var stateDir = Path.Combine(dataDir, "demo-client");
        Directory.CreateDirectory(stateDir);
        var state = FhirImportState.Load(Path.Combine(stateDir, $"import-state-{client.UserId}.json"), client.UserId);
        var report = await client.ImportFhirBundleAsync(bundle, state, p =>
        {
            if (p.Done % 100 == 0)
            {
                // Emails and counts only: the operator's console never shows a name or a title.
                AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]Importing {Markup.Escape(user.Email)}'s history: {p.Done}/{p.Total}[/]"));
            }
        }, ct);
        return (user.Email, report.Imported + report.AlreadyImported);
    }
}

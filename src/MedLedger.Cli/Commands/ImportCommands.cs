using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>`medledger import`: FHIR R4 bundles sealed on this device, one record per clinical resource (docs/import.md).</summary>
public static class ImportCommands
{
    public static Command Build()
    {
        var files = new Argument<FileInfo[]>("BUNDLE") { Description = "FHIR R4 transaction or collection bundles (.json), up to 50 MiB each", Arity = ArgumentArity.OneOrMore };
        var stateOption = new Option<FileInfo?>("--state") { Description = "Import state file (default: import-state-<your id>.json next to the CLI session)" };
        var profileOption = new Option<bool>("--profile") { Description = "Also set your sealed profile (name, birth date, sex, phone) from the bundle's Patient, sealed here" };
        var import = new Command("import", "Import FHIR bundles as sealed records (resumable: a re-run skips what was imported)") { files, stateOption, profileOption };
        import.SetAction(async (p, ct) =>
        {
            // Every bundle is read and checked before the first upload: one bad file among several changes nothing.
            var bundles = new List<FhirBundleImport>();
            try
            {
                foreach (var f in p.GetValue(files)!)
                {
                    bundles.Add(FhirBundleImport.ReadFile(f.FullName));
                }
            }
            catch (FhirBundleImportException e)
            {
                AnsiConsole.MarkupLine($"[red]import refused[/]: {Markup.Escape(e.Message)}");
                return 1;
            }
            using var client = await CliSession.ConnectAsync(p, ct);
            var statePath = p.GetValue(stateOption)?.FullName ?? Path.Combine(CliSession.Home, $"import-state-{client.UserId}.json");
            var done = 0;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var state = FhirImportState.Load(statePath, client.UserId);
                var reports = new List<FhirImportReport>();
                foreach (var bundle in bundles)
                {
                    reports.Add(await ImportOneAsync(client, bundle, state, n => done += n, ct));
                }
                var seconds = clock.Elapsed.TotalSeconds;
                Summarize(reports);
                if (p.GetValue(profileOption))
                {
                    var profile = bundles.Select(b => b.ProfileFromPatient()).LastOrDefault(x => x is not null)
                        ?? throw new InvalidOperationException("--profile: no bundle has exactly one Patient with a name and birth date.");
                    var opened = await client.SetMyProfileAsync(profile, ct);
                    Console.WriteLine($"profile version {opened.Version} sealed here from the bundle's Patient ({opened.Profile.Name})");
                }
                var imported = reports.Sum(r => r.Imported);
                Console.WriteLine($"imported {imported}, already imported {reports.Sum(r => r.AlreadyImported)}, skipped {reports.Sum(r => r.Skipped.Count)}; state {statePath}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"took {seconds:0.0} s ({imported / Math.Max(seconds, 0.001):0.0} resources/s imported)"));
                return 0;
            }
            catch (FhirBundleImportException e)
            {
                AnsiConsole.MarkupLine($"[red]import refused[/]: {Markup.Escape(e.Message)}");
                return 1;
            }
            catch (OperationCanceledException)
            {
                AnsiConsole.MarkupLine($"[yellow]interrupted[/] after {done} resources; run the same command again to continue (state {Markup.Escape(statePath)}).");
                return 130;
            }
        });
        return import;
    }

    /// <summary>A progress bar on a terminal; plain lines (one per 25 resources and the last) when output is piped.</summary>
    private static async Task<FhirImportReport> ImportOneAsync(MedLedgerClient client, FhirBundleImport bundle, FhirImportState state, Action<int> counted, CancellationToken ct)
    {
        var name = Path.GetFileName(bundle.Source);
        if (Console.IsOutputRedirected)
        {
            return await client.ImportFhirBundleAsync(bundle, state, pr =>
            {
                counted(1);
                if (pr.Done % 25 == 0 || pr.Done == pr.Total)
                {
                    Console.WriteLine($"{name}: {pr.Done}/{pr.Total} ({pr.Last.ResourceType} {pr.Last.Outcome})");
                }
            }, ct);
        }
        FhirImportReport report = null!;
        await AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(name), maxValue: Math.Max(1, bundle.Records.Count));
                report = await client.ImportFhirBundleAsync(bundle, state, pr =>
                {
                    counted(1);
                    task.Value = pr.Done;
                }, ct);
                task.Value = task.MaxValue;
            });
        return report;
    }

    private static void Summarize(IReadOnlyList<FhirImportReport> reports)
    {
        var table = new Table().AddColumns("resource type", "imported", "already imported", "skipped", "reason skipped");
        var imported = reports.SelectMany(r => r.Resources).ToLookup(r => r.ResourceType);
        var skipped = reports.SelectMany(r => r.Skipped).ToLookup(s => s.ResourceType);
        foreach (var type in imported.Select(g => g.Key).Union(skipped.Select(g => g.Key)).Order(StringComparer.Ordinal))
        {
            var rows = imported[type];
            table.AddRow(type,
                rows.Count(r => r.Outcome == FhirImportOutcome.Imported).ToString(CultureInfo.InvariantCulture),
                rows.Count(r => r.Outcome == FhirImportOutcome.AlreadyImported).ToString(CultureInfo.InvariantCulture),
                skipped[type].Count().ToString(CultureInfo.InvariantCulture),
                Markup.Escape(string.Join("; ", skipped[type].Select(s => s.Reason).Distinct())));
        }
        AnsiConsole.Write(table);
    }
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>records verbs: everything sealed and opened here, through the SDK.</summary>
public static class RecordCommands
{
    public static Command Build()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A FHIR R4 resource (.json) or any file (PDF, image…) up to 20 MiB" };
        var patient = new Option<string?>("--patient") { Description = "Patient id (doctors writing for an assigned patient)" };
        var type = new Option<string?>("--type") { Description = "Record type for files: File (default) or EmergencySummary; FHIR JSON takes its resource type" };
        var contentTypeOption = new Option<string?>("--content-type") { Description = "Media type for files (default: guessed from the extension)" };
        var add = new Command("add", "Seal and upload a record") { file, patient, type, contentTypeOption };
        add.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var path = p.GetValue(file)!;
            if (!path.Exists)
            {
                throw new InvalidOperationException($"{path.FullName} does not exist.");
            }
            var patientId = await CliSession.ResolveUserAsync(client, p.GetValue(patient), ct);
            var bytes = await File.ReadAllBytesAsync(path.FullName, ct);
            var contentType = p.GetValue(contentTypeOption) ?? GuessType(path.Name);
            var category = p.GetValue(type) ?? MedLedger.Crypto.RecordCategories.File;
            if (contentType == "application/fhir+json" && client.Tokens?.User.Role == Role.Doctor
                && MedLedgerClient.ValidateFhir(Encoding.UTF8.GetString(bytes)) == MedLedger.Crypto.RecordCategories.MedicationRequest)
            {
                // A doctor's MedicationRequest is a prescription: its limits go on the ledger with it (prescriptions write).
                var rx = await client.WritePrescriptionAsync(Encoding.UTF8.GetString(bytes), patientId, ct);
                AnsiConsole.MarkupLine($"[green]Stored[/] MedicationRequest record [bold]{rx.Info.RecordId}[/] and issued prescription [bold]{rx.Info.PrescriptionId}[/] ({rx.Info.TotalUnits} units over {rx.Info.MaxFills} fills, on the ledger)");
                Console.WriteLine(rx.Info.RecordId);
                return 0;
            }
            RecordVersionInfo info = null!;
            await AnsiConsole.Status().StartAsync("Sealing and uploading…", async _ =>
                info = contentType == "application/fhir+json"
                    ? await client.CreateFhirRecordAsync(await File.ReadAllTextAsync(path.FullName, ct), patientId, ct)
                    : await client.CreateFileRecordAsync(bytes, contentType, patientId, category, ct));
            AnsiConsole.MarkupLine($"[green]Stored[/] {info.Category} record [bold]{info.RecordId}[/] v{info.Version} — ledger tx {info.LedgerTransactionId} (receipt verified)");
            Console.WriteLine(info.RecordId);
            return 0;
        });

        var listPatient = new Option<string?>("--patient") { Description = "Patient id (doctors)" };
        var listType = new Option<string?>("--type") { Description = "Filter by category (FHIR resource type or File)" };
        var since = new Option<DateTimeOffset?>("--from") { Description = "Created at or after" };
        var until = new Option<DateTimeOffset?>("--to") { Description = "Created at or before" };
        var noTitles = new Option<bool>("--no-titles") { Description = "Do not open each record to show its title (faster for long lists)" };
        var list = new Command("list", "List records you can read, each with its title (opened and verified here)") { listPatient, listType, since, until, noTitles };
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var patientId = p.GetValue(listPatient) is null ? (Guid?)null : await CliSession.ResolveUserAsync(client, p.GetValue(listPatient), ct);
            var rows = await client.ListRecordsAsync(patientId, p.GetValue(listType), p.GetValue(since), p.GetValue(until), null, ct);
            var titles = p.GetValue(noTitles) ? null : await TitlesAsync(client, rows, ct);
            var names = await client.SharedProfilesAsync(ct);
            var table = new Table().AddColumns("record", "title", "category", "version", "created", "patient");
            foreach (var r in rows)
            {
                table.AddRow(r.RecordId.ToString(), Markup.Escape(titles?[r.RecordId] ?? "-"), r.Category, r.LatestVersion.ToString(CultureInfo.InvariantCulture),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAtMs).ToString("u", CultureInfo.InvariantCulture),
                    Markup.Escape(r.PatientId == client.UserId ? "you" : OpenedProfile.LabelOf(r.PatientId, names)));
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var id = IdPrefix.Argument("ID", "Record");
        var version = new Option<int?>("--version") { Description = "Version (default: latest)" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the decrypted content to this file instead of standard output" };
        var show = new Command("show", "Fetch, verify and decrypt a record") { id, version, output };
        show.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var recordId = await IdPrefix.ResolveAsync(p.GetValue(id)!, "record",
                async () => (await client.ListRecordsAsync(null, null, null, null, null, ct)).Select(r => r.RecordId));
            var rec = await client.OpenRecordAsync(recordId, p.GetValue(version), ct);
            if (rec.IsSuperseded)
            {
                // On stderr, so the content on stdout stays byte-exact.
                Console.Error.WriteLine($"Note: version {rec.Version} is superseded; the ledger has version {rec.LedgerLatestVersion} of this record.");
            }
            if (p.GetValue(output) is { } outFile)
            {
                await File.WriteAllBytesAsync(outFile.FullName, rec.Content, ct);
                AnsiConsole.MarkupLine($"Wrote {rec.Content.Length} bytes ({Markup.Escape(rec.ContentType)}, v{rec.Version}) to {Markup.Escape(outFile.FullName)}");
            }
            else
            {
                using var stdout = Console.OpenStandardOutput();
                await stdout.WriteAsync(rec.Content, ct);
            }
            return 0;
        });
        var records = new Command("records", "Medical records (end-to-end encrypted)") { add, list, show };
        foreach (var verb in AmendmentCommands.Build())
        {
            records.Subcommands.Add(verb);
        }
        return records;
    }

    /// <summary>
    /// Opens every listed record (a few at a time) for its title; one that fails to open or verify says so in its row
    /// instead of failing the whole list.
    /// </summary>
    private static async Task<Dictionary<Guid, string>> TitlesAsync(MedLedgerClient client, IReadOnlyList<RecordSummary> rows, CancellationToken ct)
    {
        var titles = new System.Collections.Concurrent.ConcurrentDictionary<Guid, string>();
        await Parallel.ForEachAsync(rows, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = ct }, async (r, token) =>
        {
            try
            {
                var opened = await client.OpenRecordAsync(r.RecordId, null, token);
                titles[r.RecordId] = RecordTitles.Of(opened.Category, opened.ContentType, opened.Content);
            }
            catch (Exception e) when (e is MedLedgerApiException or MedLedgerVerificationException or System.Security.Cryptography.CryptographicException)
            {
                titles[r.RecordId] = $"(not opened: {e.Message})";
            }
        });
        return new Dictionary<Guid, string>(titles);
    }

    private static string GuessType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".json" => "application/fhir+json",
        ".pdf" => "application/pdf",
        ".png" => "image/png",
        ".jpg" or ".jpeg" => "image/jpeg",
        ".txt" => "text/plain",
        _ => "application/octet-stream",
    };
}

using System.CommandLine;
using System.Globalization;
using System.Text;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>records, consent and care verbs: everything sealed, opened and signed here, through the SDK.</summary>
public static class RecordCommands
{
    public static Command Records()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A FHIR R4 resource (.json) or any file (PDF, image…) up to 20 MiB" };
        var patient = new Option<string?>("--patient") { Description = "Patient id or email (doctors writing for an assigned patient)" };
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
            var patientId = await ResolveUserAsync(client, p.GetValue(patient), ct);
            var bytes = await File.ReadAllBytesAsync(path.FullName, ct);
            var contentType = p.GetValue(contentTypeOption) ?? GuessType(path.Name);
            var category = p.GetValue(type) ?? MedLedger.Crypto.RecordCategories.File;
            RecordVersionInfo info = null!;
            await AnsiConsole.Status().StartAsync("Sealing and uploading…", async _ =>
                info = contentType == "application/fhir+json"
                    ? await client.CreateFhirRecordAsync(await File.ReadAllTextAsync(path.FullName, ct), patientId, ct)
                    : await client.CreateFileRecordAsync(bytes, contentType, patientId, category, ct));
            AnsiConsole.MarkupLine($"[green]Stored[/] {info.Category} record [bold]{info.RecordId}[/] v{info.Version} — ledger tx {info.LedgerTransactionId} (receipt verified)");
            Console.WriteLine(info.RecordId);
            return 0;
        });

        var listPatient = new Option<string?>("--patient") { Description = "Patient id or email (doctors)" };
        var listType = new Option<string?>("--type") { Description = "Filter by category (FHIR resource type or File)" };
        var since = new Option<DateTimeOffset?>("--from") { Description = "Created at or after" };
        var until = new Option<DateTimeOffset?>("--to") { Description = "Created at or before" };
        var list = new Command("list", "List records you can read") { listPatient, listType, since, until };
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var patientId = p.GetValue(listPatient) is null ? (Guid?)null : await ResolveUserAsync(client, p.GetValue(listPatient), ct);
            var rows = await client.ListRecordsAsync(patientId, p.GetValue(listType), p.GetValue(since), p.GetValue(until), null, ct);
            var table = new Table().AddColumns("record", "category", "version", "content type", "created", "patient");
            foreach (var r in rows)
            {
                table.AddRow(r.RecordId.ToString(), r.Category, r.LatestVersion.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.ContentType),
                    DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAtMs).ToString("u", CultureInfo.InvariantCulture), r.PatientId.ToString());
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var id = new Argument<Guid>("ID") { Description = "Record id" };
        var version = new Option<int?>("--version") { Description = "Version (default: latest)" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the decrypted content to this file instead of standard output" };
        var show = new Command("show", "Fetch, verify and decrypt a record") { id, version, output };
        show.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var rec = await client.OpenRecordAsync(p.GetValue(id), p.GetValue(version), ct);
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
        return new Command("records", "Medical records (end-to-end encrypted)") { add, list, show };
    }

    public static Command Consent()
    {
        var to = new Option<string>("--to") { Description = "Grantee email or id (a verified doctor, pharmacist or insurer)", Required = true };
        var scope = new Option<string>("--scope") { Description = "all | categories:Observation,Condition | records:ID,ID", DefaultValueFactory = _ => "all" };
        var purpose = new Option<string>("--purpose") { Description = "treatment, dispensing, insurance-claim, second-opinion, research, other", DefaultValueFactory = _ => "treatment" };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the consent ends (e.g. 2027-01-31)" };
        var grant = new Command("grant", "Share records: wraps their keys for the grantee here, signed by you") { to, scope, purpose, expires };
        grant.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var grantee = await ResolveUserAsync(client, p.GetValue(to), ct);
            var (kind, items) = ParseScope(p.GetValue(scope)!);
            var g = await client.GrantConsentAsync(grantee, kind, items, p.GetValue(purpose)!, p.GetValue(expires), ct);
            AnsiConsole.MarkupLine($"[green]Granted[/] {g.Id} to {g.GranteeId} ({g.GranteeRole}), scope {g.Scope} {Markup.Escape(string.Join(',', g.Items))}, until {(g.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "revoked")}");
            Console.WriteLine(g.Id);
            return 0;
        });
        var grantId = new Argument<Guid>("ID") { Description = "Grant id" };
        var revoke = new Command("revoke", "Revoke a consent grant (its wraps are deleted; what was already read cannot be unread)") { grantId };
        revoke.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var g = await client.RevokeConsentAsync(p.GetValue(grantId), ct);
            AnsiConsole.MarkupLine($"[yellow]Revoked[/] {g.Id} (ledger tx {g.RevokeTransactionId})");
            return 0;
        });
        var list = new Command("list", "Your grants (patients) or grants to you (others)");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("grant", "patient", "grantee", "role", "scope", "purpose", "until", "active");
            foreach (var g in await client.GrantsAsync(ct))
            {
                table.AddRow(g.Id.ToString(), g.PatientId.ToString(), g.GranteeId.ToString(), g.GranteeRole.ToString(),
                    Markup.Escape($"{g.Scope} {string.Join(',', g.Items)}"), g.Purpose, g.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-", g.Active ? "yes" : "no");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("consent", "Consent grants and revocations") { grant, revoke, list };
    }

    public static Command Care()
    {
        var doctor = new Option<string>("--doctor") { Description = "Doctor email or id", Required = true };
        var patient = new Option<string>("--patient") { Description = "Patient email or id", Required = true };
        var assign = new Command("assign", "Assign a doctor of your hospital to a patient (hospital staff)") { doctor, patient };
        assign.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var a = await client.AssignDoctorAsync(await ResolveUserAsync(client, p.GetValue(doctor), ct), await ResolveUserAsync(client, p.GetValue(patient), ct), ct);
            AnsiConsole.MarkupLine($"[green]Assigned[/] doctor {a.DoctorId} to patient {a.PatientId} (ledger tx {a.TransactionId})");
            return 0;
        });
        var unassign = new Command("unassign", "End a doctor's assignment (hospital staff)") { doctor, patient };
        unassign.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            await client.UnassignDoctorAsync(await ResolveUserAsync(client, p.GetValue(doctor), ct), await ResolveUserAsync(client, p.GetValue(patient), ct), ct);
            AnsiConsole.MarkupLine("[yellow]Unassigned.[/]");
            return 0;
        });
        var list = new Command("list", "Assignments that concern you");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("patient", "doctor", "hospital", "since", "ledger tx");
            foreach (var a in await client.AssignmentsAsync(ct))
            {
                table.AddRow(a.PatientId.ToString(), a.DoctorId.ToString(), a.HospitalId.ToString(), a.AssignedAt.ToString("u", CultureInfo.InvariantCulture), a.TransactionId[..16] + "…");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("care", "Doctor assignments") { assign, unassign, list };
    }

    internal static async Task<Guid> ResolveUserAsync(MedLedgerClient client, string? idOrEmail, CancellationToken ct)
    {
        if (idOrEmail is null)
        {
            return client.UserId;
        }
        return Guid.TryParse(idOrEmail, out var id) ? id : (await client.GetPublicKeysByEmailAsync(idOrEmail, ct)).UserId;
    }

    internal static (ConsentScope, IReadOnlyList<string>) ParseScope(string s)
    {
        if (s == "all")
        {
            return (ConsentScope.All, []);
        }
        var parts = s.Split(':', 2);
        var items = parts.Length == 2 ? parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
        return parts[0] switch
        {
            "categories" when items.Length > 0 => (ConsentScope.Categories, items),
            "records" when items.Length > 0 => (ConsentScope.Records, items),
            _ => throw new InvalidOperationException("--scope must be all, categories:A,B or records:ID,ID"),
        };
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

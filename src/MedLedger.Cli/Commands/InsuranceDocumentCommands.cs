using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// Documents sealed for the insurer (a claim's attached records: the patient seals them for the insurer's verified staff, the
/// insurer's staff open them) and the insurer's own figures, through the SDK.
/// </summary>
public static class InsuranceDocumentCommands
{
    public static Command SealDocuments()
    {
        var id = new Argument<Guid>("CLAIM_ID");
        var command = new Command("seal-documents", "Patients: seal a claim's attached records for the claim's insurer (a consent grant per verified staff member)") { id };
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var staff = await client.SealClaimDocumentsForInsurerAsync(p.GetValue(id), ct: ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Sealed for {staff.Count} verified insurer staff member(s)."));
            return 0;
        });
        return command;
    }

    public static Command Documents()
    {
        var id = new Argument<Guid>("CLAIM_ID");
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write each document to this folder as RECORD_ID.bin" };
        var command = new Command("documents", "Open a claim's attached records (insurer staff of the claim's insurer, the patient, the filer)") { id, output };
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var claim = client.Tokens?.User.Role == Role.InsurerStaff ? await client.InsurerClaimAsync(p.GetValue(id), ct) : await client.ClaimAsync(p.GetValue(id), ct);
            var table = new Table().AddColumns("record", "version", "category", "content type", "bytes");
            var failed = 0;
            foreach (var recordId in claim.RecordIds)
            {
                try
                {
                    var r = await client.OpenRecordAsync(recordId, ct: ct);
                    table.AddRow(Markup.Escape(r.RecordId.ToString()), Markup.Escape(r.Version.ToString(CultureInfo.InvariantCulture)), Markup.Escape(r.Category),
                        Markup.Escape(r.ContentType), Markup.Escape(r.Content.Length.ToString(CultureInfo.InvariantCulture)));
                    if (p.GetValue(output) is { } dir)
                    {
                        dir.Create();
                        await File.WriteAllBytesAsync(Path.Combine(dir.FullName, $"{r.RecordId}.bin"), r.Content, ct);
                    }
                }
                catch (MedLedgerApiException e)
                {
                    failed++;
                    table.AddRow(Markup.Escape(recordId.ToString()), "-", "-", Markup.Escape("not opened: " + e.Message), "-");
                }
            }
            AnsiConsole.Write(table);
            return failed == 0 ? 0 : 2;
        });
        return command;
    }

    /// <summary>insurance applications documents APP_ID [--out DIR]: insurer staff open the records attached to an application.</summary>
    public static Command ApplicationDocuments()
    {
        var id = new Argument<Guid>("APPLICATION_ID");
        var output = new Option<DirectoryInfo?>("--out") { Description = "Write each document to this folder as RECORD_ID.bin" };
        var command = new Command("documents", "Insurer staff: open the records a patient attached to your insurer's application (exit 2 when one does not open)") { id, output };
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var documents = await client.InsurerApplicationDocumentsAsync(p.GetValue(id), ct);
            var table = new Table().AddColumns("record", "version", "category", "content type", "bytes");
            var failed = 0;
            foreach (var d in documents.Documents)
            {
                try
                {
                    var r = await client.OpenRecordAsync(d.RecordId, ct: ct);
                    table.AddRow(Markup.Escape(r.RecordId.ToString()), Markup.Escape(r.Version.ToString(CultureInfo.InvariantCulture)), Markup.Escape(r.Category),
                        Markup.Escape(r.ContentType), Markup.Escape(r.Content.Length.ToString(CultureInfo.InvariantCulture)));
                    if (p.GetValue(output) is { } dir)
                    {
                        dir.Create();
                        await File.WriteAllBytesAsync(Path.Combine(dir.FullName, $"{r.RecordId}.bin"), r.Content, ct);
                    }
                }
                catch (MedLedgerApiException e)
                {
                    failed++;
                    table.AddRow(Markup.Escape(d.RecordId.ToString()), "-", "-", Markup.Escape("not opened: " + e.Message), "-");
                }
            }
            AnsiConsole.Write(table);
            return failed == 0 ? 0 : 2;
        });
        return command;
    }

    public static Command Figures()
    {
        var command = new Command("figures", "Insurer staff: your insurer's claims by status, amounts approved and paid, approval rate");
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var figures = await client.InsurerFiguresAsync(ct);
            if (figures.Count == 0)
            {
                AnsiConsole.MarkupLine("No claims yet.");
                return 0;
            }
            var table = new Table().AddColumns("currency", "claims", "awaiting", "approved", "partly", "rejected", "reversed", "paid", "disputed", "claimed", "approved amount", "paid amount", "approval rate");
            foreach (var f in figures)
            {
                table.AddRow(new[]
                {
                    f.Currency, N(f.Claims), N(f.AwaitingDecision), N(f.Approved), N(f.PartlyApproved), N(f.Rejected), N(f.Reversed), N(f.Paid), N(f.Disputed),
                    Amount(f.ClaimedMinor, f.Currency), Amount(f.ApprovedMinor, f.Currency), Amount(f.PaidMinor, f.Currency),
                    f.ApprovalRate is { } rate ? rate.ToString("P0", CultureInfo.InvariantCulture) : "-",
                }.Select(Markup.Escape).ToArray());
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string Amount(long minor, string currency) => string.Create(CultureInfo.InvariantCulture, $"{minor / 100m:0.00} {currency}");
}

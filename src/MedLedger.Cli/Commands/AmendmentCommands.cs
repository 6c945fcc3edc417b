using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>records amend-request / amendments / amend-decide: amendment requests, sealed and checked through the SDK.</summary>
public static class AmendmentCommands
{
    public static IEnumerable<Command> Build()
    {
        var recordId = IdPrefix.Argument("RECORD", "Record (one of yours, written by someone else)");
        var text = new Option<string>("--text") { Description = "What should be corrected, and why (sealed for you and the record's author)", Required = true };
        var request = new Command("amend-request", "Ask the author of one of your records to correct it") { recordId, text };
        request.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var a = await client.RequestAmendmentAsync(
                await IdPrefix.ResolveAsync(p.GetValue(recordId)!, "record", async () => (await client.ListRecordsAsync(null, null, null, null, null, ct)).Select(r => r.RecordId)), p.GetValue(text)!, ct);
            AnsiConsole.MarkupLine($"[green]Filed[/] amendment request [bold]{a.RequestId}[/] on version {a.Version} of record {a.RecordId} (on the ledger)");
            Console.WriteLine(a.RequestId);
            return 0;
        });
        yield return request;

        var onRecord = new Option<Guid?>("--record") { Description = "Only requests on this record" };
        var list = new Command("amendments", "Your amendment requests (patients) or the requests on records you wrote (doctors)") { onRecord };
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            // Plain lines, not a table: the texts are free prose and must not be cut or wrapped mid-word.
            foreach (var a in await client.AmendmentsAsync(p.GetValue(onRecord), ct))
            {
                Console.WriteLine($"{a.RequestId}  record {a.RecordId} v{a.Version.ToString(CultureInfo.InvariantCulture)}  {a.FiledAt.ToString("u", CultureInfo.InvariantCulture)}");
                Console.WriteLine($"  request: {a.RequestText}");
                Console.WriteLine($"  state: {Decision(a)}");
            }
            return 0;
        });
        yield return list;

        var requestId = IdPrefix.Argument("REQUEST", "Amendment request");
        var accept = new Option<bool>("--accept") { Description = "Accept: with --file (write the corrected version now) or --version (a version you already wrote)" };
        var file = new Option<FileInfo?>("--file") { Description = "The corrected content, written as the record's next version" };
        var version = new Option<int?>("--version") { Description = "The version you already wrote that resolves the request" };
        var decline = new Option<bool>("--decline") { Description = "Decline, with --reason" };
        var reason = new Option<string?>("--reason") { Description = "Why you decline (sealed for the patient and you)" };
        var decide = new Command("amend-decide", "Accept or decline an amendment request on a record you wrote") { requestId, accept, file, version, decline, reason };
        decide.SetAction(async (p, ct) =>
        {
            if (p.GetValue(accept) == p.GetValue(decline))
            {
                throw new InvalidOperationException("Give exactly one of --accept and --decline.");
            }
            using var client = await CliSession.ConnectAsync(p, ct);
            var request = await IdPrefix.ResolveAsync(p.GetValue(requestId)!, "amendment request", async () => (await client.AmendmentsAsync(null, ct)).Select(x => x.RequestId));
            Amendment a;
            if (p.GetValue(decline))
            {
                a = await client.DeclineAmendmentAsync(request, p.GetValue(reason) ?? throw new InvalidOperationException("--decline needs --reason."), ct);
            }
            else if (p.GetValue(file) is { } f)
            {
                a = await client.AcceptAmendmentAsync(request, await File.ReadAllBytesAsync(f.FullName, ct), null, ct);
            }
            else
            {
                a = await client.MarkAmendmentAcceptedAsync(request, p.GetValue(version) ?? throw new InvalidOperationException("--accept needs --file or --version."), ct);
            }
            AnsiConsole.MarkupLine($"Amendment request [bold]{a.RequestId}[/]: {Markup.Escape(Decision(a))} (on the ledger)");
            return 0;
        });
        yield return decide;
    }

    private static string Decision(Amendment a) => a.Status switch
    {
        "accepted" => $"accepted → version {a.ResolvedVersion}",
        "declined" => $"declined: {a.DeclineReason}",
        _ => "open",
    };
}

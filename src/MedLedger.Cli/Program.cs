using System.CommandLine;
using MedLedger.Cli;
using MedLedger.Cli.Commands;
using MedLedger.Client;
using Spectre.Console;

// Piped output (scripts, tests) has no terminal width: do not truncate ids in tables.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out var columns) ? columns : 240;
}

var root = new RootCommand("MedLedger — end-to-end encrypted medical records on a permissioned ledger")
{
    ServeCommands.Serve(),
    ServeCommands.Admin(),
    LedgerCommands.Build(),
    ConsortiumCommands.Build(),
};
root.Options.Add(ServeCommands.DataDir);
root.Options.Add(CommonOptions.Url);
root.Options.Add(CommonOptions.Email);
root.Options.Add(CommonOptions.Password);
root.Options.Add(CommonOptions.Otp);
root.Options.Add(CommonOptions.PeerKey);
root.Options.Add(CommonOptions.PinConsortium);
foreach (var c in AuthCommands.All())
{
    root.Subcommands.Add(c);
}
foreach (var c in ClientCommands.All())
{
    root.Subcommands.Add(c);
}

try
{
    // Our own handlers below print problems readably; the default handler would dump stack traces.
    // No response files: "@file" is a verb's own value syntax (appointments close --advice @advice.txt), read by the verb.
    return await root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null }).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (MedLedgerApiException e)
{
    AnsiConsole.MarkupLine($"[red]{(int)e.Status} {Markup.Escape(e.Title ?? "")}[/]: {Markup.Escape(e.Detail ?? "")}");
    return 1;
}
catch (Exception e) when (e is ConsortiumChangedException or PeerKeyChangedException or LedgerForkException)
{
    // The pinned trust was contradicted: say so loudly, with both fingerprints or heads (the message has them).
    // Unwrapped on stderr: scripts and people compare the fingerprints in it.
    Console.Error.WriteLine($"ledger trust refused: {e.Message}");
    return 3;
}
catch (MedLedgerVerificationException e)
{
    AnsiConsole.MarkupLine($"[red]verification failed[/]: {Markup.Escape(e.Message)}");
    return 3;
}
catch (MedLedger.Server.Infrastructure.Errors.ProblemException e)
{
    // Raised by server-side commands run in this process (admin create).
    AnsiConsole.MarkupLine($"[red]{e.Status} {Markup.Escape(e.Title)}[/]: {Markup.Escape(e.Message)}");
    return 1;
}
catch (MedLedger.Ledger.LedgerConsortiumMismatchException e)
{
    // serve --consortium on a ledger that pinned another consortium: one clear sentence, no stack trace.
    AnsiConsole.MarkupLine($"[red]consortium[/]: {Markup.Escape(e.Message)}");
    return 2;
}
catch (MedLedger.Server.Features.Ledger.ConsortiumFileException e)
{
    AnsiConsole.MarkupLine($"[red]consortium[/]: {Markup.Escape(e.Message)}");
    return 2;
}
catch (FhirValidationException e)
{
    AnsiConsole.MarkupLine($"[red]invalid FHIR[/]: {Markup.Escape(e.Message)}");
    return 1;
}
catch (PrescriptionCheckException e)
{
    AnsiConsole.MarkupLine($"[red]prescription refused[/]: {Markup.Escape(e.Message)}");
    return 3;
}
catch (InvalidOperationException e)
{
    AnsiConsole.MarkupLine($"[red]error[/]: {Markup.Escape(e.Message)}");
    return 1;
}
catch (HttpRequestException e)
{
    AnsiConsole.MarkupLine($"[red]cannot reach the server[/]: {Markup.Escape(e.Message)}");
    return 1;
}

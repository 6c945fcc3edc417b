using System.CommandLine;
using MedLedger.Cli;
using MedLedger.Cli.Commands;
using MedLedger.Client;
using Spectre.Console;

var root = new RootCommand("MedLedger — end-to-end encrypted medical records on a permissioned ledger")
{
    ServeCommands.Serve(),
    ServeCommands.Admin(),
    LedgerCommands.Build(),
};
root.Options.Add(ServeCommands.DataDir);
root.Options.Add(CommonOptions.Url);
root.Options.Add(CommonOptions.Email);
root.Options.Add(CommonOptions.Password);
root.Options.Add(CommonOptions.Otp);
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
    return await root.Parse(args).InvokeAsync();
}
catch (MedLedgerApiException e)
{
    AnsiConsole.MarkupLine($"[red]{(int)e.Status} {Markup.Escape(e.Title ?? "")}[/]: {Markup.Escape(e.Detail ?? "")}");
    return 1;
}
catch (MedLedgerVerificationException e)
{
    AnsiConsole.MarkupLine($"[red]verification failed[/]: {Markup.Escape(e.Message)}");
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

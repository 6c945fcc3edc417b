using System.CommandLine;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

public static class AuthCommands
{
    public static IEnumerable<Command> All()
    {
        var login = new Command("login", "Sign in (password, then a one-time code) and save the session");
        login.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.LoginAsync(p, ct);
            var me = client.Tokens!.User;
            AnsiConsole.MarkupLine($"Signed in as [bold]{Markup.Escape(me.Email)}[/] ({me.Role}){(me.CanAct ? "" : $" — [yellow]{Markup.Escape(me.CannotActReason ?? "")}[/]")}");
            return 0;
        });
        yield return login;

        var logout = new Command("logout", "End the session on the server and forget it here");
        logout.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            await client.LogoutAsync(ct);
            CliSession.Clear();
            AnsiConsole.MarkupLine("Signed out.");
            return 0;
        });
        yield return logout;

        var token = new Command("token", "Print a current access token (refreshed when needed), for curl and other HTTP clients");
        token.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            Console.WriteLine(await client.GetAccessTokenAsync(ct));
            return 0;
        });
        yield return token;

        var whoami = new Command("whoami", "Show the signed-in account and its key fingerprint");
        whoami.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var me = await client.MeAsync(ct);
            var table = new Table().AddColumns("field", "value");
            table.AddRow("id", me.Id.ToString());
            table.AddRow("email", Markup.Escape(me.Email));
            table.AddRow("role", me.Role.ToString());
            table.AddRow("verification", me.Verification.ToString());
            table.AddRow("can act", me.CanAct ? "yes" : Markup.Escape(me.CannotActReason ?? "no"));
            table.AddRow("key fingerprint", client.Keys?.Public.DisplayFingerprint() ?? "(locked)");
            AnsiConsole.Write(table);
            return 0;
        });
        yield return whoami;
    }
}

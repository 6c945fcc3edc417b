using System.CommandLine;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>`admin organizations list|suspend|reinstate`: the admin's organization list and standing, signed with the admin's own key.</summary>
public static class AdminCommands
{
    public static Command Organizations()
    {
        var list = new Command("list", "Every organization: kind, verification, standing (and this client's own check of the ledger)");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("organization", "kind", "name", "verification", "standing", "ledger check");
            foreach (var o in await client.AdminOrganizationsAsync(ct: ct))
            {
                var check = await client.CheckOrganizationAsync(o, ct);
                table.AddRow(o.Id.ToString(), o.Kind.ToString(), Markup.Escape(o.Name), o.Verification.ToString(),
                    o.Suspended ? $"suspended ({Markup.Escape(o.StandingReason ?? "")})" : "active", Markup.Escape(check.Label));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("organizations", "List, suspend and reinstate organizations (platform admin)")
        {
            list, Standing("suspend", "Suspend an organization: out of search, no new bookings, orders, applications or claims", suspend: true),
            Standing("reinstate", "Lift an organization's suspension", suspend: false),
        };
    }

    private static Command Standing(string name, string description, bool suspend)
    {
        var id = IdPrefix.Argument("ORGANIZATION_ID", "Organization");
        var reasons = string.Join(", ", OrganizationStandingContract.Reasons.Order(StringComparer.Ordinal));
        var reason = suspend
            ? new Option<string>("--reason") { Description = $"Reason code: {reasons}", Required = true }
            : new Option<string>("--reason") { Description = $"Reason code: {reasons} (default resolved)", DefaultValueFactory = _ => "resolved" };
        var cmd = new Command(name, description) { id, reason };
        cmd.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var orgId = await IdPrefix.ResolveAsync(p.GetValue(id)!, "organization", async () => (await client.AdminOrganizationsAsync(ct: ct)).Select(o => o.Id));
            if (suspend)
            {
                await client.SuspendOrganizationAsync(orgId, p.GetValue(reason)!, ct);
            }
            else
            {
                await client.ReinstateOrganizationAsync(orgId, p.GetValue(reason)!, ct);
            }
            AnsiConsole.MarkupLine(suspend ? "[yellow]suspended[/]" : "[green]reinstated[/]");
            return 0;
        });
        return cmd;
    }
}

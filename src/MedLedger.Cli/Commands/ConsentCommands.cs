using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>consent verbs: grants wrap record keys for the grantee here and are signed by you, through the SDK.</summary>
public static class ConsentCommands
{
    public static Command Build()
    {
        var to = new Option<string>("--to") { Description = "Grantee email or id (a verified doctor, pharmacist or insurer)", Required = true };
        var scope = new Option<string>("--scope") { Description = "all | categories:Observation,Condition | records:ID,ID", DefaultValueFactory = _ => "all" };
        var purpose = new Option<string>("--purpose") { Description = "treatment, dispensing, insurance-claim, insurance-application, second-opinion, research, other", DefaultValueFactory = _ => "treatment" };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the consent ends (e.g. 2027-01-31)" };
        var expect = new Option<string?>("--expect-fingerprint") { Description = "Refuse unless the grantee's key fingerprint is this one (as shown on their card)" };
        var grant = new Command("grant", "Share records: prints the grantee's card, then wraps the keys for them here, signed by you") { to, scope, purpose, expires, expect };
        grant.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var grantee = await CliSession.ResolveUserAsync(client, p.GetValue(to), ct);
            var (kind, items) = ParseScope(p.GetValue(scope)!);
            await CliSession.ShowTrustedCardAsync(client, grantee, p.GetValue(expect), ct);
            var g = await client.GrantConsentAsync(grantee, kind, items, p.GetValue(purpose)!, p.GetValue(expires), p.GetValue(expect), ct);
            AnsiConsole.MarkupLine($"[green]Granted[/] {g.Id} to {g.GranteeId} ({g.GranteeRole}), scope {g.Scope} {Markup.Escape(string.Join(',', g.Items))}, until {(g.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "revoked")}");
            Console.WriteLine(g.Id);
            return 0;
        });
        var grantId = IdPrefix.Argument("ID", "Grant");
        var revoke = new Command("revoke", "Revoke a consent grant (its wraps are deleted; what was already read cannot be unread)") { grantId };
        revoke.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var id = await IdPrefix.ResolveAsync(p.GetValue(grantId)!, "grant", async () => (await client.GrantsAsync(ct)).Select(g => g.Id));
            var g = await client.RevokeConsentAsync(id, ct);
            AnsiConsole.MarkupLine($"[yellow]Revoked[/] {g.Id} (ledger tx {g.RevokeTransactionId})");
            return 0;
        });
        var list = new Command("list", "Your grants (patients) or grants to you (others)");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("grant", "patient", "grantee", "role", "scope", "purpose", "until", "active");
            var grants = await client.GrantsAsync(ct);
            var names = await client.SharedProfilesAsync(ct);
            // Professionals' names are public directory data, shown from their checked identity cards.
            var cards = new Dictionary<Guid, string>();
            foreach (var grantee in grants.Select(g => g.GranteeId).Distinct())
            {
                try
                {
                    cards[grantee] = grantee == client.UserId ? "you" : (await client.IdentityCardAsync(grantee, ct)).DisplayLine;
                }
                catch (MedLedgerVerificationException e)
                {
                    cards[grantee] = $"{grantee} (card refused: {e.Message})";
                }
            }
            foreach (var g in grants)
            {
                var patientName = g.PatientId == client.UserId ? "you" : OpenedProfile.LabelOf(g.PatientId, names);
                table.AddRow(g.Id.ToString(), Markup.Escape(patientName), Markup.Escape(cards[g.GranteeId]), g.GranteeRole.ToString(),
                    Markup.Escape($"{g.Scope} {string.Join(',', g.Items)}"), g.Purpose, g.ExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "-", g.Active ? "yes" : "no");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return new Command("consent", "Consent grants and revocations") { grant, revoke, list };
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
}

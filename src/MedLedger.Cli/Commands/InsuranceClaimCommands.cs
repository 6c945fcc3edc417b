using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// insurance claims verbs through the SDK: providers (with the patient's shared card) and patients file; providers list their
/// organization's claims; insurer staff list, show, decide, reverse, pay out and dismiss disputes; patients dispute, and
/// `insurance my-claims` lists every claim in their name checked against the ledger. Ids go to standard output on their own line.
/// </summary>
public static class InsuranceClaimCommands
{
    public static Command Claims() => new("claims", "Insurance claims") { File(), FileDispense(), List(), Show(), Decide(), Reverse(), Payout(), Dispute(), InsuranceDocumentCommands.SealDocuments(), InsuranceDocumentCommands.Documents() };

    /// <summary>Pharmacists: the claim for one of your pharmacy's fills (the co-pay flow); the same dispense again answers with its claim.</summary>
    private static Command FileDispense()
    {
        var prescription = new Argument<Guid>("PRESCRIPTION_ID");
        var fill = new Option<int>("--fill") { Description = "The fill number your pharmacy dispensed", Required = true };
        var policy = new Option<Guid>("--policy") { Description = "The policy the patient shared with you", Required = true };
        var amount = new Option<long>("--amount-minor") { Description = "The dispense's price in minor units", Required = true };
        var command = new Command("file-dispense", "Claim a dispense of your pharmacy (category Pharmacy, paid to the pharmacy); prints the co-pay the patient owes and the claim id")
            { prescription, fill, policy, amount };
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            PrintDispenseClaim(await client.FileDispenseClaimAsync(p.GetValue(prescription), p.GetValue(fill), p.GetValue(policy), p.GetValue(amount), ct));
            return 0;
        });
        return command;
    }

    /// <summary>A dispense claim's outcome and the patient's co-pay (all of the price when the insurer's share is nothing), then the claim id alone.</summary>
    internal static void PrintDispenseClaim(ClaimView claim)
    {
        var share = claim.ClaimedMinor - claim.CopayMinor;
        AnsiConsole.MarkupLine(Markup.Escape(claim.Lines.All(l => l.Outcome == "duplicate")
            ? $"dispense {claim.Dispense} was claimed already (duplicate): no co-pay billed"
            : share > 0
                ? $"claim {claim.Status}: insurer's share {Amount(share, claim.Currency)}, patient's co-pay {Amount(claim.CopayMinor, claim.Currency)}"
                : $"not eligible ({claim.Lines[0].Outcome}): the patient owes the full {Amount(claim.ClaimedMinor, claim.Currency)}"));
        Console.WriteLine(claim.Id);
    }

    /// <summary>Patients: every claim in your name, each checked against its ledger receipt; exit 2 when one fails or the ledger shows one the list left out.</summary>
    public static Command MyClaims()
    {
        var command = new Command("my-claims", "Every claim in your name, checked against the ledger (patients); exit 2 when one does not check out");
        command.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var mine = await client.MyClaimsAsync(ct);
            foreach (var c in mine.Claims)
            {
                Console.WriteLine(Line(c.Claim) + (c.Verified ? "  verified" : "  NOT VERIFIED: " + string.Join("; ", c.Problems)));
            }
            foreach (var hidden in mine.OnLedgerNotListed)
            {
                Console.WriteLine($"{hidden}  on the ledger in your name but NOT LISTED by the server");
            }
            return mine.Claims.All(c => c.Verified) && mine.OnLedgerNotListed.Count == 0 ? 0 : 2;
        });
        return command;
    }

    private static Command File()
    {
        var policy = new Argument<Guid>("POLICY_ID");
        var reference = new Option<string>("--reference") { Description = "The encounter, dispense or receipt billed (the same reference again is a duplicate)", Required = true };
        var lines = new Option<string[]>("--line")
        {
            Description = "CATEGORY:AMOUNT_MINOR[:YYYY-MM-DD] (default today, UTC); repeat per line", Required = true, AllowMultipleArgumentsPerToken = false,
        };
        var payPatient = new Option<bool>("--pay-patient") { Description = "Providers: pay the insurer's share to the patient (who paid you already)" };
        var records = new Option<string[]>("--record") { Description = "RECORD_ID:VERSION of a record of the patient you can read, attached for the insurer; repeatable" };
        var attach = new Option<Guid[]>("--attach") { Description = "RECORD_ID of a record of the patient you can read (its latest version), attached for the insurer; repeatable. A patient's client also seals it for the insurer's staff" };
        var file = new Command("file", "File a claim (a provider holding the patient's shared card, or the patient); prints the claim id") { policy, reference, lines, payPatient, records, attach };
        file.SetAction(async (p, ct) =>
        {
            var parsed = p.GetValue(lines)!.Select(ParseLine).ToList();
            var documents = (p.GetValue(records) ?? []).Select(ParseRecord).ToList();
            using var client = await CliSession.ConnectAsync(p, ct);
            foreach (var recordId in p.GetValue(attach) ?? [])
            {
                documents.Add((recordId, (await client.RecordVersionsAsync(recordId, ct)).Max()));
            }
            var claim = await client.FileClaimAsync(p.GetValue(policy), p.GetValue(reference)!, parsed, p.GetValue(payPatient), documents.Count == 0 ? null : documents, ct: ct);
            if (documents.Count > 0 && client.Tokens?.User.Role == Role.Patient)
            {
                var staff = await client.SealClaimDocumentsForInsurerAsync(claim.Id, ct: ct);
                AnsiConsole.MarkupLine(Markup.Escape($"documents sealed for {staff.Count} verified insurer staff member(s)"));
            }
            foreach (var l in claim.Lines)
            {
                AnsiConsole.MarkupLine(Markup.Escape($"line {l.Line}: {l.Outcome}{(l.PayableMinor > 0 ? " " + Amount(l.PayableMinor, claim.Currency) : "")}"));
            }
            Console.WriteLine(claim.Id);
            return 0;
        });
        return file;
    }

    private static Command List()
    {
        var status = new Option<string?>("--status") { Description = "filed, approved, partly-approved, rejected, reversed or paid" };
        var disputed = new Option<bool>("--disputed") { Description = "Insurer staff: only disputed claims" };
        var list = new Command("list", "Your insurer's claims (insurer staff) or your organization's (providers)") { status, disputed };
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var all = client.Tokens?.User.Role == Role.InsurerStaff
                ? await client.InsurerClaimsAsync(p.GetValue(status), p.GetValue(disputed), ct)
                : await client.ClaimsAsync(p.GetValue(status), ct);
            foreach (var c in all)
            {
                Console.WriteLine(Line(c));
            }
            return 0;
        });
        return list;
    }

    private static Command Show()
    {
        var id = new Argument<Guid>("CLAIM_ID");
        var show = new Command("show", "One claim with each line's automatic outcome and decision") { id };
        show.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var c = client.Tokens?.User.Role == Role.InsurerStaff ? await client.InsurerClaimAsync(p.GetValue(id), ct) : await client.ClaimAsync(p.GetValue(id), ct);
            Console.WriteLine(Line(c));
            var table = new Table().AddColumns("line", "tag", "amount", "service date", "outcome", "payable", "decision", "approved", "reason");
            foreach (var l in c.Lines)
            {
                table.AddRow(Markup.Escape(l.Line.ToString(CultureInfo.InvariantCulture)), Markup.Escape(l.Tag[..12] + "…"), Markup.Escape(Amount(l.AmountMinor, c.Currency)),
                    Markup.Escape(l.ServiceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), Markup.Escape(l.Outcome ?? "-"), Markup.Escape(Amount(l.PayableMinor, c.Currency)),
                    Markup.Escape(l.Decision ?? "-"), Markup.Escape(Amount(l.ApprovedMinor, c.Currency)), Markup.Escape(l.Reason ?? "-"));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return show;
    }

    private static Command Decide()
    {
        var id = new Argument<Guid>("CLAIM_ID");
        var lines = new Option<string[]>("--line") { Description = "APPROVED_MINOR[:REASON] per line, in order (a reason code unless approving the payable in full)", AllowMultipleArgumentsPerToken = false };
        var approve = new Option<bool>("--approve-eligible") { Description = "Approve every eligible line in full, reject the others with their automatic outcome" };
        var decide = new Command("decide", "Approve, partly approve or reject each line (insurer staff)") { id, lines, approve };
        decide.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var claim = p.GetValue(approve)
                ? await client.ApproveClaimAsync(p.GetValue(id), ct)
                : await client.DecideClaimAsync(p.GetValue(id), (p.GetValue(lines) ?? []).Select(ParseDecision).ToList(), ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Claim {claim.Status}: {Amount(claim.ApprovedMinor, claim.Currency)} approved"));
            return 0;
        });
        return decide;
    }

    private static Command Reverse()
    {
        var id = new Argument<Guid>("CLAIM_ID");
        var reason = new Option<string>("--reason") { Description = "A decision reason code", Required = true };
        var reverse = new Command("reverse", "Reverse a decided claim not paid out (insurer staff)") { id, reason };
        reverse.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var claim = await client.ReverseClaimAsync(p.GetValue(id), p.GetValue(reason)!, ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Claim {claim.Status}"));
            return 0;
        });
        return reverse;
    }

    private static Command Payout()
    {
        var id = new Argument<Guid>("CLAIM_ID");
        var payout = new Command("payout", "Pay the approved total to the payee, exactly once (insurer staff)") { id };
        payout.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var claim = await client.PayOutClaimAsync(p.GetValue(id), ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Claim {claim.Status}: {Amount(claim.PaidMinor, claim.Currency)} to the {claim.PayeeKind}"));
            return 0;
        });
        return payout;
    }

    private static Command Dispute()
    {
        var id = new Argument<Guid>("CLAIM_ID");
        var reason = new Option<string>("--reason") { Description = "care-not-received, amount-wrong, duplicate-billing or other", Required = true };
        var dispute = new Command("dispute", "Dispute a claim in your name (patients)") { id, reason };
        dispute.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var claim = await client.DisputeClaimAsync(p.GetValue(id), p.GetValue(reason)!, ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Claim {claim.Id} disputed ({claim.Dispute})"));
            return 0;
        });
        return dispute;
    }

    private static string Line(ClaimView c) =>
        $"{c.Id}  {c.Status,-15}  policy {c.PolicyId}  patient {c.PatientId}  claimed {Amount(c.ClaimedMinor, c.Currency)}  approved {Amount(c.ApprovedMinor, c.Currency)}" +
        $"  paid {Amount(c.PaidMinor, c.Currency)}{(c.Dispute is null ? "" : "  dispute " + c.Dispute)}";

    private static NewClaimLine ParseLine(string s)
    {
        var parts = s.Split(':');
        if (parts.Length is < 2 or > 3 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount) || amount < 1)
        {
            throw new ArgumentException($"--line {s}: expected CATEGORY:AMOUNT_MINOR[:YYYY-MM-DD]");
        }
        var date = parts.Length == 3
            ? DateOnly.ParseExact(parts[2], "yyyy-MM-dd", CultureInfo.InvariantCulture).ToDateTime(new TimeOnly(12, 0), DateTimeKind.Utc)
            : DateTime.UtcNow;
        return new NewClaimLine(parts[0], amount, new DateTimeOffset(date));
    }

    private static (Guid, int) ParseRecord(string s) =>
        s.Split(':') is [var id, var v] && Guid.TryParse(id, out var g) && int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? (g, version)
            : throw new ArgumentException($"--record {s}: expected RECORD_ID:VERSION");

    private static ClaimLineDecision ParseDecision(string s) =>
        s.Split(':') is [var a, .. var rest] && long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var approved) && rest.Length <= 1
            ? new ClaimLineDecision(approved, rest.Length == 1 ? rest[0] : null)
            : throw new ArgumentException($"--line {s}: expected APPROVED_MINOR[:REASON]");

    private static string Amount(long minor, string currency) => string.Create(CultureInfo.InvariantCulture, $"{minor / 100m:0.00} {currency}");
}

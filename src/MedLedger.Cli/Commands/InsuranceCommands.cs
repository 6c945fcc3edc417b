using System.CommandLine;
using System.Globalization;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli.Commands;

/// <summary>
/// insurance verbs through the SDK: plans (everyone lists and shows; insurer staff create and withdraw); apply, applications
/// and policies (patients apply and read their own; insurer staff accept, decline, suspend, reinstate, renew). Ids go to
/// standard output on their own line so scripts can capture them.
/// </summary>
public static class InsuranceCommands
{
    public static Command Build() => new("insurance", "Insurance plans, applications, policies and claims")
        { Plans(), Apply(), Applications(), Policies(), Eligibility(), InsuranceClaimCommands.Claims(), InsuranceClaimCommands.MyClaims(),
          InsuranceDocumentCommands.Figures() };

    private static Command Eligibility()
    {
        var policy = new Argument<Guid>("POLICY_ID");
        var category = new Option<string>("--category") { Description = "Outpatient, Inpatient, Pharmacy, Maternity, Emergency, Dental or Vision (turned into the policy's tag here)", Required = true };
        var date = new Option<DateOnly?>("--date") { Description = "YYYY-MM-DD (default today, UTC)" };
        var eligibility = new Command("eligibility", "Professionals: is a category covered on a date under a policy card a patient shared with you") { policy, category, date };
        eligibility.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var e = await client.CheckEligibilityAsync(p.GetValue(policy), p.GetValue(category)!, p.GetValue(date) ?? DateOnly.FromDateTime(DateTime.UtcNow), ct);
            AnsiConsole.MarkupLine(Markup.Escape($"{(e.Covered ? "Covered" : "Not covered")} on {e.Date:yyyy-MM-dd} (policy {e.Status}; waiting period {(e.WaitingPeriodPassed ? "passed" : "not passed")}); " +
                $"remaining {Amount(e.RemainingForTagMinor, e.Currency)} for this benefit, {Amount(e.RemainingOverallMinor, e.Currency)} overall"));
            return e.Covered ? 0 : 2;
        });
        return eligibility;
    }

    private static bool IsInsurer(MedLedgerClient c) => c.Tokens?.User.Role == Role.InsurerStaff;

    private static Command Apply()
    {
        var plan = new Argument<Guid>("PLAN_ID");
        var start = new Option<DateOnly?>("--start") { Description = "First day of cover (YYYY-MM-DD, UTC; default today); the period is one year" };
        var attach = new Option<Guid[]>("--attach") { Description = "RECORD_ID of one of your records, attached to the application and sealed for the insurer's verified staff; repeatable" };
        var keep = new Option<bool>("--keep-after-decision") { Description = "The attached records stay open to the insurer after the application is decided (by default they stop then)" };
        var apply = new Command("apply", "Apply for a plan (patients); the same plan and start again returns the first application; prints its id") { plan, start, attach, keep };
        apply.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var a = await client.ApplyForInsuranceAsync(p.GetValue(plan), p.GetValue(start) ?? DateOnly.FromDateTime(DateTime.UtcNow), ct: ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Application {a.Status}, cover from {a.PeriodStart:yyyy-MM-dd}"));
            if (p.GetValue(attach) is { Length: > 0 } records)
            {
                var staff = await client.AttachApplicationDocumentsAsync(a.Id, records, p.GetValue(keep), ct);
                AnsiConsole.MarkupLine(Markup.Escape($"{records.Length} document(s) attached, sealed for {staff.Count} verified insurer staff member(s)"));
            }
            Console.WriteLine(a.Id);
            return 0;
        });
        return apply;
    }

    private static Command Applications()
    {
        var status = new Option<string?>("--status") { Description = "Insurer staff: only submitted, accepted or declined" };
        var list = new Command("list", "Your applications (patients) or your insurer's (insurer staff)") { status };
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var all = IsInsurer(client) ? await client.InsurerApplicationsAsync(p.GetValue(status), ct) : await client.MyInsuranceApplicationsAsync(ct);
            foreach (var a in all)
            {
                Console.WriteLine($"{a.Id}  {a.Status,-9}  plan {a.PlanId}  patient {a.PatientId}  from {a.PeriodStart:yyyy-MM-dd}{(a.DeclineReason is null ? "" : "  reason " + a.DeclineReason)}{(a.PolicyId is null ? "" : "  policy " + a.PolicyId)}");
            }
            return 0;
        });
        var acceptId = new Argument<Guid>("APPLICATION_ID");
        var accept = new Command("accept", "Accept (insurer staff): sign insurance.policy issue over the plan's terms and seal the policy card; prints the policy id") { acceptId };
        accept.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var policy = await client.AcceptApplicationAsync(p.GetValue(acceptId), ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Policy {policy.Policy.Status} until the premium of {Amount(policy.Policy.PremiumMinor, policy.Policy.Currency)} is paid"));
            Console.WriteLine(policy.Policy.Id);
            return 0;
        });
        var declineId = new Argument<Guid>("APPLICATION_ID");
        var reason = new Option<string>("--reason") { Description = "not-eligible, incomplete, duplicate or other", Required = true };
        var decline = new Command("decline", "Decline a submitted application with a reason code (insurer staff)") { declineId, reason };
        decline.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var a = await client.DeclineApplicationAsync(p.GetValue(declineId), p.GetValue(reason)!, ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Declined ({a.DeclineReason})"));
            return 0;
        });
        return new Command("applications", "Insurance applications") { list, accept, decline, InsuranceDocumentCommands.ApplicationDocuments() };
    }

    private static Command Policies()
    {
        var list = new Command("list", "Your policies (patients) or your insurer's (insurer staff)");
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            foreach (var x in IsInsurer(client) ? await client.InsurerPoliciesAsync(ct) : await client.MyPoliciesAsync(ct))
            {
                Console.WriteLine($"{x.Id}  {x.Status,-9}  plan {x.PlanId} r{x.PlanRevision}  patient {x.PatientId}  {x.PeriodStart:yyyy-MM-dd}..{x.PeriodEnd:yyyy-MM-dd}  premium {Amount(x.PremiumMinor, x.Currency)}");
            }
            return 0;
        });
        var showId = new Argument<Guid>("POLICY_ID");
        var show = new Command("show", "One policy checked against its issue on the ledger, with the opened policy card (category → tag)") { showId };
        show.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var v = IsInsurer(client) ? await client.InsurerPolicyAsync(p.GetValue(showId), ct) : await client.MyPolicyAsync(p.GetValue(showId), ct);
            var x = v.Policy;
            AnsiConsole.MarkupLine(Markup.Escape($"Policy {x.Id}: {x.Status}{(x.SuspendReason is null ? "" : $" ({x.SuspendReason})")}, verified on the ledger"));
            AnsiConsole.MarkupLine(Markup.Escape($"Plan {x.PlanId} revision {x.PlanRevision}; period {x.PeriodStart:u} .. {x.PeriodEnd:u}; cover from {(x.CoverStart is { } c ? c.ToString("u", CultureInfo.InvariantCulture) : "(premium unpaid)")}"));
            AnsiConsole.MarkupLine(Markup.Escape($"Premium {Amount(x.PremiumMinor, x.Currency)}; annual limit {Amount(x.AnnualLimitMinor, x.Currency)}"));
            var table = new Table().AddColumns("category", "cover", "annual limit", "waiting days", "tag");
            foreach (var b in v.Terms.Benefits)
            {
                var cover = b.CoveragePercent is { } pct ? string.Create(CultureInfo.InvariantCulture, $"{pct}%") : $"co-pay {Amount(b.CopayMinor ?? 0, x.Currency)}";
                table.AddRow(b.Category, Markup.Escape(cover), Amount(b.AnnualLimitMinor, x.Currency), b.WaitingPeriodDays.ToString(CultureInfo.InvariantCulture), v.Card.Tags[b.Category][..16] + "…");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        var suspendId = new Argument<Guid>("POLICY_ID");
        var reason = new Option<string>("--reason") { Description = "premium-unpaid, fraud-suspected, patient-request or other", Required = true };
        var suspend = new Command("suspend", "Suspend an active policy (insurer staff)") { suspendId, reason };
        suspend.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Policy {(await client.SuspendPolicyAsync(p.GetValue(suspendId), p.GetValue(reason)!, ct)).Status}"));
            return 0;
        });
        var reinstateId = new Argument<Guid>("POLICY_ID");
        var reinstate = new Command("reinstate", "Reinstate a suspended policy (insurer staff)") { reinstateId };
        reinstate.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Policy {(await client.ReinstatePolicyAsync(p.GetValue(reinstateId), ct)).Status}"));
            return 0;
        });
        var renewId = new Argument<Guid>("POLICY_ID");
        var renew = new Command("renew", "Issue the next period's policy of an active one (insurer staff); prints the new policy id") { renewId };
        renew.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var v = await client.RenewPolicyAsync(p.GetValue(renewId), ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Renewal {v.Policy.Status} from {v.Policy.PeriodStart:yyyy-MM-dd}"));
            Console.WriteLine(v.Policy.Id);
            return 0;
        });
        var shareId = new Argument<Guid>("POLICY_ID");
        var with = new Option<Guid>("--with") { Description = "The verified doctor, hospital staff member or pharmacist (user id)", Required = true };
        var share = new Command("share", "Share your policy card with a professional for eligibility checks (patients)") { shareId, with };
        share.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            await client.SharePolicyCardAsync(p.GetValue(shareId), p.GetValue(with), ct);
            AnsiConsole.MarkupLine("[green]Shared[/] (sealed for their key)");
            return 0;
        });
        var markPaidId = new Argument<Guid>("POLICY_ID");
        var markPaid = new Command("mark-paid", "Mark a pending policy's premium paid (insurer staff; cover from the later of its start and now)") { markPaidId };
        markPaid.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var v = await client.MarkPremiumPaidAsync(p.GetValue(markPaidId), ct);
            AnsiConsole.MarkupLine(Markup.Escape($"Policy {v.Status}, cover from {v.CoverStart:yyyy-MM-dd HH:mm} UTC"));
            return 0;
        });
        return new Command("policies", "Insurance policies") { list, show, suspend, reinstate, renew, share, markPaid };
    }

    private static Command Plans()
    {
        var insurer = new Option<Guid?>("--insurer") { Description = "Only this insurer's plans (organization id)" };
        var list = new Command("list", "Open plans of verified insurers (insurer staff also see their own withdrawn plans)") { insurer };
        list.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var table = new Table().AddColumns("plan id", "insurer", "name", "premium", "annual limit", "categories", "dependants", "status");
            foreach (var plan in await client.InsurancePlansAsync(p.GetValue(insurer), ct))
            {
                table.AddRow(plan.Id.ToString(), Markup.Escape(plan.InsurerName), Markup.Escape(plan.Name), Markup.Escape(Premium(plan)), Amount(plan.AnnualLimitMinor, plan.Currency),
                    string.Join(", ", plan.Benefits.Select(b => b.Category)), plan.DependantsAllowed ? "yes" : "no", plan.Status.ToString());
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var showId = new Argument<Guid>("PLAN_ID");
        var show = new Command("show", "One plan's benefits, limits and waiting periods") { showId };
        show.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var plan = await client.InsurancePlanAsync(p.GetValue(showId), ct);
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(plan.Name)}[/] by {Markup.Escape(plan.InsurerName)} (revision {plan.Revision}, {plan.Status})");
            AnsiConsole.MarkupLine(Markup.Escape($"Premium {Premium(plan)}; overall annual limit {Amount(plan.AnnualLimitMinor, plan.Currency)}; dependants {(plan.DependantsAllowed ? "allowed" : "not allowed")}"));
            var table = new Table().AddColumns("category", "cover", "annual limit", "waiting days");
            foreach (var b in plan.Benefits)
            {
                table.AddRow(b.Category.ToString(), Markup.Escape(Cover(b, plan.Currency)), Amount(b.AnnualLimitMinor, plan.Currency), b.WaitingPeriodDays.ToString(CultureInfo.InvariantCulture));
            }
            AnsiConsole.Write(table);
            return 0;
        });

        var name = new Option<string>("--name") { Required = true };
        var description = new Option<string?>("--description");
        var currency = new Option<string>("--currency") { DefaultValueFactory = _ => "EUR" };
        var premium = new Option<long>("--premium-minor") { Description = "Premium per period in minor units (cents)", Required = true };
        var period = new Option<PremiumInterval>("--period") { Description = "Monthly, Quarterly or Yearly", DefaultValueFactory = _ => PremiumInterval.Monthly };
        var limit = new Option<long>("--annual-limit-minor") { Description = "Overall annual limit in minor units", Required = true };
        var dependants = new Option<bool>("--dependants") { Description = "Dependants may be covered" };
        var benefits = new Option<string[]>("--benefit")
        {
            Description = "CATEGORY:COVER:LIMIT_MINOR[:WAIT_DAYS], COVER being a percentage (80%) or a co-pay in minor units (copay=500); repeat per category",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var create = new Command("create", "Publish a plan for your insurer (insurer staff); prints its id") { name, description, currency, premium, period, limit, dependants, benefits };
        create.SetAction(async (p, ct) =>
        {
            var parsed = p.GetValue(benefits)!.Select(ParseBenefit).ToList();
            using var client = await CliSession.ConnectAsync(p, ct);
            var plan = await client.CreateInsurancePlanAsync(new NewInsurancePlan(p.GetValue(name)!, p.GetValue(description), p.GetValue(currency)!, p.GetValue(premium),
                p.GetValue(period), p.GetValue(limit), p.GetValue(dependants), parsed), ct);
            AnsiConsole.MarkupLine($"[green]Published[/] {Markup.Escape(plan.Name)} ({plan.Benefits.Count} categories)");
            Console.WriteLine(plan.Id);
            return 0;
        });

        var withdrawId = new Argument<Guid>("PLAN_ID");
        var withdraw = new Command("withdraw", "Stop a plan taking applications (insurer staff)") { withdrawId };
        withdraw.SetAction(async (p, ct) =>
        {
            using var client = await CliSession.ConnectAsync(p, ct);
            var plan = await client.InsurancePlanAsync(p.GetValue(withdrawId), ct);
            plan = await client.UpdateInsurancePlanAsync(plan.Id, new InsurancePlanEdit(plan.Revision, plan.Name, plan.Description, plan.Currency, plan.PremiumMinor, plan.PremiumPeriod,
                plan.AnnualLimitMinor, plan.DependantsAllowed, InsurancePlanStatus.Withdrawn, plan.Benefits), ct);
            AnsiConsole.MarkupLine($"[yellow]Withdrawn[/] {Markup.Escape(plan.Name)} (revision {plan.Revision})");
            return 0;
        });
        return new Command("plans", "Insurance plans") { list, show, create, withdraw };
    }

    /// <summary>CATEGORY:COVER:LIMIT[:WAIT], e.g. Outpatient:80%:100000:0 or Pharmacy:copay=500:50000.</summary>
    internal static PlanBenefit ParseBenefit(string text)
    {
        var parts = text.Split(':');
        if (parts.Length is < 3 or > 4 || !Enum.TryParse<CoverCategory>(parts[0], ignoreCase: true, out var category)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
        {
            throw new InvalidOperationException($"--benefit {text}: expected CATEGORY:COVER:LIMIT_MINOR[:WAIT_DAYS], e.g. Outpatient:80%:100000:0.");
        }
        var wait = 0;
        if (parts.Length == 4 && !int.TryParse(parts[3], NumberStyles.None, CultureInfo.InvariantCulture, out wait))
        {
            throw new InvalidOperationException($"--benefit {text}: WAIT_DAYS must be a whole number of days.");
        }
        if (parts[1].EndsWith('%') && int.TryParse(parts[1][..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent))
        {
            return new PlanBenefit(category, percent, null, limit, wait);
        }
        if (parts[1].StartsWith("copay=", StringComparison.OrdinalIgnoreCase) && long.TryParse(parts[1]["copay=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var copay))
        {
            return new PlanBenefit(category, null, copay, limit, wait);
        }
        throw new InvalidOperationException($"--benefit {text}: COVER is a percentage (80%) or a co-pay in minor units (copay=500).");
    }

    private static string Amount(long minor, string currency) => string.Create(CultureInfo.InvariantCulture, $"{minor / 100m:0.00} {currency}");

    private static string Premium(InsurancePlanView p) => $"{Amount(p.PremiumMinor, p.Currency)} {p.PremiumPeriod.ToString().ToLowerInvariant()}";

    private static string Cover(PlanBenefit b, string currency) =>
        b.CoveragePercent is { } pct ? string.Create(CultureInfo.InvariantCulture, $"{pct}%") : $"co-pay {Amount(b.CopayMinor ?? 0, currency)}";
}

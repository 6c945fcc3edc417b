using System.Diagnostics;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    /// <summary>
    /// The insurer's demo (docs/insurance.md "Demo"), through the SDK over the API as real clients do: Mutual Health Insurance
    /// publishes three plans, and five policies exist for demo patients — patient1 active (premium paid from the wallet), patient2
    /// pending (premium unpaid), patient3 suspended (premium-unpaid), patient4's first policy renewed and its renewal pending.
    /// No expired policy: the API only takes periods starting today or later, so none is over yet. patient5 (the prescriptions'
    /// patient) is left alone. Signs everyone in one after another (the dev outbox is not safe for concurrent readers).
    /// </summary>
    private static async Task SeedInsuranceAsync(Func<HttpClient> http, IReadOnlyList<DemoUser> users, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        async Task<MedLedgerClient> SignInAsync(string email)
        {
            var account = users.Single(u => u.Email == email);
            var client = new MedLedgerClient(http(), ownsHttp: true);
            await client.LoginWithDevOutboxAsync(account.Email, account.Password, ct);
            return client;
        }
        using var insurer = await SignInAsync("insurer@demo.medledger.local");
        var basic = await insurer.CreateInsurancePlanAsync(new NewInsurancePlan("Basic Outpatient", "Doctor visits at 80 %, up to 1,000 EUR a year", "EUR", 1500,
            PremiumInterval.Monthly, 100_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]), ct);
        var family = await insurer.CreateInsurancePlanAsync(new NewInsurancePlan("Family Care", "Outpatient, inpatient and maternity (30-day wait) for the family", "EUR", 8900,
            PremiumInterval.Monthly, 500_000, DependantsAllowed: true,
            [
                new PlanBenefit(CoverCategory.Outpatient, 90, null, 200_000, 0), new PlanBenefit(CoverCategory.Inpatient, 80, null, 400_000, 0),
                new PlanBenefit(CoverCategory.Maternity, 100, null, 300_000, 30),
            ]), ct);
        var chronic = await insurer.CreateInsurancePlanAsync(new NewInsurancePlan("Chronic Prescriptions", "Repeat prescriptions with a 5 EUR co-pay per item", "EUR", 2500,
            PremiumInterval.Monthly, 150_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Pharmacy, null, 500, 150_000, 0)]), ct);

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        async Task<(MedLedgerClient Patient, VerifiedPolicy Policy)> IssueAsync(string email, InsurancePlanView plan, bool pay)
        {
            var patient = await SignInAsync(email);
            var application = await patient.ApplyForInsuranceAsync(plan.Id, today, ct: ct);
            var policy = await insurer.AcceptApplicationAsync(application.Id, ct);
            if (pay)
            {
                await patient.TopUpAsync(plan.PremiumMinor, plan.Currency, "demo premium top-up", ct: ct);
                await patient.PayAsync((await patient.MyPayablesAsync(ct)).Single(p => p.ReferenceKind == "policy" && p.ReferenceId == policy.Policy.Id).Id, ct);
                // Reading it activates it on the ledger (cover from the payment).
                await patient.MyPolicyAsync(policy.Policy.Id, ct);
            }
            return (patient, policy);
        }

        var (p1, _) = await IssueAsync("patient1@demo.medledger.local", basic, pay: true);
        p1.Dispose();
        var (p2, _) = await IssueAsync("patient2@demo.medledger.local", family, pay: false);
        p2.Dispose();
        var (p3, suspended) = await IssueAsync("patient3@demo.medledger.local", chronic, pay: true);
        p3.Dispose();
        await insurer.SuspendPolicyAsync(suspended.Policy.Id, "premium-unpaid", ct);
        var (p4, renewed) = await IssueAsync(AppointmentsPatientEmail, basic, pay: true);
        p4.Dispose();
        await insurer.RenewPolicyAsync(renewed.Policy.Id, ct);
        AnsiConsole.MarkupLine($"[grey]Insurance demo: 3 plans, 5 policies ({watch.Elapsed.TotalSeconds:0.0} s).[/]");
    }
}

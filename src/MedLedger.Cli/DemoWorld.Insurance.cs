using System.Diagnostics;
using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    /// <summary>
    /// The insurer's demo (docs/insurance.md "Demo"), through the SDK over the API as real clients do: Mutual Health Insurance
    /// publishes three plans, and five policies exist for demo patients — patient1 Basic Outpatient active (premium paid from the
    /// wallet), patient2 Chronic Prescriptions suspended (premium-unpaid), patient3 Family Care active, patient4's first policy
    /// renewed and its renewal pending (unpaid); then eleven claims (<see cref="SeedClaimsAsync"/>); the pharmacy co-pay claim comes once the
    /// prescriptions are seeded (<see cref="SeedCopayAsync"/>).
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

        var (p1, outpatient) = await IssueAsync("patient1@demo.medledger.local", basic, pay: true);
        var (p2, suspended) = await IssueAsync("patient2@demo.medledger.local", chronic, pay: true);
        p2.Dispose();
        await insurer.SuspendPolicyAsync(suspended.Policy.Id, "premium-unpaid", ct);
        var (p3, familyPolicy) = await IssueAsync("patient3@demo.medledger.local", family, pay: true);
        var (p4, renewed) = await IssueAsync(AppointmentsPatientEmail, basic, pay: true);
        p4.Dispose();
        await insurer.RenewPolicyAsync(renewed.Policy.Id, ct);
        using var staff = await SignInAsync("staff1@demo.medledger.local");
        await SeedClaimsAsync(insurer, staff, (p1, outpatient.Policy.Id), (p3, familyPolicy.Policy.Id), ct);
        p1.Dispose();
        p3.Dispose();
        AnsiConsole.MarkupLine($"[grey]Insurance demo: 3 plans, 5 policies, 11 claims ({watch.Elapsed.TotalSeconds:0.0} s).[/]");
    }

    /// <summary>
    /// Ten claims by Northside's staff (and two by patient1 themself, one with an invoice sealed for the insurer) that show every
    /// automatic outcome and decision: paid,
    /// a duplicate of it, partly approved and paid, over the limit, dated before the cover, approved awaiting payout, awaiting
    /// a decision (one of them disputed by the patient: care never received), a maternity claim in its 30-day wait, and a
    /// paid Family Care visit. Amounts in cents; the references are the provider's own visit numbers.
    /// </summary>
    private static async Task SeedClaimsAsync(MedLedgerClient insurer, MedLedgerClient staff, (MedLedgerClient Patient, Guid Policy) basic,
        (MedLedgerClient Patient, Guid Policy) family, CancellationToken ct)
    {
        await basic.Patient.SharePolicyCardAsync(basic.Policy, staff.UserId, ct);
        await family.Patient.SharePolicyCardAsync(family.Policy, staff.UserId, ct);
        var now = DateTimeOffset.UtcNow;
        Task<ClaimView> File(Guid policy, string reference, params NewClaimLine[] lines) => staff.FileClaimAsync(policy, reference, lines, ct: ct);

        var paid = await File(basic.Policy, "NGH-visit-0001", new NewClaimLine("Outpatient", 12_000, now));
        await insurer.ApproveClaimAsync(paid.Id, ct);
        await insurer.PayOutClaimAsync(paid.Id, ct);
        // The same visit billed again: the ledger has seen its line token.
        await insurer.ApproveClaimAsync((await File(basic.Policy, "NGH-visit-0001", new NewClaimLine("Outpatient", 12_000, now))).Id, ct);
        var partly = await File(basic.Policy, "NGH-visit-0002", new NewClaimLine("Outpatient", 5_000, now), new NewClaimLine("Outpatient", 8_000, now));
        await insurer.DecideClaimAsync(partly.Id, [new ClaimLineDecision(partly.Lines[0].PayableMinor), new ClaimLineDecision(partly.Lines[1].PayableMinor / 2, "not-medically-necessary")], ct);
        await insurer.PayOutClaimAsync(partly.Id, ct);
        await insurer.ApproveClaimAsync((await File(basic.Policy, "NGH-visit-0003", new NewClaimLine("Outpatient", 150_000, now))).Id, ct);
        await insurer.ApproveClaimAsync((await File(basic.Policy, "NGH-visit-0004", new NewClaimLine("Outpatient", 3_000, now.AddDays(-2)))).Id, ct);
        await insurer.ApproveClaimAsync((await File(basic.Policy, "NGH-visit-0005", new NewClaimLine("Outpatient", 3_000, now))).Id, ct);
        var neverGiven = await File(basic.Policy, "NGH-visit-0006", new NewClaimLine("Outpatient", 2_000, now));
        await basic.Patient.DisputeClaimAsync(neverGiven.Id, "care-not-received", ct);
        await basic.Patient.FileClaimAsync(basic.Policy, "pharmacy-receipt-2211", [new NewClaimLine("Outpatient", 4_000, now)], ct: ct);
        // The patient's own claim with a document: the invoice is a record sealed on their device, attached to the claim and sealed for
        // the insurer's verified staff (a consent grant scoped to exactly the claim's records), so the claims queue opens it.
        var invoice = await basic.Patient.CreateFileRecordAsync("Invoice 0412: physiotherapy session, 45 EUR, paid at the counter."u8.ToArray(), "text/plain", ct: ct);
        var withInvoice = await basic.Patient.FileClaimAsync(basic.Policy, "physio-invoice-0412", [new NewClaimLine("Outpatient", 4_500, now)],
            documents: [(invoice.RecordId, invoice.Version)], ct: ct);
        await basic.Patient.SealClaimDocumentsForInsurerAsync(withInvoice.Id, ct: ct);
        await insurer.ApproveClaimAsync((await File(family.Policy, "NGH-maternity-0001", new NewClaimLine("Maternity", 20_000, now))).Id, ct);
        var familyVisit = await File(family.Policy, "NGH-visit-0101", new NewClaimLine("Outpatient", 6_000, now));
        await insurer.ApproveClaimAsync(familyVisit.Id, ct);
        await insurer.PayOutClaimAsync(familyVisit.Id, ct);
    }
    /// <summary>
    /// The pharmacy co-pay flow (docs/insurance.md "Pharmacy co-pay flow"), through the SDK after the prescriptions are seeded:
    /// patient5 takes the Chronic Prescriptions plan (5.00 EUR co-pay per item), pays its premium and shares the policy card with
    /// the demo pharmacist, who claims their Amoxicillin fill (12.90 EUR) with insurance; patient5's client checks the 5.00 co-pay
    /// against the ledger and pays it from the wallet; the insurer approves the 7.90 share and pays it out to the pharmacy.
    /// </summary>
    private static async Task SeedCopayAsync(Func<HttpClient> http, IReadOnlyList<DemoUser> users, CancellationToken ct)
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
        using var patient = await SignInAsync(PrescriptionsPatientEmail);
        using var pharmacist = await SignInAsync("pharmacist@demo.medledger.local");
        var chronic = (await patient.InsurancePlansAsync(ct: ct)).Single(p => p.Name == "Chronic Prescriptions");
        var application = await patient.ApplyForInsuranceAsync(chronic.Id, DateOnly.FromDateTime(DateTime.UtcNow), ct: ct);
        var policy = (await insurer.AcceptApplicationAsync(application.Id, ct)).Policy.Id;
        await patient.TopUpAsync(chronic.PremiumMinor, chronic.Currency, "demo premium top-up", ct: ct);
        await patient.PayAsync((await patient.MyPayablesAsync(ct)).Single(p => p.ReferenceKind == "policy" && p.ReferenceId == policy).Id, ct);
        await patient.MyPolicyAsync(policy, ct);
        await patient.SharePolicyCardAsync(policy, pharmacist.UserId, ct);

        var pharmacy = pharmacist.Tokens!.User.OrganizationId!.Value;
        var amoxicillin = (await patient.PrescriptionsAsync(ct: ct)).Single(rx => rx.Info.Fills.Any(f => f.PharmacyId == pharmacy));
        var claim = await pharmacist.FileDispenseClaimAsync(amoxicillin.Info.PrescriptionId, 1, policy, 1290, ct);
        await patient.TopUpAsync(claim.CopayMinor, claim.Currency, "demo co-pay top-up", ct: ct);
        await patient.PayAsync(claim.CopayPayableId!.Value, ct);
        await insurer.ApproveClaimAsync(claim.Id, ct);
        await insurer.PayOutClaimAsync(claim.Id, ct);
        AnsiConsole.MarkupLine($"[grey]Insurance demo: a pharmacy co-pay claim ({watch.Elapsed.TotalSeconds:0.0} s).[/]");
    }
}

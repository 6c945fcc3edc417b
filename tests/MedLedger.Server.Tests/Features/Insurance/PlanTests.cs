using System.Net;
using MedLedger.Client;
using MedLedger.Server.Features.Insurance;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Insurance;

/// <summary>
/// Issue 17 item 1: insurer staff publish and edit plans (FHIR InsurancePlan), anyone signed in browses them; through the
/// real pipeline and the C# SDK. Roles refused from the write endpoints: CrossCutting/RefusalMatrixTests.
/// </summary>
public sealed class PlanTests : RecordTestBase
{
    private static NewInsurancePlan Basic(string name = "Basic Outpatient") =>
        new(name, "Doctor visits at 80 %", "EUR", 2900, PremiumInterval.Monthly, 100_000, DependantsAllowed: false,
        [
            new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0),
            new PlanBenefit(CoverCategory.Pharmacy, null, 500, 50_000, 0),
            new PlanBenefit(CoverCategory.Maternity, 100, null, 80_000, 30),
        ]);

    private static InsurancePlanEdit Edit(InsurancePlanView p, long? premium = null, InsurancePlanStatus? status = null, IReadOnlyList<PlanBenefit>? benefits = null) =>
        new(p.Revision, p.Name, p.Description, p.Currency, premium ?? p.PremiumMinor, p.PremiumPeriod, p.AnnualLimitMinor, p.DependantsAllowed, status ?? p.Status,
            benefits ?? p.Benefits);

    private static async Task<MedLedgerApiException> Refused(Func<Task> call) => await Assert.ThrowsAsync<MedLedgerApiException>(call);

    [Fact]
    public async Task An_insurer_publishes_a_plan_and_every_signed_in_user_reads_its_benefits_limits_and_waiting_periods()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Plan Mutual");
        var patient = await World.RegisterAsync(Role.Patient);
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Plan Pharmacy");

        var plan = await insurer.Client.CreateInsurancePlanAsync(Basic());
        Assert.Equal(1, plan.Revision);
        Assert.Equal(InsurancePlanStatus.Open, plan.Status);
        Assert.Equal("Plan Mutual", plan.InsurerName);

        foreach (var reader in new[] { patient, pharmacist, insurer })
        {
            var listed = Assert.Single(await reader.Client.InsurancePlansAsync(insurer.OrganizationId));
            Assert.Equal(plan.Id, listed.Id);
            var read = await reader.Client.InsurancePlanAsync(plan.Id);
            Assert.Equal(2900, read.PremiumMinor);
            Assert.Equal(PremiumInterval.Monthly, read.PremiumPeriod);
            Assert.Equal(100_000, read.AnnualLimitMinor);
            Assert.Equal(Basic().Benefits.OrderBy(b => b.Category), read.Benefits);
        }
        var maternity = plan.Benefits.Single(b => b.Category == CoverCategory.Maternity);
        Assert.Equal(30, maternity.WaitingPeriodDays);
        Assert.Equal(500, plan.Benefits.Single(b => b.Category == CoverCategory.Pharmacy).CopayMinor);

        // One name per insurer; another insurer may use the same name.
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => insurer.Client.CreateInsurancePlanAsync(Basic()))).Status);
        var other = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Other Mutual");
        await other.Client.CreateInsurancePlanAsync(Basic());
        Assert.Equal(2, (await patient.Client.InsurancePlansAsync()).Count(p => p.Name == "Basic Outpatient"));
    }

    [Fact]
    public async Task Malformed_terms_are_refused_saying_what_is_wrong_and_nothing_is_stored()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Strict Mutual");
        var cases = new (NewInsurancePlan Plan, string Message)[]
        {
            (Basic() with { Benefits = [new PlanBenefit(CoverCategory.Outpatient, 80, 500, 1000, 0)] }, "exactly one of coveragePercent or copayMinor"),
            (Basic() with { Benefits = [new PlanBenefit(CoverCategory.Outpatient, null, null, 1000, 0)] }, "exactly one of coveragePercent or copayMinor"),
            (Basic() with { Benefits = [new PlanBenefit(CoverCategory.Outpatient, 101, null, 1000, 0)] }, "coveragePercent must be between 1 and 100"),
            (Basic() with { Benefits = [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_001, 0)] }, "at most the plan's overall annual limit"),
            (Basic() with { Benefits = [new PlanBenefit(CoverCategory.Outpatient, 80, null, 1000, -1)] }, "waitingPeriodDays must be between 0"),
            (Basic() with { Benefits = [new PlanBenefit(CoverCategory.Outpatient, 80, null, 1000, 0), new PlanBenefit(CoverCategory.Outpatient, 50, null, 1000, 0)] }, "Each category appears at most once"),
            (Basic() with { Benefits = [] }, "A plan covers between 1 and"),
            (Basic() with { Currency = "eur" }, "currency must be an ISO 4217 code"),
            (Basic() with { PremiumMinor = -1 }, "premiumMinor must be between 0"),
            (Basic() with { AnnualLimitMinor = 0 }, "annualLimitMinor must be between 1"),
            (Basic() with { Name = " " }, "name is required"),
        };
        foreach (var (plan, message) in cases)
        {
            var e = await Refused(() => insurer.Client.CreateInsurancePlanAsync(plan));
            Assert.True(e.Status == HttpStatusCode.UnprocessableEntity, $"{message}: {e.Status} {e.Detail}");
            Assert.Contains(message, e.Detail, StringComparison.Ordinal);
        }
        Assert.Equal(0, await Db(db => db.Set<InsurancePlan>().CountAsync()));
    }

    [Fact]
    public async Task Only_the_plans_own_insurer_edits_it_and_a_withdrawn_plan_is_hidden_from_everyone_else()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Owner Mutual");
        var rival = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Rival Mutual");
        var patient = await World.RegisterAsync(Role.Patient);
        var plan = await insurer.Client.CreateInsurancePlanAsync(Basic());

        var byRival = await Refused(() => rival.Client.UpdateInsurancePlanAsync(plan.Id, Edit(plan, premium: 1)));
        Assert.Equal(HttpStatusCode.Forbidden, byRival.Status);
        Assert.Equal(2900, (await patient.Client.InsurancePlanAsync(plan.Id)).PremiumMinor);

        // Dropping a category and adding one edits the rows in place; the revision moves on.
        var edited = await insurer.Client.UpdateInsurancePlanAsync(plan.Id, Edit(plan, premium: 3100,
            benefits: [new PlanBenefit(CoverCategory.Outpatient, 70, null, 90_000, 0), new PlanBenefit(CoverCategory.Inpatient, 90, null, 100_000, 14)]));
        Assert.Equal(2, edited.Revision);
        Assert.Equal([CoverCategory.Outpatient, CoverCategory.Inpatient], edited.Benefits.Select(b => b.Category));
        Assert.Equal(70, (await patient.Client.InsurancePlanAsync(plan.Id)).Benefits[0].CoveragePercent);

        var withdrawn = await insurer.Client.UpdateInsurancePlanAsync(plan.Id, Edit(edited, status: InsurancePlanStatus.Withdrawn));
        Assert.Equal(InsurancePlanStatus.Withdrawn, withdrawn.Status);
        Assert.Empty(await patient.Client.InsurancePlansAsync(insurer.OrganizationId));
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => patient.Client.InsurancePlanAsync(plan.Id))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => rival.Client.UpdateInsurancePlanAsync(plan.Id, Edit(withdrawn)))).Status);
        Assert.Equal(InsurancePlanStatus.Withdrawn, Assert.Single(await insurer.Client.InsurancePlansAsync(insurer.OrganizationId)).Status);
    }

    [Fact]
    public async Task Of_concurrent_edits_made_against_one_revision_exactly_one_is_saved_and_the_rest_are_told_it_is_stale()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Busy Mutual");
        var plan = await insurer.Client.CreateInsurancePlanAsync(Basic());
        const int editors = 8;
        var results = await Task.WhenAll(Enumerable.Range(1, editors).Select(async i =>
        {
            try
            {
                return (await insurer.Client.UpdateInsurancePlanAsync(plan.Id, Edit(plan, premium: 3000 + i))).PremiumMinor;
            }
            catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
            {
                Assert.Equal("stale-plan-revision", e.ProblemType?.Split('/')[^1]);
                return -1L;
            }
        }));
        var saved = Assert.Single(results, r => r >= 0);
        var now = await insurer.Client.InsurancePlanAsync(plan.Id);
        Assert.Equal(2, now.Revision);
        Assert.Equal(saved, now.PremiumMinor);
        Assert.Equal(3, now.Benefits.Count);
    }
}

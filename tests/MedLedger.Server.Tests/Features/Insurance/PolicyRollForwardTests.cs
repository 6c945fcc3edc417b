using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Tests.Features.Ledger;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Insurance;

/// <summary>
/// A premium marked paid across a crash: the insurer's activate committed just before the process died activates the policy and
/// closes the patient's premium payable at the next start (both are rows of that one transaction), and the payable stays unpayable.
/// </summary>
public sealed class PolicyRollForwardTests : RollForwardHarness
{
    [Fact]
    public async Task A_mark_paid_committed_before_a_crash_activates_the_policy_and_closes_the_payable_at_the_next_start()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Crash Mark Mutual");
        var plan = await insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Crash Mark Cover", null, "EUR", 1000, PremiumInterval.Monthly, 100_000, false,
            [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]));
        var patient = await World.RegisterAsync(Role.Patient);
        var application = await patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var policyId = (await insurer.Client.AcceptApplicationAsync(application.Id)).Policy.Id;

        await CrashDuring(InsurancePolicyContract.TypeName, () => insurer.Client.MarkPremiumPaidAsync(policyId));
        Assert.Contains(await AuditAsync(), f => f.Contains($"policy {policyId} is pending but the ledger says active", StringComparison.Ordinal));
        Assert.Null(await Db(db => db.Set<Payable>().Where(p => p.ReferenceId == policyId).Select(p => p.ClosedAt).SingleAsync()));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        patient = await Again(patient);
        Assert.Equal("active", (await patient.Client.MyPolicyAsync(policyId)).Policy.Status);
        var payable = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceId == policyId);
        Assert.Equal((null, "paid-elsewhere"), (payable.PaymentId, payable.ClosedReason));
        await Assert.ThrowsAsync<PaymentCheckException>(() => patient.Client.PayAsync(payable.Id));
    }
}

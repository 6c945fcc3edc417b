using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Claims;
using MedLedger.Server.Tests.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Claims;

/// <summary>
/// Claims across a crash, and what `ledger verify` says about them: a claim filed and a payout committed just before the process
/// died get their rows (outcomes, paid, the journal entry) at the next start; a claim row rewritten behind the ledger is reported.
/// </summary>
public sealed class ClaimRollForwardTests : RollForwardHarness
{
    private async Task<(SdkUser Insurer, SdkUser Patient, Guid PolicyId)> PolicyWorldAsync()
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Crash Mutual");
        var plan = await insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Crash Cover", null, "EUR", 1000, PremiumInterval.Monthly, 100_000, false,
            [new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0)]));
        var patient = await World.RegisterAsync(Role.Patient);
        var application = await patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var policyId = (await insurer.Client.AcceptApplicationAsync(application.Id)).Policy.Id;
        var payable = Assert.Single(await patient.Client.MyPayablesAsync());
        await patient.Client.TopUpAsync(payable.Amount, "EUR", "card-crash-claims");
        await patient.Client.PayAsync(payable.Id);
        Assert.Equal("active", (await patient.Client.MyPolicyAsync(policyId)).Policy.Status);
        return (insurer, patient, policyId);
    }

    [Fact]
    public async Task A_claim_and_its_payout_committed_before_crashes_get_their_rows_at_the_next_start_and_verify_is_clean()
    {
        var (insurer, patient, policyId) = await PolicyWorldAsync();
        await CrashDuring(InsuranceClaimContract.TypeName, () => patient.Client.FileClaimAsync(policyId, "crash-receipt", [new NewClaimLine("Outpatient", 5000, Host.Clock.GetUtcNow())]));
        var file = Assert.Single(await CommittedAbout(patient.Id, InsuranceClaimContract.TypeName));
        var claimId = Guid.Parse(file.Get("claimId")!);
        Assert.Contains(await AuditAsync(), f => f.Contains($"claim {claimId} is on the ledger but has no row", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (insurer, patient) = (await Again(insurer), await Again(patient));
        var claim = Assert.Single((await patient.Client.MyClaimsAsync()).Claims);
        Assert.True(claim.Verified, string.Join("; ", claim.Problems));
        Assert.Equal(("filed", "eligible", 4000L), (claim.Claim.Status, claim.Claim.Lines[0].Outcome, claim.Claim.Lines[0].PayableMinor));

        await insurer.Client.ApproveClaimAsync(claimId);
        var before = (await patient.Client.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance;
        await CrashDuring(InsuranceClaimContract.TypeName, () => insurer.Client.PayOutClaimAsync(claimId));
        Assert.Contains(await AuditAsync(), f => f.Contains($"claim {claimId} is paying but the ledger says paid", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (insurer, patient) = (await Again(insurer), await Again(patient));
        Assert.Equal(("paid", 4000L), ((await insurer.Client.InsurerClaimAsync(claimId)).Status, (await insurer.Client.InsurerClaimAsync(claimId)).PaidMinor));
        Assert.Equal(before + 4000, (await patient.Client.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance);
        // A retry after the restart pays nothing more.
        Assert.Equal("paid", (await insurer.Client.PayOutClaimAsync(claimId)).Status);
        Assert.Equal(before + 4000, (await patient.Client.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance);

        // A row rewritten behind the ledger is reported.
        await Db(db => db.Set<InsuranceClaim>().Where(c => c.Id == claimId).ExecuteUpdateAsync(s => s.SetProperty(c => c.PaidMinor, 9999)));
        Assert.Contains(await AuditAsync(), f => f.Contains($"claim {claimId} paid 9999 but the ledger's payout is 4000", StringComparison.Ordinal));
    }
}

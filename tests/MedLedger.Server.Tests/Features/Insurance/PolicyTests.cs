using System.Net;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Insurance;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Insurance;

/// <summary>
/// Issue 17 item 2: a patient applies, the insurer accepts with an insurer-staff-signed insurance.policy (benefit tags, never
/// category names), the patient pays the premium from the wallet and the policy becomes active; decline, suspend, reinstate,
/// renew and expiry; idempotent and concurrent applies and accepts; refusals. Through the C# SDK and the real pipeline.
/// </summary>
public sealed class PolicyTests : RecordTestBase
{
    private SdkUser _insurer = null!, _patient = null!;
    private InsurancePlanView _plan = null!;

    private static NewInsurancePlan Basic(string name) =>
        new(name, "Doctor visits at 80 %", "EUR", 2900, PremiumInterval.Monthly, 100_000, DependantsAllowed: false,
        [
            new PlanBenefit(CoverCategory.Outpatient, 80, null, 100_000, 0),
            new PlanBenefit(CoverCategory.Pharmacy, null, 500, 50_000, 0),
            new PlanBenefit(CoverCategory.Maternity, 100, null, 80_000, 30),
        ]);

    private async Task WorldAsync()
    {
        _insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Policy Mutual " + Guid.NewGuid().ToString("N")[..6]);
        _plan = await _insurer.Client.CreateInsurancePlanAsync(Basic("Basic " + Guid.NewGuid().ToString("N")[..6]));
        _patient = await World.RegisterAsync(Role.Patient);
    }

    private DateOnly Today => DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime);

    private static async Task<MedLedgerApiException> Refused(Func<Task> call) => await Assert.ThrowsAsync<MedLedgerApiException>(call);

    private async Task<IReadOnlyList<string>> FindingsAsync() =>
        await Db(db => LedgerRowAudit.RunAsync(db, Host.Service<LedgerGateway>().Peer.Store, default));

    private async Task<VerifiedPolicy> ActivePolicyAsync(SdkUser patient, DateOnly? start = null)
    {
        var application = await patient.Client.ApplyForInsuranceAsync(_plan.Id, start ?? Today);
        var accepted = await _insurer.Client.AcceptApplicationAsync(application.Id);
        var payable = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceId == accepted.Policy.Id);
        await patient.Client.TopUpAsync(payable.Amount, "EUR", "card-auth-" + Guid.NewGuid().ToString("N")[..8]);
        await patient.Client.PayAsync(payable.Id);
        return await patient.Client.MyPolicyAsync(accepted.Policy.Id);
    }

    [Fact]
    public async Task A_patient_applies_the_insurer_accepts_and_the_policy_is_active_once_the_premium_is_paid_from_the_wallet()
    {
        await WorldAsync();
        var application = await _patient.Client.ApplyForInsuranceAsync(_plan.Id, Today, "apply-1");
        Assert.Equal("submitted", application.Status);
        // The same plan and period again, with any key, is the first application.
        Assert.Equal(application.Id, (await _patient.Client.ApplyForInsuranceAsync(_plan.Id, Today, "apply-2")).Id);
        Assert.Equal(application.Id, (await _patient.Client.ApplyForInsuranceAsync(_plan.Id, Today, "apply-1")).Id);
        Assert.Equal(application.Id, Assert.Single(await _insurer.Client.InsurerApplicationsAsync("submitted")).Id);

        var accepted = await _insurer.Client.AcceptApplicationAsync(application.Id);
        Assert.Equal("pending", accepted.Policy.Status);
        Assert.Null(accepted.Policy.CoverStart);
        Assert.Equal(("accepted", accepted.Policy.Id), (Assert.Single(await _patient.Client.MyInsuranceApplicationsAsync()).Status, Assert.Single(await _patient.Client.MyInsuranceApplicationsAsync()).PolicyId));
        // The patient's copy of the card opens to the same tags as the insurer's, checked against the ledger.
        var mine = await _patient.Client.MyPolicyAsync(accepted.Policy.Id);
        Assert.Equal(accepted.Card.Tags.OrderBy(t => t.Key), mine.Card.Tags.OrderBy(t => t.Key));
        Assert.Equal(["Maternity", "Outpatient", "Pharmacy"], mine.Card.Tags.Keys.Order(StringComparer.Ordinal));
        Assert.Equal((_plan.Revision, 2900L, 100_000L), (mine.Policy.PlanRevision, mine.Policy.PremiumMinor, mine.Policy.AnnualLimitMinor));

        // The premium payable (reference kind "policy") is paid from the wallet; the next read activates the policy on the ledger.
        var payable = Assert.Single(await _patient.Client.MyPayablesAsync());
        Assert.Equal(("policy", accepted.Policy.Id, 2900L), (payable.ReferenceKind, payable.ReferenceId, payable.Amount));
        await _patient.Client.TopUpAsync(5000, "EUR", "card-auth-premium");
        Host.Clock.Advance(TimeSpan.FromHours(3));
        var paidAt = Host.Clock.GetUtcNow();
        Assert.Equal("paid", (await _patient.Client.PayAsync(payable.Id)).Status);
        Host.Clock.Advance(TimeSpan.FromHours(1));
        var active = await _patient.Client.MyPolicyAsync(accepted.Policy.Id);
        Assert.Equal("active", active.Policy.Status);
        // Cover starts at the payment (after the period's first midnight), not at the read.
        Assert.Equal(paidAt.ToUnixTimeMilliseconds(), active.Policy.CoverStart!.Value.ToUnixTimeMilliseconds());
        Assert.Equal("active", (await _insurer.Client.InsurerPolicyAsync(accepted.Policy.Id)).Policy.Status);

        // The ledger: ids, dates, amounts and tags; no category name anywhere in the policy's transactions.
        var about = (await LedgerAbout(_patient.Id)).Where(t => t.Type == InsurancePolicyContract.TypeName).ToList();
        var issue = Assert.Single(about, t => t.Payload["action"] == "issue");
        Assert.Equal(3, issue.Payload.Keys.Count(k => k.StartsWith("benefit.", StringComparison.Ordinal)));
        var activate = await LedgerAbout(accepted.Policy.Id);
        Assert.Contains(activate, t => t.Type == InsurancePolicyContract.TypeName && t.Payload["action"] == "activate");
        // (Case-sensitive: "planRevision" holds "vision", not the category "Vision".)
        foreach (var category in Enum.GetNames<CoverCategory>())
        {
            Assert.DoesNotContain(activate.SelectMany(t => t.Payload.Keys.Concat(t.Payload.Values)), s => s.Contains(category, StringComparison.Ordinal));
        }
        // `ledger verify`'s relational side finds the policy row where the ledger put it, and reports one rewritten behind it.
        Assert.DoesNotContain(await FindingsAsync(), f => f.StartsWith("policy", StringComparison.Ordinal));
        await Db(db => db.Set<InsurancePolicy>().Where(p => p.Id == accepted.Policy.Id).ExecuteUpdateAsync(u => u.SetProperty(p => p.Status, PolicyStatus.Suspended)));
        Assert.Contains($"policy {accepted.Policy.Id} is suspended but the ledger says active", await FindingsAsync());
    }

    [Fact]
    public async Task Concurrent_applies_make_one_application_and_concurrent_accepts_issue_one_policy()
    {
        await WorldAsync();
        var applies = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => _patient.Client.ApplyForInsuranceAsync(_plan.Id, Today.AddDays(1), "race-" + i)));
        Assert.Single(applies.Select(a => a.Id).Distinct());
        Assert.Equal(1, await Db(db => db.Set<InsuranceApplication>().CountAsync(a => a.PatientId == _patient.Id)));

        var colleague = await World.RegisterAsync(Role.InsurerStaff, organizationId: _insurer.OrganizationId);
        await Admin.Client.DecideProfessionalAsync(colleague.Id, true);
        var accepts = await Task.WhenAll(new[] { _insurer, colleague, _insurer, colleague }.Select(async s =>
        {
            try
            {
                return (await s.Client.AcceptApplicationAsync(applies[0].Id)).Policy.Id;
            }
            catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
            {
                return Guid.Empty;
            }
        }));
        Assert.Single(accepts, a => a != Guid.Empty);
        Assert.Equal(1, await Db(db => db.Set<InsurancePolicy>().CountAsync(p => p.PatientId == _patient.Id)));
        Assert.Single(await _patient.Client.MyPayablesAsync());
        Assert.Equal("accepted", (await _patient.Client.MyInsuranceApplicationsAsync())[0].Status);
    }

    [Fact]
    public async Task An_insurer_declines_with_a_reason_code_and_a_decided_application_is_not_decided_again()
    {
        await WorldAsync();
        var application = await _patient.Client.ApplyForInsuranceAsync(_plan.Id, Today);
        var bad = await Refused(() => _insurer.Client.DeclineApplicationAsync(application.Id, "she is pregnant"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.Status);
        Assert.Equal("submitted", (await _patient.Client.MyInsuranceApplicationsAsync())[0].Status);

        var declined = await _insurer.Client.DeclineApplicationAsync(application.Id, "incomplete");
        Assert.Equal(("declined", "incomplete"), (declined.Status, declined.DeclineReason));
        Assert.Equal("declined", (await _patient.Client.MyInsuranceApplicationsAsync())[0].Status);
        Assert.EndsWith("/application-decided", (await Refused(() => _insurer.Client.DeclineApplicationAsync(application.Id, "other"))).ProblemType);
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _insurer.Client.AcceptApplicationAsync(application.Id))).Status);
        Assert.Empty(await _patient.Client.MyPoliciesAsync());
        Assert.Empty(await _patient.Client.MyPayablesAsync());
    }

    [Fact]
    public async Task Insurer_staff_suspend_and_reinstate_a_policy_renew_it_for_the_next_period_and_an_ended_policy_expires()
    {
        await WorldAsync();
        var policy = await ActivePolicyAsync(_patient);
        Assert.Equal("active", policy.Policy.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _insurer.Client.SuspendPolicyAsync(policy.Policy.Id, "diagnosis"))).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _insurer.Client.ReinstatePolicyAsync(policy.Policy.Id))).Status);
        var suspended = await _insurer.Client.SuspendPolicyAsync(policy.Policy.Id, "premium-unpaid");
        Assert.Equal(("suspended", "premium-unpaid"), (suspended.Status, suspended.SuspendReason));
        Assert.Equal("suspended", (await _patient.Client.MyPolicyAsync(policy.Policy.Id)).Policy.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _insurer.Client.SuspendPolicyAsync(policy.Policy.Id, "other"))).Status);
        Assert.Equal("active", (await _insurer.Client.ReinstatePolicyAsync(policy.Policy.Id)).Status);

        // Renewal: the next period under the plan's terms now, pending until its own premium is paid; the previous is renewed.
        var renewal = await _insurer.Client.RenewPolicyAsync(policy.Policy.Id);
        Assert.Equal(("pending", policy.Policy.PeriodEnd, policy.Policy.Id), (renewal.Policy.Status, renewal.Policy.PeriodStart, renewal.Policy.PreviousPolicyId!.Value));
        Assert.Equal("renewed", (await _patient.Client.MyPolicyAsync(policy.Policy.Id)).Policy.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _insurer.Client.RenewPolicyAsync(policy.Policy.Id))).Status);
        Assert.Equal(2, (await _patient.Client.MyPayablesAsync()).Count);
        Assert.NotEqual(policy.Card.CategorySalt, (await _patient.Client.MyPolicyAsync(renewal.Policy.Id)).Card.CategorySalt);

        // Past its period's end, an unpaid renewal expires on the next read (a peer-signed insurance.policy expire).
        Host.Clock.Advance(TimeSpan.FromDays(2 * 366 + 1));
        var patient = await World.LoginAsync(_patient.Email, _patient.Password, Role.Patient, null);
        var insurer = await World.LoginAsync(_insurer.Email, _insurer.Password, Role.InsurerStaff, _insurer.OrganizationId);
        Assert.Equal("expired", (await patient.Client.MyPolicyAsync(renewal.Policy.Id)).Policy.Status);
        Assert.Contains(await LedgerAbout(renewal.Policy.Id), t => t.Type == InsurancePolicyContract.TypeName && t.Payload["action"] == "expire");
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => insurer.Client.SuspendPolicyAsync(renewal.Policy.Id, "other"))).Status);
        Assert.DoesNotContain(await FindingsAsync(), f => f.StartsWith("policy", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_insurer_another_patient_and_bad_input_are_refused_and_nothing_changes()
    {
        await WorldAsync();
        var policy = await ActivePolicyAsync(_patient);
        var stranger = await World.RegisterAsync(Role.Patient);
        var rival = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Rival Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var pending = await stranger.Client.ApplyForInsuranceAsync(_plan.Id, Today);

        // Another patient's policy is not found; another insurer neither sees nor decides nor changes.
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => stranger.Client.MyPolicyAsync(policy.Policy.Id))).Status);
        Assert.Empty(await stranger.Client.MyPoliciesAsync());
        Assert.Empty(await rival.Client.InsurerApplicationsAsync());
        Assert.Empty(await rival.Client.InsurerPoliciesAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => rival.Client.InsurerPolicyAsync(policy.Policy.Id))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => rival.Client.DeclineApplicationAsync(pending.Id, "other"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => rival.Client.SuspendPolicyAsync(policy.Policy.Id, "other"))).Status);
        await Assert.ThrowsAnyAsync<Exception>(() => rival.Client.AcceptApplicationAsync(pending.Id));
        // A doctor or a pharmacist is not insurer staff (the refusal matrix covers every route; two spot checks here).
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Policy Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => pharmacist.Client.InsurerPoliciesAsync())).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => pharmacist.Client.ApplyForInsuranceAsync(_plan.Id, Today))).Status);

        // Bad input: a past or far-future period, an unknown plan.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => stranger.Client.ApplyForInsuranceAsync(_plan.Id, Today.AddDays(-1)))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => stranger.Client.ApplyForInsuranceAsync(_plan.Id, Today.AddDays(400)))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => stranger.Client.ApplyForInsuranceAsync(Guid.NewGuid(), Today.AddDays(2)))).Status);

        Assert.Equal("submitted", Assert.Single(await stranger.Client.MyInsuranceApplicationsAsync()).Status);
        Assert.Equal(0, await Db(db => db.Set<InsurancePolicy>().CountAsync(p => p.PatientId == stranger.Id)));
        Assert.Equal("active", (await _patient.Client.MyPolicyAsync(policy.Policy.Id)).Policy.Status);
    }

    [Fact]
    public async Task A_pharmacist_the_patient_shared_the_policy_card_with_checks_eligibility_by_tag_and_others_learn_nothing()
    {
        await WorldAsync();
        var policy = await ActivePolicyAsync(_patient);
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Eligible Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        var other = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Other Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        // Not shared yet: the policy is not found.
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => pharmacist.Client.EligibilityAsync(policy.Policy.Id, policy.Card.Tags["Outpatient"], Today))).Status);

        await _patient.Client.SharePolicyCardAsync(policy.Policy.Id, pharmacist.Id);
        var today = Today;
        var outpatient = await pharmacist.Client.CheckEligibilityAsync(policy.Policy.Id, "Outpatient", today);
        Assert.Equal((true, true, 100_000L, 100_000L, "active"), (outpatient.Covered, outpatient.WaitingPeriodPassed, outpatient.RemainingForTagMinor, outpatient.RemainingOverallMinor, outpatient.Status));
        // Maternity waits 30 days from the cover start.
        var maternity = await pharmacist.Client.CheckEligibilityAsync(policy.Policy.Id, "Maternity", today);
        Assert.Equal((false, false), (maternity.Covered, maternity.WaitingPeriodPassed));
        Assert.True((await pharmacist.Client.CheckEligibilityAsync(policy.Policy.Id, "Maternity", today.AddDays(31))).Covered);
        Assert.False((await pharmacist.Client.CheckEligibilityAsync(policy.Policy.Id, "Outpatient", today.AddYears(1).AddDays(1))).Covered);
        await Assert.ThrowsAsync<PolicyCheckException>(() => pharmacist.Client.CheckEligibilityAsync(policy.Policy.Id, "Dental", today));
        // The server only ever saw the tag; suspended cover is not covered.
        await _insurer.Client.SuspendPolicyAsync(policy.Policy.Id, "other");
        Assert.False((await pharmacist.Client.CheckEligibilityAsync(policy.Policy.Id, "Outpatient", today)).Covered);

        // Without a share another pharmacist learns nothing; the patient and insurer staff are not eligibility checkers; a bad tag is a 422.
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => other.Client.EligibilityAsync(policy.Policy.Id, policy.Card.Tags["Outpatient"], Today))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => _patient.Client.EligibilityAsync(policy.Policy.Id, policy.Card.Tags["Outpatient"], Today))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => _insurer.Client.EligibilityAsync(policy.Policy.Id, policy.Card.Tags["Outpatient"], Today))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => pharmacist.Client.EligibilityAsync(policy.Policy.Id, "Maternity", Today))).Status);
        // Only the patient shares, and only with a verified professional.
        var stranger = await World.RegisterAsync(Role.Patient);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => stranger.Client.SharePolicyCardAsync(policy.Policy.Id, other.Id))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _patient.Client.SharePolicyCardAsync(policy.Policy.Id, stranger.Id))).Status);
    }
}

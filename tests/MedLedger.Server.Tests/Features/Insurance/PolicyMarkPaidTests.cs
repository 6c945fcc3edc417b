using System.Net;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Insurance;

/// <summary>
/// Issue 17 item 2: "paid from the wallet, or marked paid by the insurer". The insurer's staff mark a pending policy's premium
/// paid with a signed insurance.policy activate; cover starts at the later of the period start and the mark; once, even racing;
/// another insurer is refused and changes nothing.
/// </summary>
public sealed class PolicyMarkPaidTests : RecordTestBase
{
    private async Task<(SdkUser Insurer, SdkUser Patient, Guid PolicyId)> PendingPolicyAsync(DateOnly start)
    {
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Marking Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var plan = await insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Mark " + Guid.NewGuid().ToString("N")[..6], null, "EUR", 2900, PremiumInterval.Monthly, 100_000,
            DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 100, null, 1000, 0)]));
        var patient = await World.RegisterAsync(Role.Patient);
        var application = await patient.Client.ApplyForInsuranceAsync(plan.Id, start);
        var accepted = await insurer.Client.AcceptApplicationAsync(application.Id);
        Assert.Equal("pending", accepted.Policy.Status);
        return (insurer, patient, accepted.Policy.Id);
    }

    /// <summary>Valid activations of the policy on the ledger (racing marks may be recorded too, refused by the contract: invalid).</summary>
    private async Task<int> ActivationsOnLedgerAsync(Guid policyId) =>
        (await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionsAboutAsync(policyId.ToString(), null, 1000))
            .Count(t => t.Valid && t.Transaction.Type == InsurancePolicyContract.TypeName && t.Transaction.Payload["action"] == InsurancePolicyContract.Activate);

    [Fact]
    public async Task Ten_concurrent_marks_activate_the_policy_once_with_cover_from_the_mark()
    {
        var (insurer, patient, policyId) = await PendingPolicyAsync(DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => insurer.Client.MarkPremiumPaidAsync(policyId)));
        Assert.All(results, r => Assert.Equal("active", r.Status));
        Assert.Single(results.Select(r => r.CoverStart).Distinct());
        // The start day has begun, so cover runs from the mark.
        Assert.InRange(results[0].CoverStart!.Value, before, DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(1, await ActivationsOnLedgerAsync(policyId));
        Assert.Equal("active", (await patient.Client.MyPolicyAsync(policyId)).Policy.Status);
        // Marked again later: the same policy, nothing new on the ledger.
        Assert.Equal(results[0].CoverStart, (await insurer.Client.MarkPremiumPaidAsync(policyId)).CoverStart);
        Assert.Equal(1, await ActivationsOnLedgerAsync(policyId));
    }

    [Fact]
    public async Task A_policy_starting_later_is_covered_from_its_start_date_not_from_the_mark()
    {
        var start = DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime).AddDays(10);
        var (insurer, _, policyId) = await PendingPolicyAsync(start);
        var marked = await insurer.Client.MarkPremiumPaidAsync(policyId);
        Assert.Equal(marked.PeriodStart, marked.CoverStart);
    }

    [Fact]
    public async Task Another_insurers_staff_cannot_mark_it_paid_and_nothing_changes()
    {
        var (_, patient, policyId) = await PendingPolicyAsync(DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var rival = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Rival Mutual " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => rival.Client.MarkPremiumPaidAsync(policyId))).Status);
        // Even with a well-formed activate signed by the rival and posted straight to the route.
        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await rival.Client.GetAccessTokenAsync());
        var response = await http.PostAsync($"/api/insurance/insurer/policies/{policyId}/mark-paid", System.Net.Http.Json.JsonContent.Create(new { transaction = new { } }));
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, response.StatusCode.ToString());
        Assert.Equal("pending", (await patient.Client.MyPolicyAsync(policyId)).Policy.Status);
        Assert.Equal(0, await ActivationsOnLedgerAsync(policyId));
    }
}

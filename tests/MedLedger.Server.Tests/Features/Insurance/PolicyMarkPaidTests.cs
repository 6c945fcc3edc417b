using System.Net;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
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

    private async Task<IReadOnlyList<string>> AuditAsync()
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        return await LedgerRowAudit.RunAsync(scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>(), Host.Service<LedgerGateway>().Peer.Store, CancellationToken.None);
    }

    [Fact]
    public async Task Marking_the_premium_paid_closes_the_patients_payable_so_it_cannot_be_paid_twice()
    {
        var (insurer, patient, policyId) = await PendingPolicyAsync(DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var premium = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceId == policyId);
        await patient.Client.TopUpAsync(premium.Amount, "EUR", "card-auth-" + Guid.NewGuid().ToString("N")[..8]);
        // Signed before the mark, so the server (not the client's own check) has to refuse it.
        var intent = await patient.Client.PreparePaymentAsync(premium.Id);
        Assert.Equal("active", (await insurer.Client.MarkPremiumPaidAsync(policyId)).Status);

        var closed = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.Id == premium.Id);
        Assert.Equal((null, "paid-elsewhere"), (closed.PaymentId, closed.ClosedReason));
        Assert.NotNull(closed.ClosedAt);
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => patient.Client.SubmitPaymentAsync(intent));
        Assert.Equal(HttpStatusCode.Conflict, refused.Status);
        Assert.EndsWith("/payable-closed", refused.ProblemType);
        await Assert.ThrowsAsync<PaymentCheckException>(() => patient.Client.PayAsync(premium.Id));
        // Nothing moved: the wallet still holds the top-up, nothing is held, the journal balances, and the ledger took the reference.
        Assert.Equal(premium.Amount, (await patient.Client.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance);
        Assert.Equal(0, await Db(db => db.Set<PaymentAccount>().SumAsync(a => a.Balance)));
        Assert.Equal(0, await Db(db => db.Set<Payment>().CountAsync(p => p.PayableId == premium.Id)));
        Assert.StartsWith("marked-paid:", await Host.Service<LedgerGateway>().Peer.Queries.GetStateAsync(PaymentKeys.Reference("policy", policyId.ToString()), default));
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task A_premium_paid_from_the_wallet_first_makes_the_mark_harmless()
    {
        var (insurer, patient, policyId) = await PendingPolicyAsync(DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var premium = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceId == policyId);
        await patient.Client.TopUpAsync(premium.Amount, "EUR", "card-auth-" + Guid.NewGuid().ToString("N")[..8]);
        await patient.Client.PayAsync(premium.Id);
        Assert.Equal("active", (await insurer.Client.MarkPremiumPaidAsync(policyId)).Status);
        var paid = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.Id == premium.Id);
        Assert.Equal((true, (DateTimeOffset?)null), (paid.PaymentId is not null, paid.ClosedAt));
        Assert.Equal(0, (await patient.Client.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance);
        Assert.Equal(1, await ActivationsOnLedgerAsync(policyId));
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task A_wallet_payment_racing_marks_settles_the_premium_exactly_once()
    {
        for (var round = 0; round < 3; round++)
        {
            var (insurer, patient, policyId) = await PendingPolicyAsync(DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
            var premium = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.ReferenceId == policyId);
            await patient.Client.TopUpAsync(premium.Amount, "EUR", "card-auth-" + Guid.NewGuid().ToString("N")[..8]);
            var intent = await patient.Client.PreparePaymentAsync(premium.Id);
            var pay = Task.Run(async () =>
            {
                try
                {
                    await patient.Client.SubmitPaymentAsync(intent);
                    return true;
                }
                catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
                {
                    return false;
                }
            });
            var marks = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                try
                {
                    return (await insurer.Client.MarkPremiumPaidAsync(policyId)).Status;
                }
                catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
                {
                    return "conflict";
                }
            })).ToList();
            var paidFromWallet = await pay;
            await Task.WhenAll(marks);

            // Exactly one outcome: paid from the wallet (money moved once, the payable settled) or marked (nothing moved, the payable closed).
            Assert.Equal("active", (await patient.Client.MyPolicyAsync(policyId)).Policy.Status);
            Assert.Equal(1, await ActivationsOnLedgerAsync(policyId));
            var payable = Assert.Single(await patient.Client.MyPayablesAsync(), p => p.Id == premium.Id);
            Assert.True(payable.PaymentId is null != payable.ClosedAt is null, $"paid {payable.PaymentId}, closed {payable.ClosedAt}");
            Assert.Equal(paidFromWallet, payable.PaymentId is not null);
            Assert.Equal(paidFromWallet ? 0 : premium.Amount, (await patient.Client.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance);
            Assert.Equal(paidFromWallet ? 1 : 0, await Db(db => db.Set<Payment>().CountAsync(p => p.PayableId == premium.Id && p.Status == PaymentStatus.Paid)));
            Assert.Equal(0, await Db(db => db.Set<Payment>().CountAsync(p => p.Status == PaymentStatus.Pending)));
            Assert.Equal(0, await Db(db => db.Set<PaymentAccount>().SumAsync(a => a.Balance)));
            Assert.Equal(0, await Db(db => db.Set<PaymentAccount>().Where(a => a.Kind == AccountKinds.PaymentsPending).SumAsync(a => a.Balance)));
        }
        Assert.Empty(await AuditAsync());
    }
}

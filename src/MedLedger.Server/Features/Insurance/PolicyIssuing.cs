using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>What a committed insurance.policy stores beyond its transaction (issue/renew: the pinned terms and the sealed cards).</summary>
public sealed record PolicyRows(Guid PolicyId, string Action, DateTimeOffset At, Guid? ApplicationId = null, byte[]? Terms = null, byte[]? SealedCardForPatient = null,
    byte[]? SealedCardForInsurer = null);

/// <summary>
/// Insurer staff accept an application or renew a policy: the insurer's client signs insurance.policy (issue or renew) over the
/// plan's terms as they stand now (revision, terms hash, amounts, one tagged benefit per category) and seals the policy card.
/// The server checks that the transaction says exactly what the application and the plan say (a stale plan revision is a 409),
/// then (1) marks the application accepting, so a concurrent decline or second accept is a 409, (2) submits the transaction
/// through the roll-forward, whose row writer (<see cref="PolicyProgress.WriteRowsAsync"/>) stores the policy, marks the
/// application accepted and issues the premium payable. A refusal puts the application back to submitted; a crash in between is
/// settled at the next start (<see cref="AcceptingApplicationRepair"/>).
/// </summary>
public sealed class PolicyIssuing(MedLedgerDbContext db, PlanFinder plans, PolicyApplying applications, LedgerRollForward rollForward, PolicyQueries queries,
    PolicyLifecycle lifecycle, TimeProvider clock)
{
    public async Task<PolicyResponse> AcceptAsync(Caller staff, Guid applicationId, IssuePolicyRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var application = await applications.OwnAsync(staff, applicationId, ct);
        if (application.Status != ApplicationStatus.Submitted)
        {
            throw PolicyApplying.Decided(application.Id, application.Status);
        }
        var (tx, terms) = await CheckAsync(staff, r, InsurancePolicyContract.Issue, application.PatientId, application.PlanId, application.PeriodStart, ct);
        if (await db.Set<InsuranceApplication>().Where(a => a.Id == applicationId && a.Status == ApplicationStatus.Submitted)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, ApplicationStatus.Accepting), ct) != 1)
        {
            throw PolicyApplying.Decided(application.Id, ApplicationStatus.Accepting);
        }
        try
        {
            await rollForward.SubmitAsync(tx, Rows(tx, r, applicationId, terms), ct);
        }
        catch (ProblemException)
        {
            await db.Set<InsuranceApplication>().Where(a => a.Id == applicationId && a.Status == ApplicationStatus.Accepting)
                .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, ApplicationStatus.Submitted), CancellationToken.None);
            throw;
        }
        return await queries.ResponseAsync(Guid.Parse(tx.Get("policyId")!), staff, ct);
    }

    /// <summary>Insurer staff: a new policy for the next period of an active one (the plan's terms now); the previous becomes renewed.</summary>
    public async Task<PolicyResponse> RenewAsync(Caller staff, Guid policyId, IssuePolicyRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var insurer = staff.Organization;
        await lifecycle.SweepAsync(p => p.Id == policyId && p.InsurerOrganizationId == insurer, ct);
        var previous = await db.Set<InsurancePolicy>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == policyId && p.InsurerOrganizationId == insurer, ct)
            ?? throw ProblemException.NotFound($"Policy {policyId}");
        if (previous.Status != PolicyStatus.Active)
        {
            throw PolicyProgress.Transition(policyId, previous.Status, InsurancePolicyContract.Renew);
        }
        var (tx, terms) = await CheckAsync(staff, r, InsurancePolicyContract.Renew, previous.PatientId, previous.PlanId, DateOnly.FromDateTime(previous.PeriodEnd.UtcDateTime), ct);
        if (tx.Get("previousPolicyId") != policyId.ToString())
        {
            throw ProblemException.Invalid("transaction", "A renewal names the policy it renews as previousPolicyId.");
        }
        await rollForward.SubmitAsync(tx, Rows(tx, r, null, terms), ct);
        return await queries.ResponseAsync(Guid.Parse(tx.Get("policyId")!), staff, ct);
    }

    private PolicyRows Rows(LedgerTransaction tx, IssuePolicyRequest r, Guid? applicationId, byte[] terms) =>
        new(Guid.Parse(tx.Get("policyId")!), tx.Get("action")!, clock.GetUtcNow(), applicationId, terms, r.SealedCardForPatient, r.SealedCardForInsurer);

    /// <summary>The signed issue/renew must say exactly what the application (or previous policy) and the plan's current terms say.</summary>
    private async Task<(LedgerTransaction Tx, byte[] Terms)> CheckAsync(Caller staff, IssuePolicyRequest r, string action, Guid patientId, Guid planId, DateOnly periodStart, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, InsurancePolicyContract.TypeName, staff.Id);
        var v = new Validator();
        v.Require(r.SealedCardForPatient is { Length: > 0 and <= PolicyRules.MaxSealedCard }, "sealedCardForPatient", "The policy card sealed for the patient is required (at most 8 KiB).");
        v.Require(r.SealedCardForInsurer is { Length: > 0 and <= PolicyRules.MaxSealedCard }, "sealedCardForInsurer", "The policy card sealed for the insurer is required (at most 8 KiB).");
        v.ThrowIfInvalid();
        var (plan, benefits) = await plans.RawAsync(planId, ct) ?? throw ProblemException.NotFound($"Plan {planId}");
        if (!Guid.TryParseExact(tx.Get("policyId"), "D", out var policyId) || tx.Get("action") != action || tx.Get("insurerId") != staff.Organization.ToString()
            || plan.InsurerOrganizationId != staff.Organization || tx.Get("patientId") != patientId.ToString() || tx.Get("planId") != planId.ToString()
            || tx.Get("periodStartMs") != Ms(PolicyRules.PeriodStart(periodStart)) || tx.Get("periodEndMs") != Ms(PolicyRules.PeriodEnd(periodStart)))
        {
            throw ProblemException.Invalid("transaction", $"The insurance.policy must be a {action} naming a new policy id, your insurer, this patient, plan and period.");
        }
        if (tx.Get("planRevision") != plan.Revision.ToString(CultureInfo.InvariantCulture))
        {
            throw new ProblemException(409, "stale-plan-revision", "Plan changed meanwhile", $"Plan {planId} is at revision {plan.Revision}; read it again and sign its terms now.");
        }
        var terms = PolicyRules.TermsOf(plan, benefits);
        var signed = tx.Payload.Where(p => p.Key.StartsWith(InsurancePolicyContract.BenefitPrefix, StringComparison.Ordinal)).Select(p => p.Value).Order(StringComparer.Ordinal);
        var expected = benefits.Select(b => InsurancePolicyContract.BenefitTerms(b.CoveragePercent, b.CopayMinor, b.AnnualLimitMinor, b.WaitingPeriodDays)).Order(StringComparer.Ordinal);
        if (tx.Get("termsHash") != terms.Hash() || tx.Get("currency") != plan.Currency || tx.Get("premiumMinor") != Ms(plan.PremiumMinor)
            || tx.Get("annualLimitMinor") != Ms(plan.AnnualLimitMinor) || !signed.SequenceEqual(expected))
        {
            throw ProblemException.Invalid("transaction", "The insurance.policy's terms hash, amounts or benefits are not the plan's terms at this revision.");
        }
        if (await db.Set<InsurancePolicy>().AnyAsync(p => p.Id == policyId, ct))
        {
            throw ProblemException.Conflict($"Policy {policyId} exists already.");
        }
        return (tx, terms.ToCanonicalJson());
    }

    private static string Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    private static string Ms(long v) => v.ToString(CultureInfo.InvariantCulture);
}

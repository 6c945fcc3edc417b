using System.Globalization;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>
/// Insurer staff suspend (with a reason code) and reinstate their insurer's policies; and the row writer of every committed
/// insurance.policy. A wrong transition is a 409 before anything reaches the ledger; the contract enforces the same state
/// machine, so of two racing changes one wins.
/// </summary>
public sealed class PolicyProgress(MedLedgerDbContext db, PayableService payables, LedgerRollForward rollForward, PolicyLifecycle lifecycle, PolicyQueries queries,
    TimeProvider clock)
{
    /// <summary>The caller's insurer's policy, its lifecycle swept first; another insurer's is a 404.</summary>
    private async Task<InsurancePolicy> OwnPolicyAsync(Caller staff, Guid policyId, CancellationToken ct)
    {
        var insurer = staff.Organization;
        await lifecycle.SweepAsync(p => p.Id == policyId && p.InsurerOrganizationId == insurer, ct);
        return await db.Set<InsurancePolicy>().AsNoTracking().FirstOrDefaultAsync(p => p.Id == policyId && p.InsurerOrganizationId == insurer, ct)
            ?? throw ProblemException.NotFound($"Policy {policyId}");
    }

    public async Task<PolicyResponse> ChangeAsync(Caller staff, Guid policyId, string action, PolicyChangeRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var policy = await OwnPolicyAsync(staff, policyId, ct);
        var tx = LedgerGateway.Expect(r.Transaction, InsurancePolicyContract.TypeName, staff.Id);
        if (tx.Get("action") != action || tx.Get("policyId") != policyId.ToString())
        {
            throw ProblemException.Invalid("transaction", $"The insurance.policy must be a {action} of this policy.");
        }
        if (action == InsurancePolicyContract.Suspend && !InsurancePolicyContract.SuspendReasons.Contains(tx.Get("reason") ?? ""))
        {
            throw ProblemException.Invalid("reason", "One of premium-unpaid, fraud-suspected, patient-request, other.");
        }
        var from = action == InsurancePolicyContract.Suspend ? PolicyStatus.Active : PolicyStatus.Suspended;
        if (policy.Status != from)
        {
            throw Transition(policyId, policy.Status, action);
        }
        await rollForward.SubmitAsync(tx, new PolicyRows(policyId, action, clock.GetUtcNow()), ct);
        return await queries.ResponseAsync(policyId, staff, ct);
    }

    /// <summary>The most a mark-paid transaction's signed time may lie from the server's clock.</summary>
    public const long MaxMarkSkewMs = 15 * 60 * 1000;

    /// <summary>
    /// The insurer marks a pending policy's premium paid (issue item 2: "paid from the wallet, or marked paid by the insurer"): an
    /// insurer-staff-signed insurance.policy activate whose cover starts at the later of the period start and the mark's signed time
    /// (within <see cref="MaxMarkSkewMs"/> of the server's clock). Idempotent: a policy already active (marked, paid from the wallet
    /// or a concurrent mark that won) is answered as it is. Another insurer's policy is a 404.
    /// </summary>
    public async Task<PolicyResponse> MarkPaidAsync(Caller staff, Guid policyId, PolicyChangeRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var policy = await OwnPolicyAsync(staff, policyId, ct);
        var tx = LedgerGateway.Expect(r.Transaction, InsurancePolicyContract.TypeName, staff.Id);
        if (tx.Get("action") != InsurancePolicyContract.Activate || tx.Get("policyId") != policyId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The insurance.policy must be an activate of this policy.");
        }
        if (policy.Status == PolicyStatus.Active)
        {
            return await queries.ResponseAsync(policyId, staff, ct);
        }
        if (policy.Status != PolicyStatus.Pending)
        {
            throw Transition(policyId, policy.Status, "be marked paid");
        }
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var expectedCover = Math.Max(policy.PeriodStart.ToUnixTimeMilliseconds(), tx.TimestampMs);
        if (Math.Abs(tx.TimestampMs - now) > MaxMarkSkewMs || tx.Get("coverStartMs") != expectedCover.ToString(CultureInfo.InvariantCulture))
        {
            throw ProblemException.Invalid("transaction", "coverStartMs must be the later of the period start and the transaction's time, signed within 15 minutes of the server's clock.");
        }
        if (expectedCover >= policy.PeriodEnd.ToUnixTimeMilliseconds())
        {
            throw Transition(policyId, policy.Status, "be marked paid after its period");
        }
        try
        {
            await rollForward.SubmitAsync(tx, new PolicyRows(policyId, InsurancePolicyContract.Activate, clock.GetUtcNow()), ct);
        }
        catch (ProblemException e) when (e.Status == 409)
        {
            // A concurrent mark (or a wallet payment, which the ledger then prefers: it took the premium's reference first)
            // committed first: the policy is active once, with that cover. A wallet payment's activation happens on the sweep.
            await lifecycle.SweepAsync(p => p.Id == policyId, ct);
            if (await db.Set<InsurancePolicy>().AsNoTracking().AnyAsync(p => p.Id == policyId && p.Status == PolicyStatus.Active, ct) is false)
            {
                throw;
            }
        }
        return await queries.ResponseAsync(policyId, staff, ct);
    }

    internal static ProblemException Transition(Guid policyId, PolicyStatus status, string action) =>
        new(409, "policy-transition", "Not possible in this state", $"Policy {policyId} is {PolicyRules.Name(status)}; it cannot {action}.");

    /// <summary>
    /// Writes a committed insurance.policy (inside the roll-forward's transaction, once per transaction). issue/renew: the policy
    /// row from the transaction's own ids and amounts, the application accepted, the previous policy renewed, and the premium
    /// payable (reference kind "policy"); the other actions flip the status once by a conditional update.
    /// </summary>
    internal async Task WriteRowsAsync(MedLedger.Ledger.LedgerTransaction tx, PolicyRows rows, CancellationToken ct)
    {
        var id = rows.PolicyId;
        switch (tx.Get("action"))
        {
            case InsurancePolicyContract.Issue or InsurancePolicyContract.Renew:
                if (await db.Set<InsurancePolicy>().AnyAsync(p => p.Id == id, ct))
                {
                    return;
                }
                var policy = new InsurancePolicy
                {
                    Id = id, ApplicationId = rows.ApplicationId, PatientId = Guid.Parse(tx.Get("patientId")!), InsurerOrganizationId = Guid.Parse(tx.Get("insurerId")!),
                    PlanId = Guid.Parse(tx.Get("planId")!), PlanRevision = int.Parse(tx.Get("planRevision")!, CultureInfo.InvariantCulture), Terms = rows.Terms ?? [],
                    TermsHash = tx.Get("termsHash")!, PeriodStart = At(tx.Get("periodStartMs")), PeriodEnd = At(tx.Get("periodEndMs")), Currency = tx.Get("currency")!,
                    PremiumMinor = Long(tx.Get("premiumMinor")), AnnualLimitMinor = Long(tx.Get("annualLimitMinor")), Status = PolicyStatus.Pending,
                    SealedCardForPatient = rows.SealedCardForPatient ?? [], SealedCardForInsurer = rows.SealedCardForInsurer ?? [], IssueTransactionId = tx.Id,
                    PreviousPolicyId = tx.Get("previousPolicyId") is { } prev ? Guid.Parse(prev) : null, IssuedBy = Guid.Parse(tx.ActorId), IssuedAt = rows.At, UpdatedAt = rows.At,
                };
                db.Add(policy);
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                if (rows.ApplicationId is { } applicationId)
                {
                    await db.Set<InsuranceApplication>().Where(a => a.Id == applicationId && (a.Status == ApplicationStatus.Accepting || a.Status == ApplicationStatus.Submitted))
                        .ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, ApplicationStatus.Accepted).SetProperty(a => a.PolicyId, id)
                            .SetProperty(a => a.DecidedBy, policy.IssuedBy).SetProperty(a => a.DecidedAt, rows.At), ct);
                }
                if (policy.PreviousPolicyId is { } previous)
                {
                    await Flip(previous, PolicyStatus.Active, PolicyStatus.Renewed, rows, ct);
                }
                await payables.IssueCommittedAsync(id, policy.InsurerOrganizationId, policy.PatientId, PolicyRules.PayableKind, id, policy.PremiumMinor, policy.Currency,
                    policy.IssuedBy, ct);
                return;
            case InsurancePolicyContract.Activate:
                await db.Set<InsurancePolicy>().Where(p => p.Id == id && p.Status == PolicyStatus.Pending)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PolicyStatus.Active).SetProperty(p => p.CoverStart, At(tx.Get("coverStartMs")))
                        .SetProperty(p => p.UpdatedAt, rows.At), ct);
                if (!tx.IsSystemEvent)
                {
                    // The insurer marked the premium paid (the ledger took its payment reference): the patient's payable closes with it.
                    await payables.CloseCommittedAsync(PolicyRules.PayableKind, id, PayableClosings.PaidElsewhere, rows.At, ct);
                }
                return;
            case InsurancePolicyContract.Suspend:
                await db.Set<InsurancePolicy>().Where(p => p.Id == id && p.Status == PolicyStatus.Active)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PolicyStatus.Suspended).SetProperty(p => p.SuspendReason, tx.Get("reason"))
                        .SetProperty(p => p.UpdatedAt, rows.At), ct);
                return;
            case InsurancePolicyContract.Reinstate:
                await db.Set<InsurancePolicy>().Where(p => p.Id == id && p.Status == PolicyStatus.Suspended)
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PolicyStatus.Active).SetProperty(p => p.SuspendReason, (string?)null)
                        .SetProperty(p => p.UpdatedAt, rows.At), ct);
                return;
            default:
                await db.Set<InsurancePolicy>().Where(p => p.Id == id && (p.Status == PolicyStatus.Pending || p.Status == PolicyStatus.Active || p.Status == PolicyStatus.Suspended))
                    .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PolicyStatus.Expired).SetProperty(p => p.UpdatedAt, rows.At), ct);
                return;
        }
    }

    private Task<int> Flip(Guid id, PolicyStatus from, PolicyStatus to, PolicyRows rows, CancellationToken ct) =>
        db.Set<InsurancePolicy>().Where(p => p.Id == id && p.Status == from).ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, to).SetProperty(p => p.UpdatedAt, rows.At), ct);

    private static long Long(string? s) => long.Parse(s!, NumberStyles.None, CultureInfo.InvariantCulture);

    private static DateTimeOffset At(string? ms) => DateTimeOffset.FromUnixTimeMilliseconds(Long(ms));
}

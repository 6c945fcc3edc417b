using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>
/// A patient's own policies; an insurer's policies for its own staff (each with the card sealed for that side). Another
/// patient's or another insurer's policy is "not found". Paid and ended policies are moved on first (<see cref="PolicyLifecycle"/>).
/// </summary>
public sealed class PolicyQueries(MedLedgerDbContext db, LedgerGateway ledger, PolicyLifecycle lifecycle)
{
    public async Task<IReadOnlyList<PolicyResponse>> ListAsync(Caller caller, CancellationToken ct)
    {
        var (patient, insurer) = Scope(caller);
        await lifecycle.SweepAsync(p => p.PatientId == patient || p.InsurerOrganizationId == insurer, ct);
        return (await db.Set<InsurancePolicy>().AsNoTracking().Where(p => p.PatientId == patient || p.InsurerOrganizationId == insurer).ToListAsync(ct))
            .OrderBy(p => p.PeriodStart).ThenBy(p => p.IssuedAt).ThenBy(p => p.Id).Select(p => ToResponse(p, caller, null)).ToList();
    }

    public async Task<PolicyResponse> GetAsync(Caller caller, Guid policyId, CancellationToken ct)
    {
        var (patient, insurer) = Scope(caller);
        await lifecycle.SweepAsync(p => p.Id == policyId && (p.PatientId == patient || p.InsurerOrganizationId == insurer), ct);
        return await db.Set<InsurancePolicy>().AnyAsync(p => p.Id == policyId && (p.PatientId == patient || p.InsurerOrganizationId == insurer), ct)
            ? await ResponseAsync(policyId, caller, ct)
            : throw ProblemException.NotFound($"Policy {policyId}");
    }

    /// <summary>A policy with the receipt of its issue (no visibility check: callers checked it).</summary>
    internal async Task<PolicyResponse> ResponseAsync(Guid policyId, Caller caller, CancellationToken ct)
    {
        var p = await db.Set<InsurancePolicy>().AsNoTracking().FirstAsync(x => x.Id == policyId, ct);
        return ToResponse(p, caller, await ledger.Peer.Queries.GetReceiptAsync(p.IssueTransactionId, ct));
    }

    /// <summary>A patient sees their own; insurer staff their organization's. Guid.Empty never matches a row.</summary>
    private static (Guid Patient, Guid Insurer) Scope(Caller caller) =>
        caller.Role == Role.Patient ? (caller.Id, Guid.Empty) : (Guid.Empty, caller.Organization);

    private static PolicyResponse ToResponse(InsurancePolicy p, Caller caller, MedLedger.Ledger.LedgerReceipt? receipt) =>
        new(p.Id, p.ApplicationId, p.PatientId, p.InsurerOrganizationId, p.PlanId, p.PlanRevision, p.Terms, p.TermsHash, p.PeriodStart, p.PeriodEnd, p.CoverStart,
            p.Currency, p.PremiumMinor, p.AnnualLimitMinor, PolicyRules.Name(p.Status), p.SuspendReason, p.PreviousPolicyId,
            caller.Role == Role.Patient ? p.SealedCardForPatient : p.SealedCardForInsurer, p.IssueTransactionId, p.IssuedAt, p.UpdatedAt, receipt);
}

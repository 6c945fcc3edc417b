using System.Globalization;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Insurance;

/// <summary>
/// Eligibility (item 3): a patient shares their policy card with a verified doctor, hospital staff member or pharmacist; that
/// professional asks whether a benefit tag covers a date. The answer is read from the ledger's policy state only (status,
/// cover start, period end, the tag's terms and used amounts); the server never learns the category (the tag is computed on
/// the professional's device from the card).
/// </summary>
public sealed class PolicyEligibility(MedLedgerDbContext db, AccountDirectory accounts, LedgerGateway ledger, PolicyLifecycle lifecycle, TimeProvider clock)
{
    private static readonly Role[] Professionals = [Role.Doctor, Role.HospitalStaff, Role.Pharmacist];

    public async Task<PolicyShareResponse> ShareAsync(Caller patient, Guid policyId, SharePolicyRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        if (!await db.Set<InsurancePolicy>().AnyAsync(p => p.Id == policyId && p.PatientId == patient.Id, ct))
        {
            throw ProblemException.NotFound($"Policy {policyId}");
        }
        var v = new Validator();
        v.Require(r.SealedCard is { Length: > 0 and <= PolicyRules.MaxSealedCard }, "sealedCard", "The policy card sealed for the professional is required (at most 8 KiB).");
        v.ThrowIfInvalid();
        if (await accounts.FindAsync(r.GranteeId, ct) is not { } grantee || !Professionals.Contains(grantee.Role) || grantee.Verification != VerificationStatus.Approved
            || grantee.Suspended)
        {
            throw ProblemException.Invalid("granteeId", "A policy card is shared with a verified doctor, hospital staff member or pharmacist.");
        }
        var now = clock.GetUtcNow();
        var updated = await db.Set<InsurancePolicyShare>().Where(s => s.PolicyId == policyId && s.GranteeId == r.GranteeId)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.SealedCard, r.SealedCard).SetProperty(x => x.CreatedAt, now), ct);
        if (updated == 0)
        {
            db.Add(new InsurancePolicyShare { Id = Guid.NewGuid(), PolicyId = policyId, PatientId = patient.Id, GranteeId = r.GranteeId, SealedCard = r.SealedCard, CreatedAt = now });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                throw ProblemException.Conflict($"Policy {policyId} is being shared with {r.GranteeId} by another request.");
            }
        }
        return ToResponse(await db.Set<InsurancePolicyShare>().AsNoTracking().FirstAsync(s => s.PolicyId == policyId && s.GranteeId == r.GranteeId, ct));
    }

    /// <summary>Professional: the policy cards patients shared with you.</summary>
    public async Task<IReadOnlyList<PolicyShareResponse>> SharedWithMeAsync(Caller professional, CancellationToken ct)
    {
        RequireProfessional(professional);
        return (await db.Set<InsurancePolicyShare>().AsNoTracking().Where(s => s.GranteeId == professional.Id).ToListAsync(ct))
            .OrderBy(s => s.CreatedAt).Select(ToResponse).ToList();
    }

    public async Task<EligibilityResponse> CheckAsync(Caller professional, Guid policyId, string? tag, DateOnly? date, CancellationToken ct)
    {
        RequireProfessional(professional);
        // Without the patient's share the policy is not theirs to learn about.
        if (!await db.Set<InsurancePolicyShare>().AnyAsync(s => s.PolicyId == policyId && s.GranteeId == professional.Id, ct))
        {
            throw ProblemException.NotFound($"Policy {policyId}");
        }
        var v = new Validator();
        v.Require(tag is { Length: 64 } t && t.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'), "tag", "tag is a benefit tag: 64 lower-case hex characters from the policy card.");
        v.ThrowIfInvalid();
        var day = date ?? DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await lifecycle.SweepAsync(p => p.Id == policyId, ct);
        var id = policyId.ToString();
        var q = ledger.Peer.Queries;
        var status = await q.GetStateAsync(InsurancePolicyKeys.Status(id), ct) ?? throw ProblemException.NotFound($"Policy {policyId}");
        var terms = await q.GetStateAsync(InsurancePolicyKeys.Benefit(id, tag!), ct);
        var currency = await q.GetStateAsync(InsurancePolicyKeys.Currency(id), ct) ?? "";
        var at = PolicyRules.PeriodStart(day);
        var coverStart = Ms(await q.GetStateAsync(InsurancePolicyKeys.CoverStart(id), ct));
        var periodEnd = Ms(await q.GetStateAsync(InsurancePolicyKeys.PeriodEnd(id), ct));
        var remainingOverall = Math.Max(0, Long(await q.GetStateAsync(InsurancePolicyKeys.AnnualLimit(id), ct)) - Long(await q.GetStateAsync(InsurancePolicyKeys.Used(id), ct)));
        if (terms is null || !InsurancePolicyContract.TryParseBenefit(terms, out _, out _, out var limit, out var waiting))
        {
            return new EligibilityResponse(policyId, tag!, day, status, false, false, 0, remainingOverall, currency);
        }
        var remainingTag = Math.Max(0, limit - Long(await q.GetStateAsync(InsurancePolicyKeys.BenefitUsed(id, tag!), ct)));
        // A date is covered when its whole day lies after the cover start (the premium was paid) and before the period's end.
        var inCover = coverStart is { } c && periodEnd is { } e && at.AddDays(1) > c && at < e;
        var waited = coverStart is { } cs && at >= PolicyRules.PeriodStart(DateOnly.FromDateTime(cs.UtcDateTime)).AddDays(waiting);
        var covered = status == InsurancePolicyContract.Active && inCover && waited && remainingTag > 0 && remainingOverall > 0;
        return new EligibilityResponse(policyId, tag!, day, status, covered, waited, Math.Min(remainingTag, remainingOverall), remainingOverall, currency);
    }

    private static void RequireProfessional(Caller caller)
    {
        if (!Professionals.Contains(caller.Role))
        {
            throw ProblemException.Forbidden("Eligibility is for hospital and pharmacy professionals a patient shared their policy card with.");
        }
    }

    private static long Long(string? s) => long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private static DateTimeOffset? Ms(string? s) => s is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(Long(s));

    private static PolicyShareResponse ToResponse(InsurancePolicyShare s) => new(s.Id, s.PolicyId, s.PatientId, s.GranteeId, s.SealedCard, s.CreatedAt);
}

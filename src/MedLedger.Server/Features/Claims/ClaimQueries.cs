using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Claims;

/// <summary>
/// Who sees which claims: the patient every claim in their name; insurer staff their insurer's; a provider's staff their
/// organization's. Anything else is "not found". Each claim carries the receipt of its file transaction.
/// </summary>
public sealed class ClaimQueries(MedLedgerDbContext db, LedgerGateway ledger, ClaimDocuments documents)
{
    public const int MaxListed = 500;

    public async Task<IReadOnlyList<ClaimResponse>> ListAsync(Caller caller, string? status, bool disputedOnly, CancellationToken ct)
    {
        if (status is not null && !ClaimStatus.Listable.Contains(status))
        {
            throw ProblemException.Invalid("status", "One of filing, filed, approved, partly-approved, rejected, reversed, paying, paid.");
        }
        var ids = await Visible(caller).Where(c => (status == null || c.Status == status) && (!disputedOnly || c.Dispute != null))
            .OrderBy(c => c.FiledAt).ThenBy(c => c.Id).Select(c => c.Id).Take(MaxListed).ToListAsync(ct);
        var list = new List<ClaimResponse>(ids.Count);
        foreach (var id in ids)
        {
            list.Add(await ResponseAsync(id, ct));
        }
        return list;
    }

    public async Task<ClaimResponse> GetAsync(Caller caller, Guid claimId, CancellationToken ct) =>
        await Visible(caller).AnyAsync(c => c.Id == claimId, ct) ? await ResponseAsync(claimId, ct) : throw ProblemException.NotFound($"Claim {claimId}");

    /// <summary>The claims a caller may see: a patient's own, an insurer's or a provider organization's. Guid.Empty never matches.</summary>
    internal IQueryable<InsuranceClaim> Visible(Caller caller)
    {
        var claims = db.Set<InsuranceClaim>().AsNoTracking();
        return caller.Role switch
        {
            Role.Patient => claims.Where(c => c.PatientId == caller.Id),
            Role.InsurerStaff => claims.Where(c => c.InsurerOrganizationId == (caller.OrganizationId ?? Guid.Empty)),
            Role.Doctor or Role.HospitalStaff or Role.Pharmacist => claims.Where(c => c.ProviderOrganizationId == (caller.OrganizationId ?? Guid.Empty)),
            _ => claims.Where(c => false),
        };
    }

    /// <summary>One claim with its lines, its documents and its file receipt (no visibility check: callers checked it).</summary>
    internal async Task<ClaimResponse> ResponseAsync(Guid claimId, CancellationToken ct)
    {
        var c = await db.Set<InsuranceClaim>().AsNoTracking().FirstAsync(x => x.Id == claimId, ct);
        var lines = await db.Set<InsuranceClaimLine>().AsNoTracking().Where(l => l.ClaimId == claimId).OrderBy(l => l.Line).ToListAsync(ct);
        var receipt = c.Status == ClaimStatus.Filing ? null : await ledger.Peer.Queries.GetReceiptAsync(c.FileTransactionId, ct);
        return new ClaimResponse(c.Id, c.PolicyId, c.PatientId, c.InsurerOrganizationId, c.ProviderOrganizationId, c.FiledBy, c.PayeeKind, c.PayeeId, c.Currency,
            c.DocumentsHash, c.Status, c.ClaimedMinor, c.ReservedMinor, c.ApprovedMinor, c.PaidMinor, c.Dispute, c.ReverseReason, await documents.LinkedAsync(claimId, ct),
            lines.Select(l => new ClaimLineResponse(l.Line, l.Tag, l.AmountMinor, DateTimeOffset.FromUnixTimeMilliseconds(l.ServiceDateMs), l.Token, l.Outcome, l.PayableMinor,
                l.Decision, l.ApprovedMinor, l.Reason)).ToList(),
            c.FileTransactionId, c.FiledAt, c.UpdatedAt, receipt, c.Dispense, c.CopayMinor, c.CopayPayableId);
    }
}

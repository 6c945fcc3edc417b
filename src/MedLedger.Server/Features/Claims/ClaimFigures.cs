using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Claims;

/// <summary>Claims of one insurer in one currency: counts by state and amounts (metadata only, never a category or a person).</summary>
public sealed record InsurerClaimFigures(
    Guid InsurerId, string Currency, int Claims, int AwaitingDecision, int Approved, int PartlyApproved, int Rejected, int Reversed, int Paid,
    int Disputed, long ClaimedMinor, long ApprovedMinor, long PaidMinor, double? ApprovalRate);

/// <summary>
/// The admin dashboard's insurance figures, asked of the Claims feature (which owns the rows). The approval rate is the
/// share of decided claims that were approved in full or in part; a reversed claim counts as decided and not approved.
/// </summary>
public sealed class ClaimFigures(MedLedgerDbContext db)
{
    public Task<IReadOnlyList<InsurerClaimFigures>> PerInsurerAsync(CancellationToken ct) => FiguresAsync(null, ct);

    /// <summary>The insurer's own figures (one entry per currency; none before its first claim).</summary>
    public Task<IReadOnlyList<InsurerClaimFigures>> ForInsurerAsync(Guid insurerId, CancellationToken ct) => FiguresAsync(insurerId, ct);

    private async Task<IReadOnlyList<InsurerClaimFigures>> FiguresAsync(Guid? insurerId, CancellationToken ct)
    {
        var groups = await db.Set<InsuranceClaim>().AsNoTracking().Where(c => c.Status != ClaimStatus.Filing && (insurerId == null || c.InsurerOrganizationId == insurerId))
            .GroupBy(c => new { c.InsurerOrganizationId, c.Currency, c.Status })
            .Select(g => new
            {
                g.Key.InsurerOrganizationId, g.Key.Currency, g.Key.Status, Count = g.Count(), Disputed = g.Count(c => c.Dispute != null),
                Claimed = g.Sum(c => c.ClaimedMinor), Approved = g.Sum(c => c.ApprovedMinor), Paid = g.Sum(c => c.PaidMinor),
            })
            .ToListAsync(ct);
        return groups.GroupBy(g => (g.InsurerOrganizationId, g.Currency)).Select(i =>
        {
            int Count(params string[] statuses) => i.Where(g => statuses.Contains(g.Status)).Sum(g => g.Count);
            var approved = Count(ClaimStatus.Approved, ClaimStatus.PartlyApproved, ClaimStatus.Paying, ClaimStatus.Paid);
            var decided = approved + Count(ClaimStatus.Rejected, ClaimStatus.Reversed);
            return new InsurerClaimFigures(i.Key.InsurerOrganizationId, i.Key.Currency, i.Sum(g => g.Count), Count(ClaimStatus.Filed),
                Count(ClaimStatus.Approved), Count(ClaimStatus.PartlyApproved), Count(ClaimStatus.Rejected), Count(ClaimStatus.Reversed),
                Count(ClaimStatus.Paying, ClaimStatus.Paid), i.Sum(g => g.Disputed), i.Sum(g => g.Claimed),
                // Reversed claims keep their approved amount on the row; what the insurer stands behind excludes them.
                i.Where(g => g.Status != ClaimStatus.Reversed && g.Status != ClaimStatus.Rejected).Sum(g => g.Approved), i.Sum(g => g.Paid),
                decided == 0 ? null : (double)approved / decided);
        }).OrderBy(f => f.InsurerId).ThenBy(f => f.Currency).ToList();
    }
}

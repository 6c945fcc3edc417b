using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Accounts of one role: how many, how many suspended, how many wait for an admin's verification.</summary>
public sealed record RoleFigures(Role Role, int Total, int Suspended, int AwaitingVerification);

/// <summary>Counts of accounts for the admin's dashboard: metadata only (accounts hold no names).</summary>
public sealed class AccountFigures(MedLedgerDbContext db)
{
    public async Task<IReadOnlyList<RoleFigures>> ByRoleAsync(CancellationToken ct)
    {
        var rows = await db.Set<UserAccount>().AsNoTracking()
            .GroupBy(u => u.Role)
            .Select(g => new { Role = g.Key, Total = g.Count(), Suspended = g.Count(u => u.Suspended), Pending = g.Count(u => u.Verification == VerificationStatus.Pending) })
            .ToListAsync(ct);
        return Enum.GetValues<Role>().Select(r => rows.FirstOrDefault(x => x.Role == r) is { } x
            ? new RoleFigures(r, x.Total, x.Suspended, x.Pending)
            : new RoleFigures(r, 0, 0, 0)).ToList();
    }
}

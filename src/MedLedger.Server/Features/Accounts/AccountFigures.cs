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

/// <summary>
/// An account as the admin's user list shows it: role, verification, suspension, organization, and for professionals their
/// public directory name and specialty. No e-mail address and never a patient's name (patients' names are sealed on the device).
/// </summary>
public sealed record AccountSummary(Guid Id, Role Role, VerificationStatus Verification, bool Suspended, Guid? OrganizationId, string? DisplayName,
    string? Specialty, DateTimeOffset CreatedAt);

/// <summary>The admin's list of accounts, newest first, narrowed by role, suspension and verification.</summary>
public sealed class AccountList(MedLedgerDbContext db)
{
    public const int MaxRows = 500;

    public async Task<IReadOnlyList<AccountSummary>> ListAsync(Role? role, bool? suspended, VerificationStatus? verification, CancellationToken ct)
    {
        var q = db.Set<UserAccount>().AsNoTracking();
        if (role is { } r)
        {
            q = q.Where(u => u.Role == r);
        }
        if (suspended is { } s)
        {
            q = q.Where(u => u.Suspended == s);
        }
        if (verification is { } v)
        {
            q = q.Where(u => u.Verification == v);
        }
        var rows = await q.Select(u => new AccountSummary(u.Id, u.Role, u.Verification, u.Suspended, u.OrganizationId,
            u.Role == Role.Patient ? null : u.DisplayName, u.Role == Role.Patient ? null : u.Specialty, u.CreatedAt)).ToListAsync(ct);
        // Ordered here: SQLite cannot order by a DateTimeOffset column.
        return rows.OrderByDescending(a => a.CreatedAt).ThenBy(a => a.Id).Take(MaxRows).ToList();
    }
}

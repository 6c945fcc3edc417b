using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Admin;

/// <summary>
/// The platform admin's desk: the verification queue and decisions (carried out by the owners of the accounts and
/// organizations tables), suspension, and the security event log this feature keeps.
/// </summary>
public sealed class AdminService(MedLedgerDbContext db, OrganizationService organizations, AccountStandingService accounts)
{
    public async Task<VerificationQueue> QueueAsync(CancellationToken ct) =>
        new(await organizations.PendingAsync(ct), await accounts.PendingAsync(ct));

    public Task DecideOrganizationAsync(Guid adminId, Guid orgId, VerificationDecision d, CancellationToken ct) =>
        organizations.DecideVerificationAsync(adminId, orgId, d.Approve, ValidateDecision(d), d.Transaction, ct);

    public Task DecideProfessionalAsync(Guid adminId, Guid userId, VerificationDecision d, CancellationToken ct) =>
        accounts.DecideVerificationAsync(adminId, userId, d.Approve, ValidateDecision(d), d.Transaction, ct);

    public Task SetSuspendedAsync(Guid adminId, Guid userId, bool suspended, CancellationToken ct) =>
        accounts.SetSuspendedAsync(adminId, userId, suspended, ct);

    public async Task<IReadOnlyList<SecurityEventResponse>> SecurityEventsAsync(SecurityEventKind? kind, Guid? subject, DateTimeOffset? since, int? limit, CancellationToken ct)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 1000)
        {
            throw ProblemException.Invalid("limit", "limit must be between 1 and 1000.");
        }
        var q = db.SecurityEvents.AsNoTracking();
        if (kind is { } k)
        {
            q = q.Where(e => e.Kind == k);
        }
        if (subject is { } s)
        {
            q = q.Where(e => e.SubjectId == s || e.ActorId == s);
        }
        if (since is { } t)
        {
            q = q.Where(e => e.At >= t);
        }
        return await q.OrderByDescending(e => e.Id).Take(take)
            .Select(e => new SecurityEventResponse(e.Id, e.At, e.Kind, e.ActorId, e.SubjectId, e.Detail, e.RemoteAddress)).ToListAsync(ct);
    }

    private static string? ValidateDecision(VerificationDecision d)
    {
        var v = new Validator();
        v.RequireText(d.Reason, "reason", 500, required: !d.Approve);
        v.ThrowIfInvalid();
        return d.Reason?.Trim();
    }
}

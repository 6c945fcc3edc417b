using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Admin;

public sealed record PendingOrganization(Guid Id, OrganizationKind Kind, string Name, string Address, DateTimeOffset CreatedAt);
public sealed record PendingProfessional(Guid UserId, Role Role, Guid? OrganizationId, string? LicenseNumber, DateTimeOffset CreatedAt);
public sealed record VerificationQueue(IReadOnlyList<PendingOrganization> Organizations, IReadOnlyList<PendingProfessional> Professionals);
public sealed record VerificationDecision(bool Approve, string? Reason);
public sealed record SuspensionRequest(string? Reason);
public sealed record SecurityEventResponse(long Id, DateTimeOffset At, SecurityEventKind Kind, Guid? ActorId, Guid? SubjectId, string? Detail, string? RemoteAddress);

public sealed class AdminService(MedLedgerDbContext db, TimeProvider clock, SecurityEventLog events, IdentityLedger identityLedger)
{
    public async Task<VerificationQueue> QueueAsync(CancellationToken ct)
    {
        var orgs = await db.Organizations.AsNoTracking().Where(o => o.Verification == VerificationStatus.Pending)
            .OrderBy(o => o.CreatedAt).Select(o => new PendingOrganization(o.Id, o.Kind, o.Name, o.Address, o.CreatedAt)).ToListAsync(ct);
        var people = await db.Users.AsNoTracking().Where(u => u.Verification == VerificationStatus.Pending)
            .OrderBy(u => u.CreatedAt).Select(u => new PendingProfessional(u.Id, u.Role, u.OrganizationId, u.LicenseNumber, u.CreatedAt)).ToListAsync(ct);
        return new VerificationQueue(orgs, people);
    }

    public async Task DecideOrganizationAsync(Guid adminId, Guid orgId, VerificationDecision d, CancellationToken ct)
    {
        var reason = ValidateDecision(d);
        var org = await db.Organizations.FirstOrDefaultAsync(o => o.Id == orgId, ct) ?? throw ProblemException.NotFound($"Organization {orgId}");
        org.Verification = d.Approve ? VerificationStatus.Approved : VerificationStatus.Rejected;
        org.VerificationReason = reason;
        org.ConcurrencyStamp = Guid.NewGuid();
        await identityLedger.RecordVerificationAsync(adminId, orgId, "organization", d.Approve, ct);
        await db.SaveChangesAsync(ct);
        await events.RecordAsync(d.Approve ? SecurityEventKind.VerificationApproved : SecurityEventKind.VerificationRejected, adminId, orgId, "organization", ct);
    }

    public async Task DecideProfessionalAsync(Guid adminId, Guid userId, VerificationDecision d, CancellationToken ct)
    {
        var reason = ValidateDecision(d);
        var user = await db.Users.FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw ProblemException.NotFound($"User {userId}");
        if (user.Verification == VerificationStatus.NotRequired)
        {
            throw ProblemException.Conflict("This account does not need verification.");
        }
        user.Verification = d.Approve ? VerificationStatus.Approved : VerificationStatus.Rejected;
        user.VerificationReason = reason;
        user.ConcurrencyStamp = Guid.NewGuid();
        await identityLedger.RecordVerificationAsync(adminId, userId, "user", d.Approve, ct);
        await db.SaveChangesAsync(ct);
        await events.RecordAsync(d.Approve ? SecurityEventKind.VerificationApproved : SecurityEventKind.VerificationRejected, adminId, userId, "user", ct);
    }

    public async Task SetSuspendedAsync(Guid adminId, Guid userId, bool suspended, CancellationToken ct)
    {
        if (adminId == userId)
        {
            throw ProblemException.Conflict("You cannot suspend your own account.");
        }
        var now = clock.GetUtcNow();
        var n = await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.Suspended, suspended), ct);
        if (n == 0)
        {
            throw ProblemException.NotFound($"User {userId}");
        }
        if (suspended)
        {
            // Suspension ends every live session at once (tokens are looked up per request).
            await db.Sessions.Where(s => s.UserId == userId && s.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);
        }
        await events.RecordAsync(suspended ? SecurityEventKind.Suspended : SecurityEventKind.Reinstated, adminId, userId, null, ct);
    }

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

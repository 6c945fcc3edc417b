using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Accounts;

/// <summary>A professional awaiting verification, as the admin's queue lists them.</summary>
public sealed record PendingProfessional(Guid UserId, Role Role, Guid? OrganizationId, string? LicenseNumber, DateTimeOffset CreatedAt);

/// <summary>An admin's decisions about an account: professional verification (anchored on the ledger) and suspension.</summary>
public sealed class AccountStandingService(MedLedgerDbContext db, TimeProvider clock, SecurityEventLog events, IdentityLedger identityLedger, SessionService sessions, IdentityCardService cards)
{
    public async Task<IReadOnlyList<PendingProfessional>> PendingAsync(CancellationToken ct) =>
        await db.Users.AsNoTracking().Where(u => u.Verification == VerificationStatus.Pending)
            .OrderBy(u => u.CreatedAt).Select(u => new PendingProfessional(u.Id, u.Role, u.OrganizationId, u.LicenseNumber, u.CreatedAt)).ToListAsync(ct);

    /// <summary>Carries out an admin's decision; <paramref name="signed"/> is the admin's own identity.verify over the card and key fingerprint.</summary>
    public async Task DecideVerificationAsync(Guid adminId, Guid userId, bool approve, string? reason, SignedTransactionDto? signed, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw ProblemException.NotFound($"User {userId}");
        if (user.Verification == VerificationStatus.NotRequired)
        {
            throw ProblemException.Conflict("This account does not need verification.");
        }
        // The row follows the committed decision (VerificationLedgerRows), rolled forward after a crash.
        var rows = new VerificationRows(userId, "user", approve ? VerificationStatus.Approved : VerificationStatus.Rejected, reason);
        await identityLedger.RecordProfessionalVerificationAsync(adminId, userId, approve, await cards.CardHashAsync(userId, ct), signed, rows, ct);
        await events.RecordAsync(approve ? SecurityEventKind.VerificationApproved : SecurityEventKind.VerificationRejected, adminId, userId, "user", ct);
    }

    public async Task SetSuspendedAsync(Guid adminId, Guid userId, bool suspended, CancellationToken ct)
    {
        if (adminId == userId)
        {
            throw ProblemException.Conflict("You cannot suspend your own account.");
        }
        var now = clock.GetUtcNow();
        var role = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => (Role?)u.Role).FirstOrDefaultAsync(ct)
            ?? throw ProblemException.NotFound($"User {userId}");
        if (role != Role.Patient)
        {
            // Ledger first: a client deciding whether to trust a professional reads the standing there. Patients are not
            // directory entries, so their standing stays off the ledger.
            await identityLedger.RecordStandingAsync(userId, suspended, ct);
        }
        var n = await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.Suspended, suspended), ct);
        if (n == 0)
        {
            throw ProblemException.NotFound($"User {userId}");
        }
        if (suspended)
        {
            // Suspension ends every live session at once (tokens are looked up per request).
            await sessions.RevokeAllAsync(userId, keep: null, now, ct);
        }
        await events.RecordAsync(suspended ? SecurityEventKind.Suspended : SecurityEventKind.Reinstated, adminId, userId, null, ct);
    }
}

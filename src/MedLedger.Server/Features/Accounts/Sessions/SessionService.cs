using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Sessions: issue after sign-in, rotate on refresh (reuse ends the family), end on logout; and "who am I".</summary>
public sealed class SessionService(MedLedgerDbContext db, IOptions<AuthOptions> options, TimeProvider clock, SecurityEventLog events, OrganizationDirectory organizations)
{
    private readonly AuthOptions _o = options.Value;

    public async Task<TokenResponse> IssueAsync(Guid userId, Guid familyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var access = AccountRules.NewToken();
        var refresh = AccountRules.NewToken();
        var session = new Session
        {
            Id = Guid.NewGuid(),
            UserId = userId,
            FamilyId = familyId,
            AccessTokenHash = SessionAuthenticationHandler.TokenHash(access),
            AccessExpiresAt = now + _o.AccessTokenLifetime,
            RefreshTokenHash = SessionAuthenticationHandler.TokenHash(refresh),
            RefreshExpiresAt = now + _o.RefreshTokenLifetime,
            CreatedAt = now,
        };
        db.Sessions.Add(session);
        await db.SaveChangesAsync(ct);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, ct);
        return new TokenResponse(access, session.AccessExpiresAt, refresh, session.RefreshExpiresAt, await ToMeAsync(user, ct));
    }

    public async Task<TokenResponse> RefreshAsync(RefreshRequest r, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(r.RefreshToken))
        {
            throw ProblemException.Invalid("refreshToken", "refreshToken is required.");
        }
        var hash = SessionAuthenticationHandler.TokenHash(r.RefreshToken);
        var session = await db.Sessions.AsNoTracking().FirstOrDefaultAsync(s => s.RefreshTokenHash == hash, ct)
            ?? throw ProblemException.Unauthorized("The refresh token is not valid.");
        var now = clock.GetUtcNow();
        if (session.RotatedAt is null && (session.RevokedAt is not null || session.RefreshExpiresAt <= now))
        {
            throw ProblemException.Unauthorized("The session has ended; sign in again.");
        }
        var rotated = await db.Sessions.Where(s => s.Id == session.Id && s.RotatedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RotatedAt, now).SetProperty(x => x.RevokedAt, now), ct);
        if (rotated == 0)
        {
            // A rotated refresh token came back: it was stolen or replayed. End the whole family.
            await db.Sessions.Where(s => s.FamilyId == session.FamilyId && s.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);
            await events.RecordAsync(SecurityEventKind.RefreshReuseDetected, session.UserId, session.UserId, null, ct);
            throw ProblemException.Unauthorized("This refresh token was already used; all sessions from that sign-in were ended.");
        }
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == session.UserId, ct);
        if (user.Suspended)
        {
            throw ProblemException.Forbidden("This account is suspended.");
        }
        return await IssueAsync(session.UserId, session.FamilyId, ct);
    }

    public async Task LogoutAsync(Caller caller, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var family = await db.Sessions.Where(s => s.Id == caller.SessionId).Select(s => s.FamilyId).FirstAsync(ct);
        await db.Sessions.Where(s => s.FamilyId == family && s.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);
        await events.RecordAsync(SecurityEventKind.Logout, caller.Id, caller.Id, null, ct);
    }

    /// <summary>Ends every live session of the user except <paramref name="keep"/> (password change keeps the caller's own).</summary>
    public Task<int> RevokeAllAsync(Guid userId, Guid? keep, DateTimeOffset now, CancellationToken ct) =>
        db.Sessions.Where(s => s.UserId == userId && s.Id != keep && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);

    public async Task<MeResponse> MeAsync(Guid userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw ProblemException.NotFound("User");
        return await ToMeAsync(user, ct);
    }

    private async Task<MeResponse> ToMeAsync(UserAccount user, CancellationToken ct)
    {
        var org = user.OrganizationId is { } id ? await organizations.VerificationAsync(id, ct) : null;
        var (verified, note) = SessionAuthenticationHandler.VerificationState(user, org?.Status, org?.Reason);
        return new MeResponse(user.Id, user.Email, user.Role, user.Verification, user.VerificationReason, user.OrganizationId, user.TotpEnabled, verified, note);
    }
}

using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Infrastructure.Auth;

public static class MedLedgerClaims
{
    public const string UserId = "sub";
    public const string Role = "role";
    public const string OrganizationId = "org";
    public const string SessionId = "sid";
    /// <summary>"true" when the account (and its organization, if any) passed admin verification or needs none.</summary>
    public const string Verified = "verified";
    /// <summary>Why the account cannot act yet; shown to the user in 403 problems.</summary>
    public const string VerificationNote = "verification_note";
}

/// <summary>
/// Opaque bearer tokens looked up by SHA-256 hash. Chosen over self-contained JWTs so that
/// logout and suspension take effect on the very next request.
/// </summary>
internal sealed class SessionAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    MedLedgerDbContext db,
    TimeProvider clock,
    HubTickets hubTickets,
    SqliteReadConnections sqliteReads)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "MedLedgerSession";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? token = null;
        Guid? ticketSession = null;
        var header = Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header["Bearer ".Length..].Trim();
        }
        else if (Request.Query.TryGetValue("access_token", out var q))
        {
            // WebSockets cannot carry headers from browsers, so SignalR puts the credential in the query. Only a hub
            // ticket is accepted there (single use, seconds long), never a bearer token: URLs end up in logs.
            if (!Request.Path.StartsWithSegments("/hubs"))
            {
                return AuthenticateResult.Fail("Credentials go in the Authorization header.");
            }
            ticketSession = hubTickets.Redeem(q.ToString());
            if (ticketSession is null)
            {
                return AuthenticateResult.Fail("The hub ticket is unknown, expired or used; get a new one from POST /api/auth/hub-ticket.");
            }
        }
        if (string.IsNullOrEmpty(token) && ticketSession is null)
        {
            return AuthenticateResult.NoResult();
        }
        // A hub ticket names its session; its (rare) lookup goes through the session's token hash, so one query shape
        // serves both and nothing can differ between them.
        var hash = ticketSession is { } sid
            ? await db.Sessions.AsNoTracking().Where(s => s.Id == sid).Select(s => s.AccessTokenHash).FirstOrDefaultAsync(Context.RequestAborted)
            : TokenHash(token!);
        var row = hash is null ? null
            : sqliteReads.Enabled ? sqliteReads.Run(SessionQueries.ByTokenHashSql, [hash], SessionQueries.ReadRow)
            : await Compiled.For(db).ByTokenHash(db, hash, Context.RequestAborted);
        var now = clock.GetUtcNow();
        if (row is null || row.RevokedAt is not null || row.AccessExpiresAt <= now || row.Suspended)
        {
            return AuthenticateResult.Fail("The access token is invalid, expired or revoked.");
        }
        var (verified, note) = VerificationState(row.Verification, row.VerificationReason, row.OrgVerification, row.OrgReason);
        var claims = new List<Claim>
        {
            new(MedLedgerClaims.UserId, row.UserId.ToString()),
            new(MedLedgerClaims.Role, row.Role.ToString()),
            new(MedLedgerClaims.SessionId, row.Id.ToString()),
            new(MedLedgerClaims.Verified, verified ? "true" : "false"),
        };
        if (note is not null)
        {
            claims.Add(new Claim(MedLedgerClaims.VerificationNote, note));
        }
        if (row.OrganizationId is { } org)
        {
            claims.Add(new Claim(MedLedgerClaims.OrganizationId, org.ToString()));
        }
        var identity = new ClaimsIdentity(claims, SchemeName, MedLedgerClaims.UserId, MedLedgerClaims.Role);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>
    /// What one request's authentication needs: the session, its user's standing, and the user's organization's standing
    /// (only these columns: the user row also holds the sealed profile and key material no request needs here).
    /// </summary>
    internal sealed record SessionRow(Guid Id, DateTimeOffset? RevokedAt, DateTimeOffset AccessExpiresAt, Guid UserId, Role Role, bool Suspended,
        Guid? OrganizationId, VerificationStatus Verification, string? VerificationReason, VerificationStatus? OrgVerification, string? OrgReason);

    // Compiled once per model: every authenticated request runs it, and EF's per-call query-cache lookup
    // (hashing the expression tree) showed in the records profile (docs/benchmarks.md).
    internal sealed class SessionQueries
    {
        public readonly Func<MedLedgerDbContext, byte[], CancellationToken, Task<SessionRow?>> ByTokenHash =
            EF.CompileAsyncQuery((MedLedgerDbContext db, byte[] hash, CancellationToken ct) =>
                (from s in db.Sessions.AsNoTracking()
                 where s.AccessTokenHash == hash
                 join u in db.Users on s.UserId equals u.Id
                 join o in db.Organizations on u.OrganizationId equals o.Id into orgs
                 from o in orgs.DefaultIfEmpty()
                 select new SessionRow(s.Id, s.RevokedAt, s.AccessExpiresAt, u.Id, u.Role, u.Suspended, u.OrganizationId, u.Verification, u.VerificationReason,
                     (VerificationStatus?)o.Verification, o.VerificationReason))
                .FirstOrDefault());

        /// <summary>The same lookup as <see cref="ByTokenHash"/> in SQLite's SQL, prepared once per read connection (see <see cref="SqliteReadConnections"/>).</summary>
        public static readonly SqliteRead ByTokenHashSql = new("""
            SELECT s.Id, s.RevokedAt, s.AccessExpiresAt, u.Id, u.Role, u.Suspended, u.OrganizationId, u.Verification, u.VerificationReason,
                   o.Verification, o.VerificationReason
            FROM sessions AS s
            INNER JOIN users AS u ON s.UserId = u.Id
            LEFT JOIN organizations AS o ON u.OrganizationId = o.Id
            WHERE s.AccessTokenHash = $hash
            LIMIT 1
            """, "$hash");

        // Columns as EF stores them on SQLite: GUIDs as text, times as unix milliseconds, enums by name.
        public static SessionRow? ReadRow(Microsoft.Data.Sqlite.SqliteDataReader r) => !r.Read() ? null : new SessionRow(
            r.GetGuid(0), r.IsDBNull(1) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(1)), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
            r.GetGuid(3), Enum.Parse<Role>(r.GetString(4)), r.GetBoolean(5), r.IsDBNull(6) ? null : r.GetGuid(6),
            Enum.Parse<VerificationStatus>(r.GetString(7)), r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : Enum.Parse<VerificationStatus>(r.GetString(9)), r.IsDBNull(10) ? null : r.GetString(10));
    }

    internal static readonly PerModel<SessionQueries> Compiled = new(() => new SessionQueries());

    internal static (bool Verified, string? Note) VerificationState(UserAccount user, VerificationStatus? org, string? orgReason) =>
        VerificationState(user.Verification, user.VerificationReason, org, orgReason);

    private static (bool Verified, string? Note) VerificationState(VerificationStatus user, string? userReason, VerificationStatus? org, string? orgReason)
    {
        switch (user)
        {
            case VerificationStatus.Pending:
                return (false, "Your professional account is awaiting verification by a platform admin.");
            case VerificationStatus.Rejected:
                return (false, $"Your professional account was rejected by a platform admin: {userReason}");
        }
        return org switch
        {
            VerificationStatus.Pending => (false, "Your organization is awaiting verification by a platform admin."),
            VerificationStatus.Rejected => (false, $"Your organization was rejected by a platform admin: {orgReason}"),
            _ => (true, null),
        };
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer";
        await Results.Problem(statusCode: 401, title: "Not signed in", type: "https://medledger.example/problems/unauthorized",
            detail: "Sign in and send the access token as 'Authorization: Bearer <token>'.").ExecuteAsync(Context);
    }

    public static byte[] TokenHash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

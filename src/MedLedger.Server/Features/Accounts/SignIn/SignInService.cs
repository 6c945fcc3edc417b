using System.Security.Cryptography;
using System.Text;
using MedLedger.Crypto;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OtpNet;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// Two-step sign-in: prelogin (public KDF parameters), the credential step (the client-derived auth key, never the
/// password) which issues a login challenge, then the code step (TOTP or an emailed code) which issues a session.
/// </summary>
public sealed class SignInService(
    MedLedgerDbContext db,
    IOptions<AuthOptions> options,
    TimeProvider clock,
    SecurityEventLog events,
    ServerSecrets secrets,
    LoginAttempts attempts,
    EmailCodeSender emailCodes,
    SessionService sessions)
{
    private readonly AuthOptions _o = options.Value;

    public async Task<PreloginResponse> PreloginAsync(PreloginRequest r, CancellationToken ct)
    {
        var email = AccountRules.NormalizeEmail(r.Email ?? "");
        var user = await db.Users.AsNoTracking().Where(u => u.Email == email)
            .Select(u => new { u.KdfAlgorithm, u.KdfIterations, u.KdfSalt }).FirstOrDefaultAsync(ct);
        if (user is not null)
        {
            return new PreloginResponse(new KdfParametersDto(user.KdfAlgorithm, user.KdfIterations, user.KdfSalt));
        }
        // Unknown emails get stable, plausible parameters so prelogin does not reveal who is registered.
        var fakeSalt = HMACSHA256.HashData(secrets.PreloginKey, Encoding.UTF8.GetBytes(email))[..16];
        return new PreloginResponse(new KdfParametersDto(PasswordParameters.Pbkdf2Sha256, PasswordParameters.MinimumIterations, fakeSalt));
    }

    public async Task<LoginChallengeResponse> LoginAsync(LoginRequest r, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(r.Email) || r.AuthKey is not { Length: AccountRules.AuthKeyLength })
        {
            throw ProblemException.Invalid("authKey", $"email and a {AccountRules.AuthKeyLength}-byte authKey are required.");
        }
        var email = AccountRules.NormalizeEmail(r.Email);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email, ct);
        if (user is null)
        {
            // The same steps as a wrong key for a real account (lockout check, slow hash, counted failure that locks at
            // the same limit), so neither the answers nor their timing reveal registration (bench: macro enumeration).
            var emailKey = HMACSHA256.HashData(secrets.PreloginKey, Encoding.UTF8.GetBytes("unknown-email-lockout\n" + email));
            await attempts.EnsureUnknownEmailNotLockedAsync(emailKey, ct);
            AccountRules.HashAuthKey(r.AuthKey, secrets.PreloginKey[..16], _o.ServerHashIterations);
            await attempts.RegisterUnknownEmailFailureAsync(emailKey, ct);
            throw ProblemException.Unauthorized("The email or password is wrong.");
        }
        attempts.EnsureNotLocked(user);
        AccountRules.EnsureNotSuspended(user);
        var hash = AccountRules.HashAuthKey(r.AuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        if (!CryptographicOperations.FixedTimeEquals(hash, user.AuthKeyHash))
        {
            await attempts.RegisterFailureAsync(user.Id, SecurityEventKind.LoginFailed, ct);
            throw ProblemException.Unauthorized("The email or password is wrong.");
        }
        var now = clock.GetUtcNow();
        var ticket = AccountRules.NewToken();
        var challenge = new LoginChallenge
        {
            Id = Guid.NewGuid(),
            TicketHash = SessionAuthenticationHandler.TokenHash(ticket),
            UserId = user.Id,
            ExpiresAt = now + _o.LoginTicketLifetime,
        };
        db.LoginChallenges.Add(challenge);
        await db.SaveChangesAsync(ct);
        await events.RecordAsync(SecurityEventKind.LoginCredentialAccepted, user.Id, user.Id, null, ct);
        var sent = false;
        if (!user.TotpEnabled)
        {
            await SendSignInCodeAsync(challenge, user, ct);
            sent = true;
        }
        IReadOnlyList<OtpMethod> methods = !user.TotpEnabled ? [OtpMethod.Email] : EmailCodeRefused(user) ? [OtpMethod.Totp] : [OtpMethod.Totp, OtpMethod.Email];
        return new LoginChallengeResponse(ticket, methods, challenge.ExpiresAt, sent);
    }

    public async Task SendEmailCodeAsync(EmailCodeRequest r, CancellationToken ct)
    {
        var challenge = await FindChallengeAsync(r.Ticket, ct);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == challenge.UserId, ct);
        attempts.EnsureNotLocked(user);
        if (EmailCodeRefused(user))
        {
            throw ProblemException.Conflict(TotpOnly);
        }
        await SendSignInCodeAsync(challenge, user, ct);
    }

    private const string TotpOnly = "This account signs in with its authenticator app; emailed codes are not accepted once one is enrolled.";

    private bool EmailCodeRefused(UserAccount user) => user.TotpEnabled && _o.TotpReplacesEmailCode;

    private Task SendSignInCodeAsync(LoginChallenge challenge, UserAccount user, CancellationToken ct) =>
        emailCodes.SendAsync(challenge, user, "Your MedLedger sign-in code",
            code => $"Your MedLedger sign-in code is {code}. It expires in {(int)_o.EmailCodeLifetime.TotalMinutes} minutes. If you did not try to sign in, change your password.", ct);

    public async Task<TokenResponse> VerifyOtpAsync(VerifyOtpRequest r, CancellationToken ct)
    {
        var challenge = await FindChallengeAsync(r.Ticket, ct);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == challenge.UserId, ct);
        attempts.EnsureNotLocked(user);
        var code = AccountRules.RequireSixDigitCode(r.Code);
        var now = clock.GetUtcNow();
        switch (r.Method)
        {
            case OtpMethod.Totp:
                if (!user.TotpEnabled || user.TotpSecret is null)
                {
                    throw ProblemException.Invalid("method", "TOTP is not enrolled for this account; use the emailed code.");
                }
                var totp = new Totp(Base32Encoding.ToBytes(user.TotpSecret));
                if (!totp.VerifyTotp(now.UtcDateTime, code, out var step, new VerificationWindow(1, 1)))
                {
                    await attempts.RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpFailed, ct);
                    throw ProblemException.Unauthorized("The code is wrong or expired.");
                }
                // Atomic compare-and-set: of two concurrent uses of one code, exactly one wins.
                var won = await db.Users.Where(u => u.Id == user.Id && u.TotpLastStep < step)
                    .ExecuteUpdateAsync(s => s.SetProperty(u => u.TotpLastStep, step), ct);
                if (won == 0)
                {
                    await attempts.RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpReplayRejected, ct);
                    throw ProblemException.Unauthorized("This code was already used. Wait for the next code.");
                }
                break;
            case OtpMethod.Email:
                if (EmailCodeRefused(user))
                {
                    throw ProblemException.Invalid("method", TotpOnly);
                }
                if (challenge.EmailCodeHash is null || challenge.EmailCodeExpiresAt is null)
                {
                    throw ProblemException.Invalid("method", "No emailed code was requested for this sign-in.");
                }
                if (challenge.EmailCodeExpiresAt <= now)
                {
                    throw ProblemException.Gone("The emailed code has expired; request a new one.");
                }
                if (!CryptographicOperations.FixedTimeEquals(challenge.EmailCodeHash, AccountRules.EmailCodeHash(challenge.Id, code)))
                {
                    await attempts.RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpFailed, ct);
                    throw ProblemException.Unauthorized("The code is wrong or expired.");
                }
                break;
            default:
                throw ProblemException.Invalid("method", "method must be Totp or Email.");
        }
        // Single use: the ticket is consumed by exactly one successful verification.
        var consumed = await db.LoginChallenges.Where(c => c.Id == challenge.Id && c.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct);
        if (consumed == 0)
        {
            throw ProblemException.Unauthorized("This sign-in was already completed; start again.");
        }
        await emailCodes.WithdrawAsync(challenge.Id, ct);
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedAttempts, 0), ct);
        var tokens = await sessions.IssueAsync(user.Id, Guid.NewGuid(), ct);
        await events.RecordAsync(SecurityEventKind.LoginSucceeded, user.Id, user.Id, $"method={r.Method}", ct);
        return tokens;
    }

    private async Task<LoginChallenge> FindChallengeAsync(string? ticket, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(ticket))
        {
            throw ProblemException.Invalid("ticket", "ticket is required.");
        }
        var hash = SessionAuthenticationHandler.TokenHash(ticket);
        // A ticket is only ever accepted by the step it was issued for (a recovery ticket never signs anyone in).
        var challenge = await db.LoginChallenges.FirstOrDefaultAsync(c => c.TicketHash == hash && c.Purpose == ChallengePurpose.Login, ct)
            ?? throw ProblemException.Unauthorized("The sign-in ticket is not valid; start again.");
        if (challenge.ConsumedAt is not null || challenge.ExpiresAt <= clock.GetUtcNow())
        {
            throw ProblemException.Unauthorized("The sign-in ticket has expired or was used; start again.");
        }
        return challenge;
    }
}

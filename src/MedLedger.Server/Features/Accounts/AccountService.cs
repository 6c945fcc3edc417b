using System.Globalization;
using System.Net.Mail;
using System.Security.Cryptography;
using System.Text;
using MedLedger.Crypto;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using OtpNet;
using QRCoder;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Registration, two-step login, TOTP, sessions. The server only ever sees the client-derived auth key.</summary>
public sealed class AccountService(
    MedLedgerDbContext db,
    IOptions<AuthOptions> options,
    TimeProvider clock,
    IMessageSender messages,
    SecurityEventLog events,
    ServerSecrets secrets,
    IdentityLedger identityLedger)
{
    private readonly AuthOptions _o = options.Value;
    private const int AuthKeyLength = 32;
    private const int P256PublicKeyLength = 65;
    private const int MaxWrappedKeyLength = 4096;

    public static string NormalizeEmail(string email) => email.Trim().ToLowerInvariant();

    public async Task<RegisterResponse> RegisterAsync(RegisterRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(IsEmail(r.Email), "email", "email must be a valid address of at most 254 characters.");
        v.Require(r.AuthKey is { Length: AuthKeyLength }, "authKey", $"authKey must be {AuthKeyLength} bytes (derived on the client, never the password).");
        v.Require(r.Kdf is not null, "kdf", "kdf parameters are required.");
        if (r.Kdf is not null)
        {
            v.Require(r.Kdf.Algorithm == PasswordParameters.Pbkdf2Sha256, "kdf.algorithm", $"kdf.algorithm must be {PasswordParameters.Pbkdf2Sha256}.");
            v.Require(r.Kdf.Iterations >= PasswordParameters.MinimumIterations && r.Kdf.Iterations <= 10_000_000, "kdf.iterations", $"kdf.iterations must be between {PasswordParameters.MinimumIterations} and 10,000,000.");
            v.Require(r.Kdf.Salt is { Length: >= 16 and <= 64 }, "kdf.salt", "kdf.salt must be 16 to 64 bytes.");
        }
        v.Require(r.Keys is not null, "keys", "keys are required.");
        if (r.Keys is not null)
        {
            v.Require(r.Keys.SigningPublicKey is { Length: P256PublicKeyLength } && r.Keys.SigningPublicKey[0] == 4, "keys.signingPublicKey", "signingPublicKey must be a 65-byte uncompressed P-256 point.");
            v.Require(r.Keys.EncryptionPublicKey is { Length: P256PublicKeyLength } && r.Keys.EncryptionPublicKey[0] == 4, "keys.encryptionPublicKey", "encryptionPublicKey must be a 65-byte uncompressed P-256 point.");
            v.Require(r.Keys.PasswordWrappedPrivateKeys is { Length: > 0 and <= MaxWrappedKeyLength }, "keys.passwordWrappedPrivateKeys", "passwordWrappedPrivateKeys is required (at most 4 KiB).");
            v.Require(r.Keys.RecoveryWrappedPrivateKeys is { Length: > 0 and <= MaxWrappedKeyLength }, "keys.recoveryWrappedPrivateKeys", "recoveryWrappedPrivateKeys is required (at most 4 KiB).");
        }
        v.Require(r.EncryptedProfile is null || r.EncryptedProfile.Length <= 16 * 1024, "encryptedProfile", "encryptedProfile must be at most 16 KiB.");
        v.Require(r.UserId != Guid.Empty, "userId", "userId must be a random UUID chosen by the client.");
        v.Require(Enum.IsDefined(r.Role), "role", "role is not a known role.");
        v.Require(r.Role != Role.PlatformAdmin, "role", "Platform admins are created with `medledger admin create`, not by registration.");
        var expectedKind = ExpectedOrganizationKind(r.Role);
        if (expectedKind is null)
        {
            v.Require(r.OrganizationId is null && r.NewOrganization is null, "organizationId", "Patients do not register into an organization.");
        }
        else
        {
            v.Require(r.OrganizationId is not null ^ r.NewOrganization is not null, "organizationId", $"A {r.Role} registers into an existing {expectedKind} (organizationId) or a new one (newOrganization), exactly one.");
            if (r.NewOrganization is { } n)
            {
                OrganizationService.ValidateProfile(v, n.Name, n.Address, n.Latitude, n.Longitude, n.ContactPhone, n.ContactEmail, "newOrganization.");
                v.Require(n.Kind == expectedKind, "newOrganization.kind", $"A {r.Role} belongs to a {expectedKind}.");
            }
        }
        if (r.Role == Role.Doctor)
        {
            v.RequireText(r.LicenseNumber, "licenseNumber", 64);
        }
        v.ThrowIfInvalid();

        var email = NormalizeEmail(r.Email);
        if (r.OrganizationId is { } orgId)
        {
            var org = await db.Organizations.AsNoTracking().FirstOrDefaultAsync(o => o.Id == orgId, ct) ?? throw ProblemException.NotFound($"Organization {orgId}");
            if (org.Kind != expectedKind)
            {
                throw ProblemException.Invalid("organizationId", $"A {r.Role} belongs to a {expectedKind}, but that organization is a {org.Kind}.");
            }
        }
        if (await db.Users.AnyAsync(u => u.Email == email || u.Id == r.UserId, ct))
        {
            throw ProblemException.Conflict("An account with this email already exists.");
        }

        var now = clock.GetUtcNow();
        var user = new UserAccount
        {
            Id = r.UserId,
            Email = email,
            Role = r.Role,
            Verification = expectedKind is null ? VerificationStatus.NotRequired : VerificationStatus.Pending,
            LicenseNumber = r.LicenseNumber?.Trim(),
            KdfAlgorithm = r.Kdf!.Algorithm,
            KdfIterations = r.Kdf.Iterations,
            KdfSalt = r.Kdf.Salt,
            CreatedAt = now,
            EncryptedProfile = r.EncryptedProfile,
            AuthKeySalt = RandomNumberGenerator.GetBytes(16),
            AuthKeyHash = [],
            AuthKeyIterations = _o.ServerHashIterations,
        };
        user.AuthKeyHash = HashAuthKey(r.AuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        if (r.NewOrganization is { } no)
        {
            var org = new Organization
            {
                Id = Guid.NewGuid(),
                Kind = no.Kind,
                Name = no.Name.Trim(),
                Address = no.Address.Trim(),
                Latitude = no.Latitude,
                Longitude = no.Longitude,
                ContactPhone = no.ContactPhone?.Trim(),
                ContactEmail = no.ContactEmail?.Trim(),
                Verification = VerificationStatus.Pending,
                CreatedAt = now,
            };
            db.Organizations.Add(org);
            user.OrganizationId = org.Id;
        }
        else
        {
            user.OrganizationId = r.OrganizationId;
        }
        db.Users.Add(user);
        db.KeyBundles.Add(new KeyBundleRecord
        {
            UserId = user.Id,
            SigningPublicKey = r.Keys!.SigningPublicKey,
            EncryptionPublicKey = r.Keys.EncryptionPublicKey,
            PasswordWrappedPrivateKeys = r.Keys.PasswordWrappedPrivateKeys,
            RecoveryWrappedPrivateKeys = r.Keys.RecoveryWrappedPrivateKeys,
            UpdatedAt = now,
        });
        // Key transparency: the client-signed key registration must commit on the ledger first.
        var receipt = await identityLedger.RegisterKeysAsync(user.Id, user.Role, r.Keys, r.KeyRegistration, ct);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw ProblemException.Conflict("An account with this email already exists.");
        }
        await events.RecordAsync(SecurityEventKind.Registered, user.Id, user.Id, $"role={user.Role}", ct);
        return new RegisterResponse(user.Id, user.Role, user.Verification, user.OrganizationId, receipt);
    }

    /// <summary>Creates a platform admin; only reachable from the server's own CLI (`medledger admin create`).</summary>
    public async Task<Guid> CreateAdminAsync(CreateAdminRequest r, CancellationToken ct)
    {
        var (email, authKey, kdf, keys) = (r.Email, r.AuthKey, r.Kdf, r.Keys);
        var normalized = NormalizeEmail(email);
        if (!IsEmail(normalized))
        {
            throw ProblemException.Invalid("email", "email must be a valid address.");
        }
        if (await db.Users.AnyAsync(u => u.Email == normalized, ct))
        {
            throw ProblemException.Conflict("An account with this email already exists.");
        }
        var now = clock.GetUtcNow();
        var salt = RandomNumberGenerator.GetBytes(16);
        var user = new UserAccount
        {
            Id = r.UserId,
            Email = normalized,
            Role = Role.PlatformAdmin,
            Verification = VerificationStatus.NotRequired,
            KdfAlgorithm = kdf.Algorithm,
            KdfIterations = kdf.Iterations,
            KdfSalt = kdf.Salt,
            AuthKeySalt = salt,
            AuthKeyIterations = _o.ServerHashIterations,
            AuthKeyHash = HashAuthKey(authKey, salt, _o.ServerHashIterations),
            CreatedAt = now,
        };
        db.Users.Add(user);
        db.KeyBundles.Add(new KeyBundleRecord
        {
            UserId = user.Id,
            SigningPublicKey = keys.SigningPublicKey,
            EncryptionPublicKey = keys.EncryptionPublicKey,
            PasswordWrappedPrivateKeys = keys.PasswordWrappedPrivateKeys,
            RecoveryWrappedPrivateKeys = keys.RecoveryWrappedPrivateKeys,
            UpdatedAt = now,
        });
        await identityLedger.RegisterKeysAsync(user.Id, user.Role, keys, r.KeyRegistration, ct);
        // The operator who runs `admin create` on the server is the root of trust for admins.
        await identityLedger.RecordVerificationAsync(user.Id, user.Id, "user", approved: true, ct);
        await db.SaveChangesAsync(ct);
        await events.RecordAsync(SecurityEventKind.AdminCreated, user.Id, user.Id, null, ct);
        return user.Id;
    }

    public async Task<PreloginResponse> PreloginAsync(PreloginRequest r, CancellationToken ct)
    {
        var email = NormalizeEmail(r.Email ?? "");
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
        if (string.IsNullOrWhiteSpace(r.Email) || r.AuthKey is not { Length: AuthKeyLength })
        {
            throw ProblemException.Invalid("authKey", $"email and a {AuthKeyLength}-byte authKey are required.");
        }
        var email = NormalizeEmail(r.Email);
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email, ct);
        if (user is null)
        {
            // Spend the same time as a real check so response timing does not reveal registration.
            HashAuthKey(r.AuthKey, secrets.PreloginKey[..16], _o.ServerHashIterations);
            throw ProblemException.Unauthorized("The email or password is wrong.");
        }
        EnsureNotLocked(user);
        if (user.Suspended)
        {
            throw ProblemException.Forbidden("This account is suspended. Contact the platform administrator.");
        }
        var hash = HashAuthKey(r.AuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        if (!CryptographicOperations.FixedTimeEquals(hash, user.AuthKeyHash))
        {
            await RegisterFailureAsync(user.Id, SecurityEventKind.LoginFailed, ct);
            throw ProblemException.Unauthorized("The email or password is wrong.");
        }
        var now = clock.GetUtcNow();
        var ticket = NewToken();
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
            await SendEmailCodeAsync(challenge, user, ct);
            sent = true;
        }
        IReadOnlyList<OtpMethod> methods = user.TotpEnabled ? [OtpMethod.Totp, OtpMethod.Email] : [OtpMethod.Email];
        return new LoginChallengeResponse(ticket, methods, challenge.ExpiresAt, sent);
    }

    public async Task SendEmailCodeAsync(EmailCodeRequest r, CancellationToken ct)
    {
        var challenge = await FindChallengeAsync(r.Ticket, ChallengePurpose.Login, ct);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == challenge.UserId, ct);
        EnsureNotLocked(user);
        await SendEmailCodeAsync(challenge, user, ct);
    }

    private Task SendEmailCodeAsync(LoginChallenge challenge, UserAccount user, CancellationToken ct) =>
        SendEmailCodeAsync(challenge, user, "Your MedLedger sign-in code",
            code => $"Your MedLedger sign-in code is {code}. It expires in {(int)_o.EmailCodeLifetime.TotalMinutes} minutes. If you did not try to sign in, change your password.", ct);

    private async Task SendEmailCodeAsync(LoginChallenge challenge, UserAccount user, string subject, Func<string, string> body, CancellationToken ct)
    {
        var code = RandomNumberGenerator.GetInt32(0, 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
        var now = clock.GetUtcNow();
        challenge.EmailCodeHash = EmailCodeHash(challenge.Id, code);
        challenge.EmailCodeExpiresAt = now + _o.EmailCodeLifetime;
        challenge.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        await messages.SendAsync(new OutgoingMessage(user.Email, subject, body(code), now), ct);
    }

    public async Task<TokenResponse> VerifyOtpAsync(VerifyOtpRequest r, CancellationToken ct)
    {
        var challenge = await FindChallengeAsync(r.Ticket, ChallengePurpose.Login, ct);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == challenge.UserId, ct);
        EnsureNotLocked(user);
        var code = (r.Code ?? "").Trim();
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            throw ProblemException.Invalid("code", "code must be 6 digits.");
        }
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
                    await RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpFailed, ct);
                    throw ProblemException.Unauthorized("The code is wrong or expired.");
                }
                // Atomic compare-and-set: of two concurrent uses of one code, exactly one wins.
                var won = await db.Users.Where(u => u.Id == user.Id && u.TotpLastStep < step)
                    .ExecuteUpdateAsync(s => s.SetProperty(u => u.TotpLastStep, step), ct);
                if (won == 0)
                {
                    await RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpReplayRejected, ct);
                    throw ProblemException.Unauthorized("This code was already used. Wait for the next code.");
                }
                break;
            case OtpMethod.Email:
                if (challenge.EmailCodeHash is null || challenge.EmailCodeExpiresAt is null)
                {
                    throw ProblemException.Invalid("method", "No emailed code was requested for this sign-in.");
                }
                if (challenge.EmailCodeExpiresAt <= now)
                {
                    throw ProblemException.Gone("The emailed code has expired; request a new one.");
                }
                if (!CryptographicOperations.FixedTimeEquals(challenge.EmailCodeHash, EmailCodeHash(challenge.Id, code)))
                {
                    await RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpFailed, ct);
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
        await db.Users.Where(u => u.Id == user.Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedAttempts, 0), ct);
        var tokens = await IssueSessionAsync(user.Id, Guid.NewGuid(), ct);
        await events.RecordAsync(SecurityEventKind.LoginSucceeded, user.Id, user.Id, $"method={r.Method}", ct);
        return tokens;
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
        return await IssueSessionAsync(session.UserId, session.FamilyId, ct);
    }

    public async Task LogoutAsync(Guid sessionId, Guid userId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var family = await db.Sessions.Where(s => s.Id == sessionId).Select(s => s.FamilyId).FirstAsync(ct);
        await db.Sessions.Where(s => s.FamilyId == family && s.RevokedAt == null).ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);
        await events.RecordAsync(SecurityEventKind.Logout, userId, userId, null, ct);
    }

    public async Task<MeResponse> MeAsync(Guid userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Id == userId, ct) ?? throw ProblemException.NotFound("User");
        return await ToMeAsync(user, ct);
    }

    private async Task<MeResponse> ToMeAsync(UserAccount user, CancellationToken ct)
    {
        var org = user.OrganizationId is { } id
            ? await db.Organizations.AsNoTracking().Where(o => o.Id == id).Select(o => new { o.Verification, o.VerificationReason }).FirstOrDefaultAsync(ct)
            : null;
        var (verified, note) = SessionAuthenticationHandler.VerificationState(user, org?.Verification, org?.VerificationReason);
        return new MeResponse(user.Id, user.Email, user.Role, user.Verification, user.VerificationReason, user.OrganizationId, user.TotpEnabled, verified, note);
    }

    public async Task<TotpEnrollmentResponse> BeginTotpAsync(Guid userId, CancellationToken ct)
    {
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        if (user.TotpEnabled)
        {
            throw ProblemException.Conflict("TOTP is already enrolled for this account.");
        }
        var secret = Base32Encoding.ToString(KeyGeneration.GenerateRandomKey(20));
        user.TotpSecret = secret;
        user.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        var uri = new OtpUri(OtpType.Totp, secret, user.Email, _o.TotpIssuer).ToString();
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(uri, QRCodeGenerator.ECCLevel.M);
        var png = new PngByteQRCode(data).GetGraphic(6);
        return new TotpEnrollmentResponse(secret, uri, Convert.ToBase64String(png));
    }

    public async Task ConfirmTotpAsync(Guid userId, TotpConfirmRequest r, CancellationToken ct)
    {
        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        if (user.TotpEnabled)
        {
            throw ProblemException.Conflict("TOTP is already enrolled for this account.");
        }
        if (user.TotpSecret is null)
        {
            throw ProblemException.Conflict("Start TOTP enrolment first.");
        }
        var totp = new Totp(Base32Encoding.ToBytes(user.TotpSecret));
        if (!totp.VerifyTotp(clock.GetUtcNow().UtcDateTime, (r.Code ?? "").Trim(), out var step, new VerificationWindow(1, 1)))
        {
            throw ProblemException.Invalid("code", "The code does not match; check the authenticator's clock and try again.");
        }
        user.TotpEnabled = true;
        user.TotpLastStep = step;
        user.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        await events.RecordAsync(SecurityEventKind.TotpEnrolled, userId, userId, null, ct);
    }

    public async Task<OwnKeyBundleResponse> OwnKeyBundleAsync(Guid userId, CancellationToken ct)
    {
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, ct);
        var k = await db.KeyBundles.AsNoTracking().FirstOrDefaultAsync(b => b.UserId == userId, ct) ?? throw ProblemException.NotFound("Key bundle");
        return new OwnKeyBundleResponse(userId, new KdfParametersDto(user.KdfAlgorithm, user.KdfIterations, user.KdfSalt),
            k.SigningPublicKey, k.EncryptionPublicKey, k.PasswordWrappedPrivateKeys, k.RecoveryWrappedPrivateKeys);
    }

    public async Task<PublicKeysResponse> PublicKeysAsync(Guid userId, CancellationToken ct)
    {
        var row = await (from k in db.KeyBundles
                         join u in db.Users on k.UserId equals u.Id
                         where k.UserId == userId
                         select new PublicKeysResponse(u.Id, u.Role, k.SigningPublicKey, k.EncryptionPublicKey))
            .AsNoTracking().FirstOrDefaultAsync(ct);
        return row ?? throw ProblemException.NotFound($"User {userId}");
    }

    public async Task<PublicKeysResponse> PublicKeysByEmailAsync(string email, CancellationToken ct)
    {
        var normalized = NormalizeEmail(email ?? "");
        var id = await db.Users.AsNoTracking().Where(u => u.Email == normalized).Select(u => (Guid?)u.Id).FirstOrDefaultAsync(ct)
            ?? throw ProblemException.NotFound("A user with that email");
        return await PublicKeysAsync(id, ct);
    }

    public async Task UpdateProfileAsync(Guid userId, ProfileUpdate update, CancellationToken ct)
    {
        if (update.EncryptedProfile is { Length: > 16 * 1024 })
        {
            throw ProblemException.Invalid("encryptedProfile", "encryptedProfile must be at most 16 KiB.");
        }
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.EncryptedProfile, update.EncryptedProfile), ct);
    }

    // ---------- password change and account recovery (docs/architecture.md) ----------

    public const string PasswordChangeTag = "medledger/v1/password-change";
    public const string RecoveryTag = "medledger/v1/recovery";
    private const int SignatureLength = 64;
    private const string RecoveryCodeRefused = "The code is wrong or has expired, or this recovery was already used; start again.";
    private const string RecoveryTicketRefused = "The recovery ticket is not valid, has expired or was already used; start again.";

    /// <summary>The bytes a client signs with its signing key to prove it holds the keys the new password wrap protects.</summary>
    public static byte[] PasswordMaterialBytes(string tag, Guid userId, byte[] newAuthKey, KdfParametersDto kdf, byte[] newPasswordWrappedPrivateKeys) =>
        new CanonicalWriter(tag).String(userId.ToString()).Bytes(newAuthKey)
            .String(kdf.Algorithm).Int64(kdf.Iterations).Bytes(kdf.Salt)
            .Bytes(newPasswordWrappedPrivateKeys).ToArray();

    private static void ValidatePasswordMaterial(Validator v, byte[]? newAuthKey, KdfParametersDto? kdf, byte[]? wrap, byte[]? signature)
    {
        v.Require(newAuthKey is { Length: AuthKeyLength }, "newAuthKey", $"newAuthKey must be {AuthKeyLength} bytes (derived on the client, never the password).");
        v.Require(kdf is not null, "newKdf", "newKdf parameters are required.");
        if (kdf is not null)
        {
            v.Require(kdf.Algorithm == PasswordParameters.Pbkdf2Sha256, "newKdf.algorithm", $"newKdf.algorithm must be {PasswordParameters.Pbkdf2Sha256}.");
            v.Require(kdf.Iterations >= PasswordParameters.MinimumIterations && kdf.Iterations <= 10_000_000, "newKdf.iterations", $"newKdf.iterations must be between {PasswordParameters.MinimumIterations} and 10,000,000.");
            v.Require(kdf.Salt is { Length: >= 16 and <= 64 }, "newKdf.salt", "newKdf.salt must be 16 to 64 bytes.");
        }
        v.Require(wrap is { Length: PrivateKeyWrap.EncodedLength }, "newPasswordWrappedPrivateKeys", $"newPasswordWrappedPrivateKeys must be {PrivateKeyWrap.EncodedLength} bytes (nonce 12 || ciphertext 80).");
        v.Require(signature is { Length: SignatureLength }, "signature", "signature must be a 64-byte ECDSA P-256 signature (r || s).");
    }

    private void ApplyNewPassword(UserAccount user, KeyBundleRecord keys, byte[] newAuthKey, KdfParametersDto kdf, byte[] wrap, DateTimeOffset now)
    {
        user.AuthKeySalt = RandomNumberGenerator.GetBytes(16);
        user.AuthKeyIterations = _o.ServerHashIterations;
        user.AuthKeyHash = HashAuthKey(newAuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        user.KdfAlgorithm = kdf.Algorithm;
        user.KdfIterations = kdf.Iterations;
        user.KdfSalt = kdf.Salt;
        user.FailedAttempts = 0;
        user.ConcurrencyStamp = Guid.NewGuid();
        keys.PasswordWrappedPrivateKeys = wrap;
        keys.UpdatedAt = now;
        keys.ConcurrencyStamp = Guid.NewGuid();
    }

    /// <summary>
    /// Signed-in password change. The signature is checked before the current authentication key, so a stolen
    /// session without the private keys cannot use this endpoint to test passwords; a wrong current key counts
    /// towards lockout exactly like a failed login. Every other session of the user is revoked.
    /// </summary>
    public async Task ChangePasswordAsync(Guid userId, Guid sessionId, ChangePasswordRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(r.CurrentAuthKey is { Length: AuthKeyLength }, "currentAuthKey", $"currentAuthKey must be {AuthKeyLength} bytes.");
        ValidatePasswordMaterial(v, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature);
        v.ThrowIfInvalid();

        var user = await db.Users.FirstAsync(u => u.Id == userId, ct);
        EnsureNotLocked(user);
        var keys = await db.KeyBundles.FirstOrDefaultAsync(k => k.UserId == userId, ct) ?? throw ProblemException.NotFound("Key bundle");
        var signed = PasswordMaterialBytes(PasswordChangeTag, userId, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys);
        if (!Signatures.Verify(keys.SigningPublicKey, signed, r.Signature))
        {
            await events.RecordAsync(SecurityEventKind.AccessDenied, userId, userId, "password-change: signature does not verify", ct);
            throw ProblemException.Invalid("signature", "The signature does not verify with your registered signing key.");
        }
        var hash = HashAuthKey(r.CurrentAuthKey, user.AuthKeySalt, user.AuthKeyIterations);
        if (!CryptographicOperations.FixedTimeEquals(hash, user.AuthKeyHash))
        {
            await RegisterFailureAsync(userId, SecurityEventKind.LoginFailed, ct, "password-change");
            throw ProblemException.Unauthorized("The current password is wrong.");
        }

        var now = clock.GetUtcNow();
        ApplyNewPassword(user, keys, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, now);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        await SaveOrConflictAsync(ct);
        var revoked = await db.Sessions.Where(s => s.UserId == userId && s.Id != sessionId && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);
        await tx.CommitAsync(ct);
        await events.RecordAsync(SecurityEventKind.PasswordChanged, userId, userId, $"revokedSessions={revoked}", ct);
    }

    /// <summary>
    /// Recovery step one. Known and unknown emails get the same 202 with a fresh random ticket; only a known
    /// email gets a stored challenge and an emailed code.
    /// </summary>
    public async Task<RecoveryStartResponse> StartRecoveryAsync(RecoveryStartRequest r, CancellationToken ct)
    {
        if (!IsEmail(r.Email))
        {
            throw ProblemException.Invalid("email", "email must be a valid address of at most 254 characters.");
        }
        var email = NormalizeEmail(r.Email);
        var ticket = NewToken();
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Email == email, ct);
        if (user is null)
        {
            // Decoy: same shape of answer, nothing stored, nothing sent.
            return new RecoveryStartResponse(ticket);
        }
        var challenge = new LoginChallenge
        {
            Id = Guid.NewGuid(),
            TicketHash = SessionAuthenticationHandler.TokenHash(ticket),
            UserId = user.Id,
            Purpose = ChallengePurpose.Recovery,
            ExpiresAt = clock.GetUtcNow() + _o.LoginTicketLifetime,
        };
        db.LoginChallenges.Add(challenge);
        await db.SaveChangesAsync(ct);
        await SendEmailCodeAsync(challenge, user, "Your MedLedger account recovery code",
            code => $"Your MedLedger account recovery code is {code}. It expires in {(int)Math.Min(_o.EmailCodeLifetime.TotalMinutes, _o.LoginTicketLifetime.TotalMinutes)} minutes. "
                + "You will also need your recovery code (the one shown when you signed up). If you did not ask to recover your account, someone knows your email address; your records stay encrypted.", ct);
        return new RecoveryStartResponse(ticket);
    }

    /// <summary>
    /// Recovery step two: the emailed code (single use, expiring, failures count towards lockout). Every refusal
    /// of a ticket or code is the same 401, so a decoy ticket for an unknown email looks like a real one.
    /// </summary>
    public async Task<RecoveryBundleResponse> VerifyRecoveryAsync(RecoveryVerifyRequest r, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(r.Ticket))
        {
            throw ProblemException.Invalid("ticket", "ticket is required.");
        }
        var code = (r.Code ?? "").Trim();
        if (code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            throw ProblemException.Invalid("code", "code must be 6 digits.");
        }
        var hash = SessionAuthenticationHandler.TokenHash(r.Ticket);
        var now = clock.GetUtcNow();
        var challenge = await db.LoginChallenges.AsNoTracking()
            .FirstOrDefaultAsync(c => c.TicketHash == hash && c.Purpose == ChallengePurpose.Recovery, ct);
        if (challenge is null || challenge.ConsumedAt is not null || challenge.ExpiresAt <= now)
        {
            throw ProblemException.Unauthorized(RecoveryCodeRefused);
        }
        // Not refused while locked: a user locked out by password guesses is exactly who needs recovery. Guessing is
        // bounded per ticket instead, and each wrong code still counts towards the sign-in lockout.
        if (challenge.Attempts >= _o.MaxFailedAttempts || challenge.EmailCodeHash is null || challenge.EmailCodeExpiresAt is null || challenge.EmailCodeExpiresAt <= now)
        {
            throw ProblemException.Unauthorized(RecoveryCodeRefused);
        }
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == challenge.UserId, ct);
        if (!CryptographicOperations.FixedTimeEquals(challenge.EmailCodeHash, EmailCodeHash(challenge.Id, code)))
        {
            try
            {
                await RegisterOtpFailureAsync(challenge, user.Id, SecurityEventKind.OtpFailed, ct);
            }
            catch (ProblemException e) when (e.Status == 429)
            {
                // The lockout applies to sign-in; here it would tell a decoy ticket from a real one.
            }
            throw ProblemException.Unauthorized(RecoveryCodeRefused);
        }
        if (user.Suspended)
        {
            throw ProblemException.Forbidden("This account is suspended. Contact the platform administrator.");
        }
        var consumed = await db.LoginChallenges.Where(c => c.Id == challenge.Id && c.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct);
        if (consumed == 0)
        {
            throw ProblemException.Unauthorized(RecoveryCodeRefused);
        }
        var keys = await db.KeyBundles.AsNoTracking().FirstOrDefaultAsync(k => k.UserId == user.Id, ct) ?? throw ProblemException.NotFound("Key bundle");
        var recoveryTicket = NewToken();
        var completion = new LoginChallenge
        {
            Id = Guid.NewGuid(),
            TicketHash = SessionAuthenticationHandler.TokenHash(recoveryTicket),
            UserId = user.Id,
            Purpose = ChallengePurpose.RecoveryCompletion,
            ExpiresAt = now + _o.LoginTicketLifetime,
        };
        db.LoginChallenges.Add(completion);
        await db.SaveChangesAsync(ct);
        return new RecoveryBundleResponse(user.Id, new KdfParametersDto(user.KdfAlgorithm, user.KdfIterations, user.KdfSalt),
            keys.SigningPublicKey, keys.EncryptionPublicKey, keys.RecoveryWrappedPrivateKeys, recoveryTicket, completion.ExpiresAt);
    }

    /// <summary>
    /// Recovery step three: new password material signed with the keys the recovery code unlocked. The ticket is
    /// single use (a bad signature also spends it); success clears lockout and revokes every session.
    /// </summary>
    public async Task CompleteRecoveryAsync(RecoveryCompleteRequest r, CancellationToken ct)
    {
        var v = new Validator();
        v.Require(!string.IsNullOrWhiteSpace(r.RecoveryTicket), "recoveryTicket", "recoveryTicket is required.");
        ValidatePasswordMaterial(v, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, r.Signature);
        v.ThrowIfInvalid();

        var hash = SessionAuthenticationHandler.TokenHash(r.RecoveryTicket);
        var now = clock.GetUtcNow();
        var challenge = await db.LoginChallenges.AsNoTracking()
            .FirstOrDefaultAsync(c => c.TicketHash == hash && c.Purpose == ChallengePurpose.RecoveryCompletion, ct);
        if (challenge is null || challenge.ConsumedAt is not null || challenge.ExpiresAt <= now)
        {
            throw ProblemException.Unauthorized(RecoveryTicketRefused);
        }
        var user = await db.Users.FirstAsync(u => u.Id == challenge.UserId, ct);
        if (user.Suspended)
        {
            throw ProblemException.Forbidden("This account is suspended. Contact the platform administrator.");
        }
        var keys = await db.KeyBundles.FirstOrDefaultAsync(k => k.UserId == user.Id, ct) ?? throw ProblemException.NotFound("Key bundle");
        var signed = PasswordMaterialBytes(RecoveryTag, user.Id, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys);
        if (!Signatures.Verify(keys.SigningPublicKey, signed, r.Signature))
        {
            await db.LoginChallenges.Where(c => c.Id == challenge.Id && c.ConsumedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct);
            await events.RecordAsync(SecurityEventKind.AccessDenied, user.Id, user.Id, "recovery: signature does not verify", ct);
            throw ProblemException.Invalid("signature", "The signature does not verify with the account's registered signing key.");
        }

        ApplyNewPassword(user, keys, r.NewAuthKey, r.NewKdf, r.NewPasswordWrappedPrivateKeys, now);
        user.LockedUntil = null;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var consumed = await db.LoginChallenges.Where(c => c.Id == challenge.Id && c.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.ConsumedAt, now), ct);
        if (consumed == 0)
        {
            throw ProblemException.Unauthorized(RecoveryTicketRefused);
        }
        await SaveOrConflictAsync(ct);
        var revoked = await db.Sessions.Where(s => s.UserId == user.Id && s.RevokedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.RevokedAt, now), ct);
        await tx.CommitAsync(ct);
        await events.RecordAsync(SecurityEventKind.Recovered, user.Id, user.Id, $"revokedSessions={revoked}", ct);
    }

    private async Task SaveOrConflictAsync(CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            throw ProblemException.Conflict("The account changed at the same time; reload and try again.");
        }
    }

    private async Task<TokenResponse> IssueSessionAsync(Guid userId, Guid familyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var access = NewToken();
        var refresh = NewToken();
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

    private async Task<LoginChallenge> FindChallengeAsync(string? ticket, ChallengePurpose purpose, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(ticket))
        {
            throw ProblemException.Invalid("ticket", "ticket is required.");
        }
        var hash = SessionAuthenticationHandler.TokenHash(ticket);
        // A ticket is only ever accepted by the step it was issued for (a recovery ticket never signs anyone in).
        var challenge = await db.LoginChallenges.FirstOrDefaultAsync(c => c.TicketHash == hash && c.Purpose == purpose, ct)
            ?? throw ProblemException.Unauthorized("The sign-in ticket is not valid; start again.");
        if (challenge.ConsumedAt is not null || challenge.ExpiresAt <= clock.GetUtcNow())
        {
            throw ProblemException.Unauthorized("The sign-in ticket has expired or was used; start again.");
        }
        return challenge;
    }

    private void EnsureNotLocked(UserAccount user)
    {
        var now = clock.GetUtcNow();
        if (user.LockedUntil is { } until && until > now)
        {
            throw ProblemException.Locked($"Too many failed attempts; this account is locked until {until:u}.", until - now);
        }
    }

    private async Task RegisterOtpFailureAsync(LoginChallenge challenge, Guid userId, SecurityEventKind kind, CancellationToken ct)
    {
        await db.LoginChallenges.Where(c => c.Id == challenge.Id).ExecuteUpdateAsync(s => s.SetProperty(c => c.Attempts, c => c.Attempts + 1), ct);
        await RegisterFailureAsync(userId, kind, ct);
    }

    /// <summary>Counts a failure atomically; the attempt that reaches the limit locks the account.</summary>
    private async Task RegisterFailureAsync(Guid userId, SecurityEventKind kind, CancellationToken ct, string? detail = null)
    {
        await events.RecordAsync(kind, userId, userId, detail, ct);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.FailedAttempts, u => u.FailedAttempts + 1), ct);
        var now = clock.GetUtcNow();
        var until = now + _o.LockoutDuration;
        var locked = await db.Users.Where(u => u.Id == userId && u.FailedAttempts >= _o.MaxFailedAttempts)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.LockedUntil, until).SetProperty(u => u.FailedAttempts, 0), ct);
        if (locked > 0)
        {
            await events.RecordAsync(SecurityEventKind.Lockout, userId, userId, $"until={until.ToUnixTimeSeconds()}", ct);
            throw ProblemException.Locked($"Too many failed attempts; this account is locked until {until:u}.", _o.LockoutDuration);
        }
    }

    internal static byte[] HashAuthKey(byte[] authKey, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(authKey, salt, iterations, HashAlgorithmName.SHA256, 32);

    private static byte[] EmailCodeHash(Guid challengeId, string code) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(challengeId.ToString("N") + ":" + code));

    private static string NewToken() => Base64Url(RandomNumberGenerator.GetBytes(32));

    private static string Base64Url(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static OrganizationKind? ExpectedOrganizationKind(Role role) => role switch
    {
        Role.Doctor or Role.HospitalStaff => OrganizationKind.Hospital,
        Role.Pharmacist => OrganizationKind.Pharmacy,
        Role.InsurerStaff => OrganizationKind.Insurer,
        _ => null,
    };

    internal static bool IsEmail(string? email)
    {
        if (string.IsNullOrWhiteSpace(email) || email.Length > 254 || email.Any(char.IsControl))
        {
            return false;
        }
        return MailAddress.TryCreate(email.Trim(), out var parsed) && parsed.Address == email.Trim() && email.Contains('.', StringComparison.Ordinal);
    }
}

/// <summary>Server-held secrets that are not user data (prelogin decoy salt key).</summary>
public sealed class ServerSecrets(byte[] preloginKey)
{
    public byte[] PreloginKey { get; } = preloginKey;
}

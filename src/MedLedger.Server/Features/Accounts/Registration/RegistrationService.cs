using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// Registration in two steps, so its answers do not tell a taken email from a fresh one. Start checks the request
/// (the account, its key bundle made on the device with private keys only wrapped, and for a professional founding one,
/// a pending organization), stores a pending registration and emails a code; a taken email gets a decoy pending
/// registration and a notice to its owner instead. Confirm with the code creates the account: the client-signed key
/// registration commits on the ledger before anything else is stored.
/// </summary>
public sealed class RegistrationService(
    MedLedgerDbContext db,
    IOptions<AuthOptions> options,
    TimeProvider clock,
    SecurityEventLog events,
    IdentityLedger identityLedger,
    OrganizationService organizations,
    OneTimeCodeQueue messages)
{
    /// <summary>Word for word the sign-in answer to a wrong code: a decoy, a spent or expired ticket and a lost race all look like it.</summary>
    public const string CodeRefused = "The code is wrong or expired.";

    private readonly AuthOptions _o = options.Value;

    /// <summary>
    /// Step one. Fresh and taken emails get the same 202 with a random ticket after the same work: one lookup, one slow
    /// hash, one stored pending registration, one queued message (sent after the answer). Only a fresh email gets the code.
    /// </summary>
    public async Task<RegistrationStartResponse> StartAsync(RegisterRequest r, CancellationToken ct)
    {
        var expectedKind = ExpectedOrganizationKind(r.Role);
        Validate(r, expectedKind);
        await CheckOrganizationAsync(r, expectedKind, ct);
        // A key registration that could never commit is refused now, before anything is stored or mailed.
        IdentityLedger.CheckKeyRegistration(r.UserId, r.Role, r.Keys, r.KeyRegistration);

        var email = AccountRules.NormalizeEmail(r.Email);
        var holder = await db.Users.AsNoTracking().Where(u => u.Email == email || u.Id == r.UserId).Select(u => u.Email).FirstOrDefaultAsync(ct);
        var now = clock.GetUtcNow();
        var ticket = AccountRules.NewToken();
        var code = AccountRules.NewEmailCode();
        var salt = RandomNumberGenerator.GetBytes(16);
        var id = Guid.NewGuid();
        var pending = new PendingRegistration
        {
            Id = id,
            TicketHash = SessionAuthenticationHandler.TokenHash(ticket),
            // The auth key is replaced by its slow hash: the server never stores it, pending or not.
            Request = JsonSerializer.SerializeToUtf8Bytes(r with { Email = email, AuthKey = [] }),
            AuthKeySalt = salt,
            AuthKeyIterations = _o.ServerHashIterations,
            AuthKeyHash = AccountRules.HashAuthKey(r.AuthKey, salt, _o.ServerHashIterations),
            // A decoy gets the hash of a code nobody is sent, so it is stored exactly like a real one.
            CodeHash = AccountRules.EmailCodeHash(id, code),
            Decoy = holder is not null,
            ExpiresAt = now + _o.EmailCodeLifetime,
        };
        db.PendingRegistrations.Add(pending);
        await db.SaveChangesAsync(ct);

        var minutes = (int)_o.EmailCodeLifetime.TotalMinutes;
        if (holder is null)
        {
            await messages.SendAsync(new OutgoingMessage(email, "Your MedLedger registration code",
                $"Your MedLedger registration code is {code}. It expires in {minutes} minutes. If you did not sign up, ignore this message: no account is created without the code.",
                now, pending.Id, pending.ExpiresAt), ct);
        }
        else if (holder == email)
        {
            await messages.SendAsync(new OutgoingMessage(email, "Someone tried to register with your MedLedger address",
                "Someone tried to create a MedLedger account with your email address. If it was you, you already have an account: sign in, or recover your account with your recovery code if you lost your password. "
                + "If it was not you, nothing changes: your account and records are untouched.", now), ct);
        }
        // Otherwise only the client-chosen user id was taken (a probe or a collision): nobody to tell, and it never confirms.
        return new RegistrationStartResponse(ticket);
    }

    /// <summary>
    /// Step two. Every refusal (unknown, spent or expired ticket, a decoy, a wrong code, attempts used up, a lost race
    /// for the email) is the sign-in's wrong-code 401. Each try is counted before the code is compared, so concurrent
    /// guesses cannot exceed the limit; the ticket is spent by exactly one confirm.
    /// </summary>
    public async Task<RegisterResponse> ConfirmAsync(RegistrationConfirmRequest r, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(r.Ticket))
        {
            throw ProblemException.Invalid("ticket", "ticket is required.");
        }
        var code = AccountRules.RequireSixDigitCode(r.Code);
        var hash = SessionAuthenticationHandler.TokenHash(r.Ticket);
        var now = clock.GetUtcNow();
        var max = _o.MaxFailedAttempts;
        var counted = await db.PendingRegistrations
            .Where(p => p.TicketHash == hash && p.ConsumedAt == null && p.ExpiresAt > now && p.Attempts < max)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Attempts, p => p.Attempts + 1), ct);
        var pending = counted == 0 ? null : await db.PendingRegistrations.AsNoTracking().FirstOrDefaultAsync(p => p.TicketHash == hash, ct);
        if (pending is null || pending.Decoy || !CryptographicOperations.FixedTimeEquals(pending.CodeHash, AccountRules.EmailCodeHash(pending.Id, code)))
        {
            throw ProblemException.Unauthorized(CodeRefused);
        }
        var spent = await db.PendingRegistrations.Where(p => p.Id == pending.Id && p.ConsumedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ConsumedAt, now), ct);
        if (spent == 0)
        {
            throw ProblemException.Unauthorized(CodeRefused);
        }
        await messages.WithdrawCodeAsync(pending.Id, ct);
        var request = JsonSerializer.Deserialize<RegisterRequest>(pending.Request) ?? throw new InvalidOperationException("empty pending registration");
        var response = await CreateAccountAsync(request, pending, ct);
        // The wrapped keys and the auth key hash now live in the account; the pending copy has no further use.
        await db.PendingRegistrations.Where(p => p.Id == pending.Id).ExecuteDeleteAsync(ct);
        return response;
    }

    /// <summary>Deletes pending registrations past their expiry (confirmed ones are deleted at once). Returns how many.</summary>
    public Task<int> SweepExpiredAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.PendingRegistrations.Where(p => p.ExpiresAt <= now).ExecuteDeleteAsync(ct);
    }

    /// <summary>The account, its key bundle and a founded organization, as registration in one step used to create them.</summary>
    private async Task<RegisterResponse> CreateAccountAsync(RegisterRequest r, PendingRegistration pending, CancellationToken ct)
    {
        var expectedKind = ExpectedOrganizationKind(r.Role);
        // The organization joined may have changed since the start.
        await CheckOrganizationAsync(r, expectedKind, ct);
        if (await db.Users.AnyAsync(u => u.Email == r.Email || u.Id == r.UserId, ct))
        {
            // Another pending registration for this email was confirmed first.
            throw ProblemException.Unauthorized(CodeRefused);
        }

        var now = clock.GetUtcNow();
        var user = new UserAccount
        {
            Id = r.UserId,
            Email = r.Email,
            Role = r.Role,
            KdfAlgorithm = r.Kdf.Algorithm,
            KdfIterations = r.Kdf.Iterations,
            KdfSalt = r.Kdf.Salt,
            CreatedAt = now,
            AuthKeySalt = pending.AuthKeySalt,
            AuthKeyIterations = pending.AuthKeyIterations,
            AuthKeyHash = pending.AuthKeyHash,
        };
        user.Verification = expectedKind is null ? VerificationStatus.NotRequired : VerificationStatus.Pending;
        user.LicenseNumber = r.LicenseNumber?.Trim();
        user.DisplayName = r.DisplayName?.Trim();
        user.Specialty = r.Specialty?.Trim();
        user.EncryptedProfile = r.EncryptedProfile;
        var newOrganizationId = r.NewOrganization is null ? (Guid?)null : Guid.NewGuid();
        user.OrganizationId = newOrganizationId ?? r.OrganizationId;
        // Key transparency: the client-signed key registration commits on the ledger first; the account, its keys and a
        // founder's organization are then written together (AccountLedgerRows), rolled forward after a crash.
        var receipt = await identityLedger.RegisterKeysAsync(user.Id, user.Role, r.Keys, r.KeyRegistration,
            new AccountRows(user, NewKeyBundle(user.Id, r.Keys, now), r.NewOrganization, newOrganizationId), ct);
        if (!await db.Users.AnyAsync(u => u.Id == user.Id && u.Email == r.Email, ct))
        {
            throw ProblemException.Unauthorized(CodeRefused);
        }
        await events.RecordAsync(SecurityEventKind.Registered, user.Id, user.Id, $"role={user.Role}", ct);
        return new RegisterResponse(user.Id, user.Role, user.Verification, user.OrganizationId, receipt);
    }

    private async Task CheckOrganizationAsync(RegisterRequest r, OrganizationKind? expectedKind, CancellationToken ct)
    {
        if (r.OrganizationId is { } orgId)
        {
            var kind = await organizations.KindOfAsync(orgId, ct) ?? throw ProblemException.NotFound($"Organization {orgId}");
            if (kind != expectedKind)
            {
                throw ProblemException.Invalid("organizationId", $"A {r.Role} belongs to a {expectedKind}, but that organization is a {kind}.");
            }
        }
    }

    /// <summary>Creates a platform admin; only reachable from the server's own CLI (`medledger admin create`).</summary>
    public async Task<Guid> CreateAdminAsync(CreateAdminRequest r, CancellationToken ct)
    {
        var normalized = AccountRules.NormalizeEmail(r.Email);
        if (!AccountRules.IsEmail(normalized))
        {
            throw ProblemException.Invalid("email", "email must be a valid address.");
        }
        if (await db.Users.AnyAsync(u => u.Email == normalized, ct))
        {
            throw ProblemException.Conflict("An account with this email already exists.");
        }
        var now = clock.GetUtcNow();
        var user = NewAccount(r.UserId, normalized, Role.PlatformAdmin, r.AuthKey, r.Kdf, now);
        user.Verification = VerificationStatus.NotRequired;
        await identityLedger.RegisterKeysAsync(user.Id, user.Role, r.Keys, r.KeyRegistration, new AccountRows(user, NewKeyBundle(user.Id, r.Keys, now)), ct);
        if (!await db.Users.AnyAsync(u => u.Id == user.Id && u.Email == normalized, ct))
        {
            throw ProblemException.Conflict("An account with this email already exists.");
        }
        // The operator who runs `admin create` on the server is the root of trust for admins (the row stays NotRequired).
        await identityLedger.RecordVerificationAsync(user.Id, new VerificationRows(user.Id, "user", VerificationStatus.NotRequired, null), approved: true, ct);
        await events.RecordAsync(SecurityEventKind.AdminCreated, user.Id, user.Id, null, ct);
        return user.Id;
    }

    private static void Validate(RegisterRequest r, OrganizationKind? expectedKind)
    {
        var v = new Validator();
        v.Require(AccountRules.IsEmail(r.Email), "email", "email must be a valid address of at most 254 characters.");
        v.Require(r.AuthKey is { Length: AccountRules.AuthKeyLength }, "authKey", $"authKey must be {AccountRules.AuthKeyLength} bytes (derived on the client, never the password).");
        AccountRules.RequireKdf(v, r.Kdf, "kdf");
        v.Require(r.Keys is not null, "keys", "keys are required.");
        if (r.Keys is not null)
        {
            AccountRules.RequireP256Point(v, r.Keys.SigningPublicKey, "keys.signingPublicKey", "signingPublicKey");
            AccountRules.RequireP256Point(v, r.Keys.EncryptionPublicKey, "keys.encryptionPublicKey", "encryptionPublicKey");
            v.Require(r.Keys.PasswordWrappedPrivateKeys is { Length: > 0 and <= AccountRules.MaxWrappedKeyLength }, "keys.passwordWrappedPrivateKeys", "passwordWrappedPrivateKeys is required (at most 4 KiB).");
            v.Require(r.Keys.RecoveryWrappedPrivateKeys is { Length: > 0 and <= AccountRules.MaxWrappedKeyLength }, "keys.recoveryWrappedPrivateKeys", "recoveryWrappedPrivateKeys is required (at most 4 KiB).");
        }
        v.Require(r.EncryptedProfile is null || r.EncryptedProfile.Length <= AccountRules.MaxEncryptedProfileLength, "encryptedProfile", "encryptedProfile must be at most 16 KiB.");
        v.RequireText(r.DisplayName, "displayName", AccountRules.MaxCardTextLength, required: false);
        v.RequireText(r.Specialty, "specialty", AccountRules.MaxCardTextLength, required: false);
        v.Require(expectedKind is not null || (r.DisplayName is null && r.Specialty is null), "displayName", "A patient's name goes only into the encrypted profile.");
        v.Require(r.UserId != Guid.Empty, "userId", "userId must be a random UUID chosen by the client.");
        v.Require(Enum.IsDefined(r.Role), "role", "role is not a known role.");
        v.Require(r.Role != Role.PlatformAdmin, "role", "Platform admins are created with `medledger admin create`, not by registration.");
        if (expectedKind is null)
        {
            v.Require(r.OrganizationId is null && r.NewOrganization is null, "organizationId", "Patients do not register into an organization.");
        }
        else
        {
            v.Require(r.OrganizationId is not null ^ r.NewOrganization is not null, "organizationId", $"A {r.Role} registers into an existing {expectedKind} (organizationId) or a new one (newOrganization), exactly one.");
            if (r.NewOrganization is { } n)
            {
                OrganizationService.ValidateProfile(v, n.Name, n.Address, n.Latitude, n.Longitude, n.ContactPhone, n.ContactEmail, n.RegistrationNumber, "newOrganization.");
                v.Require(n.Kind == expectedKind, "newOrganization.kind", $"A {r.Role} belongs to a {expectedKind}.");
            }
        }
        if (r.Role == Role.Doctor)
        {
            v.RequireText(r.LicenseNumber, "licenseNumber", 64);
        }
        v.ThrowIfInvalid();
    }

    private UserAccount NewAccount(Guid id, string email, Role role, byte[] authKey, KdfParametersDto kdf, DateTimeOffset now)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        return new UserAccount
        {
            Id = id,
            Email = email,
            Role = role,
            KdfAlgorithm = kdf.Algorithm,
            KdfIterations = kdf.Iterations,
            KdfSalt = kdf.Salt,
            CreatedAt = now,
            AuthKeySalt = salt,
            AuthKeyIterations = _o.ServerHashIterations,
            AuthKeyHash = AccountRules.HashAuthKey(authKey, salt, _o.ServerHashIterations),
        };
    }

    private static KeyBundleRecord NewKeyBundle(Guid userId, KeyBundleUpload keys, DateTimeOffset now) => new()
    {
        UserId = userId,
        SigningPublicKey = keys.SigningPublicKey,
        EncryptionPublicKey = keys.EncryptionPublicKey,
        PasswordWrappedPrivateKeys = keys.PasswordWrappedPrivateKeys,
        RecoveryWrappedPrivateKeys = keys.RecoveryWrappedPrivateKeys,
        UpdatedAt = now,
    };

    private static OrganizationKind? ExpectedOrganizationKind(Role role) => role switch
    {
        Role.Doctor or Role.HospitalStaff => OrganizationKind.Hospital,
        Role.Pharmacist => OrganizationKind.Pharmacy,
        Role.InsurerStaff => OrganizationKind.Insurer,
        _ => null,
    };
}

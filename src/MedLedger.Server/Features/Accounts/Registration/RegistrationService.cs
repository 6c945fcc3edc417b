using System.Security.Cryptography;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// Registration: the account, its key bundle (made on the device; private keys only wrapped) and, for a professional
/// founding one, a pending organization. The client-signed key registration commits on the ledger before anything is stored.
/// </summary>
public sealed class RegistrationService(
    MedLedgerDbContext db,
    IOptions<AuthOptions> options,
    TimeProvider clock,
    SecurityEventLog events,
    IdentityLedger identityLedger,
    OrganizationService organizations)
{
    private readonly AuthOptions _o = options.Value;

    public async Task<RegisterResponse> RegisterAsync(RegisterRequest r, CancellationToken ct)
    {
        var expectedKind = ExpectedOrganizationKind(r.Role);
        Validate(r, expectedKind);

        var email = AccountRules.NormalizeEmail(r.Email);
        if (r.OrganizationId is { } orgId)
        {
            var kind = await organizations.KindOfAsync(orgId, ct) ?? throw ProblemException.NotFound($"Organization {orgId}");
            if (kind != expectedKind)
            {
                throw ProblemException.Invalid("organizationId", $"A {r.Role} belongs to a {expectedKind}, but that organization is a {kind}.");
            }
        }
        if (await db.Users.AnyAsync(u => u.Email == email || u.Id == r.UserId, ct))
        {
            throw ProblemException.Conflict("An account with this email already exists.");
        }

        var now = clock.GetUtcNow();
        var user = NewAccount(r.UserId, email, r.Role, r.AuthKey, r.Kdf, now);
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
        if (!await db.Users.AnyAsync(u => u.Id == user.Id && u.Email == email, ct))
        {
            throw ProblemException.Conflict("An account with this email already exists.");
        }
        await events.RecordAsync(SecurityEventKind.Registered, user.Id, user.Id, $"role={user.Role}", ct);
        return new RegisterResponse(user.Id, user.Role, user.Verification, user.OrganizationId, receipt);
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
                OrganizationService.ValidateProfile(v, n.Name, n.Address, n.Latitude, n.Longitude, n.ContactPhone, n.ContactEmail, "newOrganization.");
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

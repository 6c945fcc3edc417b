using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Accounts;

public enum Role
{
    Patient,
    Doctor,
    HospitalStaff,
    Pharmacist,
    InsurerStaff,
    PlatformAdmin,
}

public enum VerificationStatus
{
    /// <summary>Patients and admins act without review.</summary>
    NotRequired,
    Pending,
    Approved,
    Rejected,
}

/// <summary>
/// A sign-in identity. Deliberately holds no name: names reach the server only inside
/// the client-encrypted profile (DESIGN.md, "the server is blind").
/// </summary>
public sealed class UserAccount
{
    public Guid Id { get; set; }
    public required string Email { get; set; }
    public Role Role { get; set; }
    public VerificationStatus Verification { get; set; }
    public string? VerificationReason { get; set; }
    public string? LicenseNumber { get; set; }
    /// <summary>A professional's public identity card (display name, specialty): directory data, never a patient's name.</summary>
    public string? DisplayName { get; set; }
    public string? Specialty { get; set; }
    public Guid? OrganizationId { get; set; }
    public bool Suspended { get; set; }

    // Server-side slow hash of the client-derived authentication key.
    public required byte[] AuthKeyHash { get; set; }
    public required byte[] AuthKeySalt { get; set; }
    public int AuthKeyIterations { get; set; }

    // Client KDF parameters, public by design (served by prelogin).
    public required string KdfAlgorithm { get; set; }
    public int KdfIterations { get; set; }
    public required byte[] KdfSalt { get; set; }

    public string? TotpSecret { get; set; }
    public bool TotpEnabled { get; set; }
    /// <summary>Highest TOTP time step accepted; a code for this step or earlier is a replay.</summary>
    public long TotpLastStep { get; set; }

    /// <summary>Start of the current hour-long window of recovery starts, and how many began in it (the per-account limit).</summary>
    public DateTimeOffset? RecoveryWindowStartedAt { get; set; }
    public int RecoveryStartsInWindow { get; set; }

    public int FailedAttempts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>Client-encrypted profile (display name etc.), opaque to the server.</summary>
    public byte[]? EncryptedProfile { get; set; }

    /// <summary>Optimistic concurrency: counters and lockout must not lose updates.</summary>
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

/// <summary>Public keys and wrapped private keys (opaque bytes) uploaded by the user's client.</summary>
public sealed class KeyBundleRecord
{
    public Guid UserId { get; set; }
    public required byte[] SigningPublicKey { get; set; }
    public required byte[] EncryptionPublicKey { get; set; }
    public required byte[] PasswordWrappedPrivateKeys { get; set; }
    public required byte[] RecoveryWrappedPrivateKeys { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

public sealed class Session
{
    public Guid Id { get; set; }
    public Guid UserId { get; set; }
    /// <summary>Refresh tokens rotate; all rotations of one login share a family so reuse revokes them all.</summary>
    public Guid FamilyId { get; set; }
    public required byte[] AccessTokenHash { get; set; }
    public DateTimeOffset AccessExpiresAt { get; set; }
    public required byte[] RefreshTokenHash { get; set; }
    public DateTimeOffset RefreshExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    /// <summary>Set when this session's refresh token was exchanged for a new session.</summary>
    public DateTimeOffset? RotatedAt { get; set; }
}

public enum OtpMethod
{
    Totp,
    Email,
}

/// <summary>What a <see cref="LoginChallenge"/> ticket may be used for; a ticket is never accepted by another step.</summary>
public enum ChallengePurpose
{
    /// <summary>Sign-in: credential accepted, waiting for the one-time code.</summary>
    Login,
    /// <summary>Account recovery step one: waiting for the emailed code.</summary>
    Recovery,
    /// <summary>Account recovery step two: emailed code accepted, waiting for the new password material signed with the recovered keys.</summary>
    RecoveryCompletion,
    /// <summary>A password-change nonce: the challenge id is the nonce the new material is signed over; spent by one attempt.</summary>
    PasswordChange,
}

/// <summary>The state between login step one (credential) and step two (one-time code); also the recovery tickets.</summary>
public sealed class LoginChallenge
{
    public Guid Id { get; set; }
    public required byte[] TicketHash { get; set; }
    public ChallengePurpose Purpose { get; set; }
    public Guid UserId { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public byte[]? EmailCodeHash { get; set; }
    public DateTimeOffset? EmailCodeExpiresAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }
    public Guid ConcurrencyStamp { get; set; } = Guid.NewGuid();
}

/// <summary>
/// Failed sign-ins for an email that has no account, keyed by an HMAC of the normalized address under the server's
/// prelogin key (the address itself is not stored): unknown emails lock out exactly like accounts, so a 429 does not
/// tell who is registered.
/// </summary>
public sealed class UnknownEmailAttempts
{
    public required byte[] EmailKey { get; set; }
    public int FailedAttempts { get; set; }
    public DateTimeOffset? LockedUntil { get; set; }
}

internal sealed class UnknownEmailAttemptsConfiguration : IEntityTypeConfiguration<UnknownEmailAttempts>
{
    public void Configure(EntityTypeBuilder<UnknownEmailAttempts> b)
    {
        b.ToTable("unknown_email_attempts");
        b.HasKey(x => x.EmailKey);
    }
}

internal sealed class UserAccountConfiguration : IEntityTypeConfiguration<UserAccount>
{
    public void Configure(EntityTypeBuilder<UserAccount> b)
    {
        b.ToTable("users");
        b.HasKey(x => x.Id);
        b.Property(x => x.Email).HasMaxLength(254);
        b.HasIndex(x => x.Email).IsUnique();
        b.HasIndex(x => x.OrganizationId);
        b.HasIndex(x => x.Verification);
        b.Property(x => x.LicenseNumber).HasMaxLength(64);
        b.Property(x => x.DisplayName).HasMaxLength(AccountRules.MaxCardTextLength);
        b.Property(x => x.Specialty).HasMaxLength(AccountRules.MaxCardTextLength);
        b.Property(x => x.VerificationReason).HasMaxLength(500);
        b.Property(x => x.KdfAlgorithm).HasMaxLength(32);
        b.Property(x => x.TotpSecret).HasMaxLength(64);
        b.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
    }
}

internal sealed class KeyBundleConfiguration : IEntityTypeConfiguration<KeyBundleRecord>
{
    public void Configure(EntityTypeBuilder<KeyBundleRecord> b)
    {
        b.ToTable("key_bundles");
        b.HasKey(x => x.UserId);
        b.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
    }
}

internal sealed class SessionConfiguration : IEntityTypeConfiguration<Session>
{
    public void Configure(EntityTypeBuilder<Session> b)
    {
        b.ToTable("sessions");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.AccessTokenHash).IsUnique();
        b.HasIndex(x => x.RefreshTokenHash).IsUnique();
        b.HasIndex(x => x.UserId);
        b.HasIndex(x => x.FamilyId);
    }
}

internal sealed class LoginChallengeConfiguration : IEntityTypeConfiguration<LoginChallenge>
{
    public void Configure(EntityTypeBuilder<LoginChallenge> b)
    {
        b.ToTable("login_challenges");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.TicketHash).IsUnique();
        b.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
    }
}

/// <summary>
/// A sign-up waiting for its emailed code. No account row and no ledger transaction exist before the code confirms
/// it. A start for a taken email stores a decoy (its code is never sent) so both answers cost the same and look alike.
/// The request is kept without the auth key: only its slow hash is stored, as for an account.
/// </summary>
public sealed class PendingRegistration
{
    public Guid Id { get; set; }
    public required byte[] TicketHash { get; set; }
    /// <summary>The registration request as JSON, with the auth key removed.</summary>
    public required byte[] Request { get; set; }
    public required byte[] AuthKeyHash { get; set; }
    public required byte[] AuthKeySalt { get; set; }
    public int AuthKeyIterations { get; set; }
    public required byte[] CodeHash { get; set; }
    public bool Decoy { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset? ConsumedAt { get; set; }
}

internal sealed class PendingRegistrationConfiguration : IEntityTypeConfiguration<PendingRegistration>
{
    public void Configure(EntityTypeBuilder<PendingRegistration> b)
    {
        b.ToTable("pending_registrations");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.TicketHash).IsUnique();
        b.HasIndex(x => x.ExpiresAt);
    }
}

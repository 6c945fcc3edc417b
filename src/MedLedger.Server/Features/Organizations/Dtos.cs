using MedLedger.Server.Features.Accounts;

namespace MedLedger.Server.Features.Organizations;

public sealed record OrganizationResponse(Guid Id, OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, VerificationStatus Verification, string? VerificationReason, string RegistrationNumber, DateTimeOffset? CardChangedAt, bool Suspended = false, string? StandingReason = null);

/// <summary>A change to the card fields (name, address, location, registration number) puts the organization back in the admin's queue.</summary>
public sealed record OrganizationUpdate(string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, string RegistrationNumber);

/// <summary>A verified professional of a verified organization (public directory data; the identity card has the rest).</summary>
public sealed record DirectoryProfessional(Guid UserId, Role Role);

public sealed record MemberResponse(Guid UserId, Role Role, VerificationStatus Verification, string? LicenseNumber, byte[]? EncryptedProfile);

/// <summary>An organization founded at a professional's registration (pending until an admin verifies it).</summary>
public sealed record NewOrganizationDto(
    OrganizationKind Kind,
    string Name,
    string Address,
    double Latitude,
    double Longitude,
    string? ContactPhone,
    string? ContactEmail,
    string RegistrationNumber);

/// <summary>
/// An organization awaiting verification, as the admin's queue lists it: new (Pending), or verified before and its card
/// changed since (<paramref name="CardChangedAt"/> set, <paramref name="Verification"/> the earlier decision).
/// </summary>
public sealed record PendingOrganization(Guid Id, OrganizationKind Kind, string Name, string Address, DateTimeOffset CreatedAt, string RegistrationNumber, VerificationStatus Verification, DateTimeOffset? CardChangedAt);

/// <summary>An organization's verification state as sessions report it.</summary>
public sealed record OrganizationVerification(VerificationStatus Status, string? Reason);

/// <summary>Where an organization is: a query shape other features compose with their own tables (hospital search).</summary>
public sealed class OrganizationPlace
{
    public Guid Id { get; init; }
    public OrganizationKind Kind { get; init; }
    public VerificationStatus Verification { get; init; }
    public required string Name { get; init; }
    public required string Address { get; init; }
    public required string RegistrationNumber { get; init; }
    public double Latitude { get; init; }
    public double Longitude { get; init; }
    public bool Suspended { get; init; }
}

/// <summary>An admin's suspension or reinstatement of an organization: a reason code and the identity.org-standing the admin's client signed.</summary>
public sealed record OrganizationStandingChange(string? Reason, MedLedger.Server.Features.Ledger.SignedTransactionDto? Transaction);

/// <summary>The row state an identity.org-standing leads to (rolled forward after a crash).</summary>
public sealed record OrganizationStandingRows(Guid OrganizationId, bool Suspended, string Reason);

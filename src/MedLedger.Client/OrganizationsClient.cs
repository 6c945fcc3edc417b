namespace MedLedger.Client;

// Organizations (web/src/sdk/organizations.ts): the public directory of verified organizations and their members.

public enum OrganizationKind { Hospital, Pharmacy, Insurer }

public sealed record Organization(Guid Id, OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, VerificationStatus Verification, string? VerificationReason);

public sealed record Member(Guid UserId, Role Role, VerificationStatus Verification, string? LicenseNumber, byte[]? EncryptedProfile);

public sealed partial class MedLedgerClient
{
    public Task<IReadOnlyList<Organization>> OrganizationsAsync(OrganizationKind? kind = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<Organization>>(HttpMethod.Get, "/api/organizations" + (kind is null ? "" : $"?kind={kind}"), null, authorize: false, ct);
}

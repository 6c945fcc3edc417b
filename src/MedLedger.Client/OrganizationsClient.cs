using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Organizations (web/src/sdk/organizations.ts): the public directory of verified organizations and their members, and
// the check of an organization's admin verification against the ledger before anything calls it "verified".

public enum OrganizationKind { Hospital, Pharmacy, Insurer }

public sealed record Organization(Guid Id, OrganizationKind Kind, string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, VerificationStatus Verification, string? VerificationReason, string RegistrationNumber, DateTimeOffset? CardChangedAt = null, bool Suspended = false, string? StandingReason = null);

/// <summary>
/// PUT /api/organizations/{id}: the caller's organization's card and contact. Changing the card (name, address, location,
/// registration number) of a decided organization puts it back in the admin's queue.
/// </summary>
public sealed record OrganizationUpdate(string Name, string Address, double Latitude, double Longitude, string? ContactPhone, string? ContactEmail, string RegistrationNumber);

public sealed record Member(Guid UserId, Role Role, VerificationStatus Verification, string? LicenseNumber, byte[]? EncryptedProfile);

/// <summary>GET /api/ledger/organizations/{id}/verification: the newest identity.verify and identity.org-standing about an organization, if any.</summary>
public sealed record OrganizationVerificationReceipt(Guid OrganizationId, LedgerReceipt? Verification, LedgerReceipt? Standing = null);

/// <summary>
/// An organization's verification as this client checked it: <see cref="Verified"/> only when a platform admin's own
/// signed identity.verify approves exactly the card shown (id, kind, name, address, location) and the ledger's newest
/// identity.org-standing about it (if any) is not a suspension. The server's own
/// "Approved" flag is never enough; an organization that fails is still shown, as "not verified by the admin".
/// </summary>
public sealed record CheckedOrganization(Guid OrganizationId, bool Verified, string? NotVerifiedReason)
{
    public const string NotVerifiedLabel = "not verified by the admin";

    public string Label => Verified ? "verified" : NotVerifiedLabel;
}

public sealed partial class MedLedgerClient
{
    public Task<IReadOnlyList<Organization>> OrganizationsAsync(OrganizationKind? kind = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<Organization>>(HttpMethod.Get, "/api/organizations" + (kind is null ? "" : $"?kind={kind}"), null, authorize: false, ct);

    /// <summary>One organization (an unverified one only for its own members and admins).</summary>
    public async Task<Organization> OrganizationAsync(Guid organizationId, CancellationToken ct = default)
    {
        var org = await SendAsync<Organization>(HttpMethod.Get, $"/api/organizations/{organizationId}", null, authorize: true, ct);
        return org.Id == organizationId
            ? org
            : throw new MedLedgerVerificationException($"Asked for organization {organizationId}, the server answered {org.Id}.");
    }

    /// <summary>Staff update their own organization (see <see cref="OrganizationUpdate"/>).</summary>
    public Task<Organization> UpdateOrganizationAsync(Guid organizationId, OrganizationUpdate update, CancellationToken ct = default) =>
        SendAsync<Organization>(HttpMethod.Put, $"/api/organizations/{organizationId}", update, authorize: true, ct);

    public Task<OrganizationVerificationReceipt> OrganizationVerificationReceiptAsync(Guid organizationId, CancellationToken ct = default) =>
        SendAsync<OrganizationVerificationReceipt>(HttpMethod.Get, $"/api/ledger/organizations/{organizationId}/verification", null, authorize: true, ct);

    /// <summary>Checks a directory entry as shown (see <see cref="CheckedOrganization"/>).</summary>
    public Task<CheckedOrganization> CheckOrganizationAsync(Organization org, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(org);
        return CheckOrganizationAsync(org.Id, org.Kind, org.Name, org.Address, org.Latitude, org.Longitude, org.RegistrationNumber, ct);
    }

    /// <summary>Checks a hospital search hit as shown: the same card, kind Hospital.</summary>
    public Task<CheckedOrganization> CheckHospitalAsync(HospitalHit hit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(hit);
        return CheckOrganizationAsync(hit.HospitalId, OrganizationKind.Hospital, hit.Name, hit.Address, hit.Latitude, hit.Longitude, hit.RegistrationNumber, ct);
    }

    /// <summary>Checks the card made of exactly these shown fields against the newest admin decision on the ledger.</summary>
    public async Task<CheckedOrganization> CheckOrganizationAsync(Guid organizationId, OrganizationKind kind, string name, string address, double latitude, double longitude, string registrationNumber, CancellationToken ct = default)
    {
        var reason = await OrganizationVerificationProblemAsync(organizationId, OrganizationCardHash(organizationId, kind, name, address, latitude, longitude, registrationNumber), ct);
        return new CheckedOrganization(organizationId, reason is null, reason);
    }

    internal static string OrganizationCardHash(Guid id, OrganizationKind kind, string name, string address, double latitude, double longitude, string registrationNumber) =>
        OrganizationCards.Hash(id.ToString(), kind.ToString(), name, address, latitude, longitude, registrationNumber);

    /// <summary>Why the organization must not be called verified, or null when an admin's own signed approval covers this card.</summary>
    private async Task<string?> OrganizationVerificationProblemAsync(Guid organizationId, string cardHash, CancellationToken ct)
    {
        var served = await OrganizationVerificationReceiptAsync(organizationId, ct);
        if (served.OrganizationId != organizationId)
        {
            return "the verification served is about another organization";
        }
        if (served.Verification is not { } receipt)
        {
            return "no admin verification on the ledger";
        }
        if (await ReceiptProblemAsync(receipt, ct) is { } bad)
        {
            return bad;
        }
        var tx = receipt.Transaction();
        if (tx.Type != VerifyContract.TypeName || tx.Get("subjectKind") != "organization" || tx.Get("subjectId") != organizationId.ToString())
        {
            return "the verification receipt is about something else";
        }
        if (tx.Get("decision") != "approved")
        {
            return "an admin rejected this organization";
        }
        if (tx.IsSystemEvent)
        {
            return "the verification is not signed by an admin";
        }
        if (tx.Get("cardHash") != cardHash)
        {
            return "the admin verified a different card (name, address, location or registration number changed)";
        }
        if (MaxVerificationAge is { } max && DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(receipt.Head.TimeMs) >= max)
        {
            return $"the verification is old (committed {DateTimeOffset.FromUnixTimeMilliseconds(receipt.Head.TimeMs):yyyy-MM-dd}; this client accepts {max.TotalDays:0.#} days)";
        }
        // The signer must be a platform admin by the ledger's own key history (following rotations), not by the server's word.
        return await AdminKeyProblemAsync(receipt, ct) ?? await StandingProblemAsync(organizationId, served.Standing, ct);
    }

    /// <summary>
    /// Why the organization's standing on the ledger withdraws "verified": a suspension in a receipt that verifies. A
    /// reinstatement counts only when an admin signed it (the contract takes no other), so a server cannot forge one.
    /// </summary>
    private async Task<string?> StandingProblemAsync(Guid organizationId, LedgerReceipt? standing, CancellationToken ct)
    {
        if (standing is null)
        {
            return null;
        }
        if (await ReceiptProblemAsync(standing, ct) is { } bad)
        {
            return bad;
        }
        var tx = standing.Transaction();
        if (tx.Type != OrganizationStandingContract.TypeName || tx.Get("organizationId") != organizationId.ToString())
        {
            return "the ledger's latest standing is about something else";
        }
        if (tx.Get("standing") != OrganizationStandingContract.Active)
        {
            return "an admin suspended this organization";
        }
        return tx.IsSystemEvent ? "the reinstatement is not signed by an admin" : await AdminKeyProblemAsync(standing, ct);
    }
}

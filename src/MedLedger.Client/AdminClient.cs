namespace MedLedger.Client;

// Admin (web/src/sdk/admin.ts): the verification queue and its decisions, and break-glass review.

/// <summary>An organization in the admin's queue: new, or decided before and its card changed since (<paramref name="CardChangedAt"/>).</summary>
public sealed record PendingOrganization(Guid Id, OrganizationKind Kind, string Name, string Address, DateTimeOffset CreatedAt, string RegistrationNumber, VerificationStatus Verification, DateTimeOffset? CardChangedAt);

public sealed record PendingProfessional(Guid UserId, Role Role, Guid? OrganizationId, string? LicenseNumber, DateTimeOffset CreatedAt);

public sealed record VerificationQueue(IReadOnlyList<PendingOrganization> Organizations, IReadOnlyList<PendingProfessional> Professionals);

public sealed partial class MedLedgerClient
{
    public Task<VerificationQueue> VerificationQueueAsync(CancellationToken ct = default) =>
        SendAsync<VerificationQueue>(HttpMethod.Get, "/api/admin/verifications", null, authorize: true, ct);

    /// <summary>
    /// Decides an organization with this admin's own signature: identity.verify over the hash of the organization card the
    /// directory shows the admin (the server refuses it unless that is the card it stores).
    /// </summary>
    public async Task DecideOrganizationAsync(Guid organizationId, bool approve, string? reason = null, CancellationToken ct = default)
    {
        var org = await OrganizationAsync(organizationId, ct);
        var tx = NewTransaction(MedLedger.Ledger.Contracts.VerifyContract.TypeName,
            MedLedger.Ledger.Contracts.VerifyContract.OrganizationPayload(organizationId, approve, OrganizationCardHash(org.Id, org.Kind, org.Name, org.Address, org.Latitude, org.Longitude, org.RegistrationNumber)));
        await SendAsync<object?>(HttpMethod.Post, $"/api/admin/organizations/{organizationId}/verification", new { approve, reason, transaction = Sign(tx) }, authorize: true, ct);
    }

    /// <summary>
    /// Decides a professional with this admin's own signature: identity.verify over the hash of the card the directory
    /// shows (checked here) and the fingerprint of the professional's ledger-registered keys.
    /// </summary>
    public async Task DecideProfessionalAsync(Guid userId, bool approve, string? reason = null, CancellationToken ct = default)
    {
        var card = await SendAsync<IdentityCard>(HttpMethod.Get, $"/api/users/{userId}/card", null, authorize: true, ct);
        if (card.UserId != userId)
        {
            throw new MedLedgerVerificationException($"Asked for the card of user {userId}, the server answered the card of {card.UserId}.");
        }
        await EnsureKeysOnLedgerAsync(userId, card.SigningPublicKey, card.EncryptionPublicKey, ct);
        var cardHash = MedLedger.Crypto.IdentityCards.Hash(userId.ToString(), card.Role.ToString(), card.DisplayName, card.LicenceNumber, card.Specialty,
            card.OrganizationId?.ToString(), card.OrganizationName);
        var tx = NewTransaction(MedLedger.Ledger.Contracts.VerifyContract.TypeName, MedLedger.Ledger.Contracts.VerifyContract.ProfessionalPayload(
            userId, approve, cardHash, MedLedger.Crypto.IdentityCards.KeyFingerprintHex(card.EncryptionPublicKey, card.SigningPublicKey)));
        await SendAsync<object?>(HttpMethod.Post, $"/api/admin/users/{userId}/verification", new { approve, reason, transaction = Sign(tx) }, authorize: true, ct);
    }

    /// <summary>Suspends a user: their sessions end, and for a professional an identity.standing on the ledger withdraws "verified" in every client.</summary>
    public Task SuspendAsync(Guid userId, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/users/{userId}/suspend", null, authorize: true, ct);

    public Task ReinstateAsync(Guid userId, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/users/{userId}/reinstate", null, authorize: true, ct);

    /// <summary>Every organization (any verification state), by name, for the admin's list; narrowed by kind, verification and suspension.</summary>
    public Task<IReadOnlyList<Organization>> AdminOrganizationsAsync(OrganizationKind? kind = null, VerificationStatus? verification = null, bool? suspended = null, CancellationToken ct = default)
    {
        string?[] parts = [kind is { } k ? $"kind={k}" : null, verification is { } v ? $"verification={v}" : null,
            suspended is { } s ? $"suspended={(s ? "true" : "false")}" : null];
        var q = parts.OfType<string>().ToList();
        return SendAsync<IReadOnlyList<Organization>>(HttpMethod.Get, "/api/admin/organizations" + (q.Count == 0 ? "" : "?" + string.Join('&', q)), null, authorize: true, ct);
    }

    /// <summary>
    /// Suspends an organization with this admin's own signature (identity.org-standing, a reason code from
    /// <see cref="MedLedger.Ledger.Contracts.OrganizationStandingContract.Reasons"/>): every client then calls it not verified.
    /// </summary>
    public Task SuspendOrganizationAsync(Guid organizationId, string reason, CancellationToken ct = default) =>
        SetOrganizationStandingAsync(organizationId, suspend: true, reason, ct);

    public Task ReinstateOrganizationAsync(Guid organizationId, string reason = "resolved", CancellationToken ct = default) =>
        SetOrganizationStandingAsync(organizationId, suspend: false, reason, ct);

    private Task SetOrganizationStandingAsync(Guid organizationId, bool suspend, string reason, CancellationToken ct)
    {
        var tx = NewTransaction(MedLedger.Ledger.Contracts.OrganizationStandingContract.TypeName,
            MedLedger.Ledger.Contracts.OrganizationStandingContract.Payload(organizationId, suspend, reason));
        return SendAsync<object?>(HttpMethod.Post, $"/api/admin/organizations/{organizationId}/{(suspend ? "suspend" : "reinstate")}", new { reason, transaction = Sign(tx) }, authorize: true, ct);
    }

    public Task ReviewBreakGlassAsync(Guid eventId, string outcome, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/break-glass/{eventId}/review", new { outcome }, authorize: true, ct);
}

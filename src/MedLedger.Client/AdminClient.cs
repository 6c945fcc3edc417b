namespace MedLedger.Client;

// Admin (web/src/sdk/admin.ts): the verification queue and its decisions, and break-glass review.

public sealed record PendingOrganization(Guid Id, OrganizationKind Kind, string Name, string Address, DateTimeOffset CreatedAt);

public sealed record PendingProfessional(Guid UserId, Role Role, Guid? OrganizationId, string? LicenseNumber, DateTimeOffset CreatedAt);

public sealed record VerificationQueue(IReadOnlyList<PendingOrganization> Organizations, IReadOnlyList<PendingProfessional> Professionals);

public sealed partial class MedLedgerClient
{
    public Task<VerificationQueue> VerificationQueueAsync(CancellationToken ct = default) =>
        SendAsync<VerificationQueue>(HttpMethod.Get, "/api/admin/verifications", null, authorize: true, ct);

    public Task DecideOrganizationAsync(Guid organizationId, bool approve, string? reason = null, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/organizations/{organizationId}/verification", new { approve, reason }, authorize: true, ct);

    public Task DecideProfessionalAsync(Guid userId, bool approve, string? reason = null, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/users/{userId}/verification", new { approve, reason }, authorize: true, ct);

    public Task ReviewBreakGlassAsync(Guid eventId, string outcome, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, $"/api/admin/break-glass/{eventId}/review", new { outcome }, authorize: true, ct);
}

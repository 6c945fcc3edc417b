using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Consent;

public sealed record GrantWrapDto(Guid RecordId, int Version, string ReaderKeyId, byte[] Enc, byte[] WrappedKey);

public sealed record GrantRequest(Guid GrantId, Guid GranteeId, ConsentScopeKind Scope, IReadOnlyList<string>? Items, string Purpose, byte[] PurposeSalt, DateTimeOffset? ExpiresAt,
    SignedTransactionDto Transaction, IReadOnlyList<GrantWrapDto> Wraps, Guid? AppointmentId = null);

public sealed record RevokeRequest(SignedTransactionDto Transaction);

public sealed record GrantResponse(Guid Id, Guid PatientId, Guid GranteeId, Role GranteeRole, ConsentScopeKind Scope, IReadOnlyList<string> Items, string Purpose, byte[] PurposeSalt,
    DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, bool Active, string GrantTransactionId, string? RevokeTransactionId, Guid? AppointmentId);

/// <summary>Which record versions a grant must carry wraps for (the patient's client computes them).</summary>
public sealed record GrantPlanItem(Guid RecordId, int Version, string Category);

using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;

namespace MedLedger.Server.Features.Admin;

public sealed record VerificationQueue(IReadOnlyList<PendingOrganization> Organizations, IReadOnlyList<PendingProfessional> Professionals);
/// <summary>
/// An admin's decision; Transaction is the identity.verify the admin's client signed: for a professional over the card hash and
/// key fingerprint, for an organization over the organization card hash.
/// </summary>
public sealed record VerificationDecision(bool Approve, string? Reason, SignedTransactionDto? Transaction = null);
public sealed record SuspensionRequest(string? Reason);
public sealed record SecurityEventResponse(long Id, DateTimeOffset At, SecurityEventKind Kind, Guid? ActorId, Guid? SubjectId, string? Detail, string? RemoteAddress);

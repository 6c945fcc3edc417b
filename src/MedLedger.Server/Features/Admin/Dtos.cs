using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;

namespace MedLedger.Server.Features.Admin;

public sealed record VerificationQueue(IReadOnlyList<PendingOrganization> Organizations, IReadOnlyList<PendingProfessional> Professionals);
/// <summary>An admin's decision; for a professional, Transaction is the identity.verify the admin's client signed over the card hash and key fingerprint.</summary>
public sealed record VerificationDecision(bool Approve, string? Reason, SignedTransactionDto? Transaction = null);
public sealed record SuspensionRequest(string? Reason);
public sealed record SecurityEventResponse(long Id, DateTimeOffset At, SecurityEventKind Kind, Guid? ActorId, Guid? SubjectId, string? Detail, string? RemoteAddress);

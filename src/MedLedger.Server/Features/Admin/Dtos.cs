using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;

namespace MedLedger.Server.Features.Admin;

public sealed record VerificationQueue(IReadOnlyList<PendingOrganization> Organizations, IReadOnlyList<PendingProfessional> Professionals);
public sealed record VerificationDecision(bool Approve, string? Reason);
public sealed record SuspensionRequest(string? Reason);
public sealed record SecurityEventResponse(long Id, DateTimeOffset At, SecurityEventKind Kind, Guid? ActorId, Guid? SubjectId, string? Detail, string? RemoteAddress);

using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Amendments;

/// <summary>A note (request text or decline reason) sealed on the device: SealedSecret JSON for the patient and for the author.</summary>
public sealed record SealedNoteDto(byte[] ForPatient, byte[] ForAuthor);

/// <summary>A signed records.amend-request and the request text it anchors.</summary>
public sealed record FileAmendmentRequest(SignedTransactionDto Transaction, SealedNoteDto Request);

/// <summary>A signed records.amend-decide; a decline carries the sealed reason it anchors.</summary>
public sealed record DecideAmendmentRequest(SignedTransactionDto Transaction, SealedNoteDto? Reason = null);

public sealed record AmendmentResponse(Guid RequestId, Guid RecordId, Guid PatientId, Guid AuthorId, int Version, string Status,
    SealedNoteDto Request, string RequestTransactionId, DateTimeOffset FiledAt,
    int? ResolvedVersion, SealedNoteDto? Reason, string? DecisionTransactionId, DateTimeOffset? DecidedAt);

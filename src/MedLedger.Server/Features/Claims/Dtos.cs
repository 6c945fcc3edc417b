using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Claims;

/// <summary>
/// A claim as filed: the filer-signed insurance.claim "file" and, optionally, records attached for the insurer (ids of records the
/// filer can read; documentsHash on the ledger commits to them).
/// </summary>
public sealed record FileClaimRequest(SignedTransactionDto Transaction, IReadOnlyList<Guid>? RecordIds);

/// <summary>An insurer-staff-signed decide, reverse, payout or dismiss-dispute, or a patient-signed dispute.</summary>
public sealed record ClaimActionRequest(SignedTransactionDto Transaction);

public sealed record ClaimLineResponse(int Line, string Tag, long AmountMinor, DateTimeOffset ServiceDate, string Token, string? Outcome, long PayableMinor, string? Decision,
    long ApprovedMinor, string? Reason);

/// <summary>A claim with its lines and, for its patient and insurer, the receipt of its file transaction.</summary>
public sealed record ClaimResponse(Guid Id, Guid PolicyId, Guid PatientId, Guid InsurerOrganizationId, Guid? ProviderOrganizationId, Guid FiledBy, string PayeeKind,
    Guid PayeeId, string Currency, string? DocumentsHash, string Status, long ClaimedMinor, long ReservedMinor, long ApprovedMinor, long PaidMinor, string? Dispute,
    string? ReverseReason, IReadOnlyList<Guid> RecordIds, IReadOnlyList<ClaimLineResponse> Lines, string FileTransactionId, DateTimeOffset FiledAt, DateTimeOffset UpdatedAt,
    MedLedger.Ledger.LedgerReceipt? FileReceipt, string? Dispense = null, long CopayMinor = 0, Guid? CopayPayableId = null);

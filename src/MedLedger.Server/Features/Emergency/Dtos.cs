using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;

namespace MedLedger.Server.Features.Emergency;

public sealed record KeyShareDto(Guid DoctorId, byte[] Sealed);
public sealed record EmergencyKeyRequest(byte[] PublicKey, IReadOnlyList<KeyShareDto> Shares, SignedTransactionDto Transaction);
/// <summary>The hospital's emergency key with the receipt of the staff-signed transaction that anchored it.</summary>
public sealed record EmergencyKeyResponse(Guid HospitalId, byte[] PublicKey, string KeyId, MedLedger.Ledger.LedgerReceipt? Receipt);
public sealed record MyKeyShare(Guid HospitalId, byte[] PublicKey, byte[] Sealed);
public sealed record DesignationRequest(Guid HospitalId, Guid RecordId, int Version, string ReaderKeyId, byte[] Enc, byte[] WrappedKey, SignedTransactionDto Transaction);
public sealed record DesignationResponse(Guid PatientId, Guid HospitalId, Guid RecordId, int Version, string TransactionId);
/// <summary>A designation as its patient sees it: <c>NeedsRewrap</c> when wrapped for an earlier key than the hospital's current one.</summary>
public sealed record DesignationStatus(Guid HospitalId, Guid RecordId, int Version, string ReaderKeyId, string? CurrentKeyId, bool NeedsRewrap, string TransactionId);
public sealed record WithdrawDesignationRequest(SignedTransactionDto Transaction);
/// <summary>The reason code and its salt travel beside the transaction, which carries only their commitment.</summary>
public sealed record BreakGlassRequest(SignedTransactionDto Transaction, string Reason, byte[] ReasonSalt);
public sealed record BreakGlassResponse(Guid EventId, string TransactionId, SealedRecordResponse Summary, byte[] HospitalEmergencyPublicKey, byte[] SealedHospitalKey);
public sealed record BreakGlassEventResponse(Guid Id, Guid DoctorId, Guid PatientId, Guid HospitalId, string Reason, byte[] ReasonSalt, DateTimeOffset At, string TransactionId, DateTimeOffset? ReviewedAt, Guid? ReviewedBy, string? ReviewOutcome);
public sealed record ReviewRequest(string Outcome);

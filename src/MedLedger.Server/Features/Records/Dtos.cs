using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Records;

public sealed record WrapDto(Guid ReaderId, string ReaderKeyId, byte[] Enc, byte[] WrappedKey);

/// <summary>
/// A new record version: the envelope's parts (ciphertext included) plus the author's signed records.write transaction.
/// <paramref name="HeaderVersion"/> is the envelope header layout the author signed; only 2 (which binds the category) is accepted.
/// <paramref name="ReadersFingerprint"/>, when given, is the fingerprint of the reader list the writer wrapped for (one it
/// fetched earlier and reused): the server refuses with 409 <c>readers-changed</c> when its list differs now.
/// </summary>
public sealed record RecordUpload(
    int Version,
    Guid PatientId,
    string Category,
    string ContentType,
    long CreatedAtMs,
    byte[] Nonce,
    byte[] KeyCommitment,
    byte[] Signature,
    byte[] Ciphertext,
    IReadOnlyList<WrapDto> Wraps,
    SignedTransactionDto Transaction,
    int HeaderVersion = 0,
    string? ReadersFingerprint = null);

public sealed record RecordVersionResponse(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, long CreatedAtMs,
    string CiphertextHash, long CiphertextLength, string LedgerTransactionId, MedLedger.Ledger.LedgerReceipt? Receipt,
    IReadOnlyList<MedLedger.Ledger.ConsistencyProofResult>? Proofs = null);

public sealed record RecordListItem(Guid RecordId, Guid PatientId, string Category, int LatestVersion, Guid LatestAuthorId, string ContentType, long CreatedAtMs, long UpdatedAtMs);

/// <summary>
/// One version as a reader receives it: everything needed to verify and decrypt, with the caller's own wrap only.
/// <paramref name="HeaderVersion"/> says which header layout the author signed (2 binds <paramref name="Category"/>; 1 is a legacy version).
/// </summary>
public sealed record SealedRecordResponse(Guid RecordId, int Version, Guid PatientId, Guid AuthorId, string Category, string ContentType, long CreatedAtMs,
    byte[] Nonce, byte[] KeyCommitment, byte[] Signature, byte[] Ciphertext, WrapDto Wrap, string LedgerTransactionId, byte[] AuthorSigningPublicKey,
    MedLedger.Ledger.LedgerReceipt? Anchor, MedLedger.Ledger.LedgerReceipt? Latest, int HeaderVersion = 1,
    IReadOnlyList<MedLedger.Ledger.ConsistencyProofResult>? Proofs = null);

/// <summary>
/// Someone a new version must be wrapped for (the patient, or an active consent grantee covering it). A grantee comes with
/// the grant's scope and the receipt of the patient-signed consent.grant, so the writing client can check the grant itself.
/// </summary>
public sealed record ReaderResponse(Guid UserId, Role Role, byte[] EncryptionPublicKey, byte[] SigningPublicKey, Guid? GrantId,
    string? GrantScope = null, IReadOnlyList<string>? GrantItems = null, MedLedger.Ledger.LedgerReceipt? GrantReceipt = null);

/// <summary>
/// The metadata part of a binary upload (docs/records-upload.md): every field of <see cref="RecordUpload"/> but the
/// ciphertext, which follows as raw bytes; <paramref name="CiphertextLength"/> and <paramref name="CiphertextHash"/>
/// (lowercase hex SHA-256) declare it, so the server checks signature, access and anchor before reading it and the hash
/// once while storing it.
/// </summary>
public sealed record RecordUploadMetadata(
    int Version,
    Guid PatientId,
    string Category,
    string ContentType,
    long CreatedAtMs,
    byte[] Nonce,
    byte[] KeyCommitment,
    byte[] Signature,
    long CiphertextLength,
    string CiphertextHash,
    IReadOnlyList<WrapDto> Wraps,
    SignedTransactionDto Transaction,
    int HeaderVersion = 0,
    string? ReadersFingerprint = null);

using MedLedger.Ledger;

namespace MedLedger.Server.Features.Ledger;

public sealed record PeerInfo(string PeerId, byte[] PublicKey);

/// <summary>The consortium whose k-of-n signatures certify a block (docs/ledger.md "Consortium view"); fingerprint as <c>ConsortiumView.Fingerprint</c>.</summary>
/// <remarks>
/// Threshold, Fingerprint and Members are the view in effect now. Genesis is the view the ledger's consortium.genesis
/// pinned (null on a ledger without one: the embedded peer, whose view comes from configuration). Changes lists every
/// membership change since genesis, oldest first: the new view's first certified height and fingerprint, and the
/// receipts of the valid consortium.add-peer approvals that completed it (what <c>ConsortiumHistory.Apply</c> checks).
/// </remarks>
public sealed record ConsortiumResponse(int Threshold, string Fingerprint, IReadOnlyList<PeerInfo> Members,
    ConsortiumViewInfo? Genesis = null, IReadOnlyList<ConsortiumChangeInfo>? Changes = null);

/// <summary>One consortium view: k, fingerprint (<c>ConsortiumView.Fingerprint</c>) and members.</summary>
public sealed record ConsortiumViewInfo(int Threshold, string Fingerprint, IReadOnlyList<PeerInfo> Members);

/// <summary>A membership change: the view certifies from <paramref name="FromHeight"/> on; the approvals prove it.</summary>
public sealed record ConsortiumChangeInfo(long FromHeight, string Fingerprint, IReadOnlyList<LedgerReceipt> Approvals);

public sealed record RegisteredKeysResponse(Guid UserId, byte[] SigningPublicKey, byte[] EncryptionPublicKey, LedgerReceipt Receipt);

public sealed record BlockResponse(BlockHeader Header, byte[] HeaderHash, int TransactionCount, IReadOnlyList<string>? TransactionIds);

public sealed record TransactionResponse(
    string Id, string Type, string ActorId, long Nonce, long TimestampMs, IReadOnlyDictionary<string, string> Payload,
    bool Valid, string? Reason, long LogIndex, long BlockHeight, byte[] LeafHash,
    byte[] TransactionBytes, byte[] Signature,
    long TreeSize, byte[] RootHash, IReadOnlyList<byte[]> InclusionProof, BlockHeader? SignedHead);

public sealed record TransactionSummary(string Id, string Type, string ActorId, long TimestampMs, bool Valid, string? Reason, long LogIndex, long BlockHeight, IReadOnlyDictionary<string, string> Payload);

/// <summary>
/// A user's identity state as the ledger holds it, each part with its receipt: every key registration and rotation
/// (oldest first), the newest identity.verify and the newest identity.standing about them (null when none).
/// </summary>
public sealed record IdentityHistoryResponse(Guid UserId, IReadOnlyList<LedgerReceipt> Keys, LedgerReceipt? Verification, LedgerReceipt? Standing);

/// <summary>The newest identity.verify about an organization (null when none was committed), with its receipt.</summary>
/// <summary>The newest identity.verify and the newest identity.org-standing about an organization, each with its receipt (null when none).</summary>
public sealed record OrganizationVerificationResponse(Guid OrganizationId, LedgerReceipt? Verification, LedgerReceipt? Standing = null);

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

/// <summary>Transactions committed in one minute of block time, and how many of them the contracts refused.</summary>
public sealed record MinuteActivity(DateTimeOffset Minute, long Transactions, long Invalid);

/// <summary>Transactions committed in one bucket of block time (a minute, an hour or a day from <paramref name="Start"/>), and how many the contracts refused.</summary>
public sealed record ActivityBucket(DateTimeOffset Start, long Transactions, long Invalid);

/// <summary>
/// Ledger activity over a range: "hour" (60 buckets of a minute), "day" (24 of an hour) or "week" (7 of a UTC day), oldest first,
/// the last bucket holding now; zeros included so a chart's axis is the whole range.
/// </summary>
public sealed record LedgerActivity(string Range, int BucketSeconds, IReadOnlyList<ActivityBucket> Buckets);

/// <summary>The ledger's height and size, invalid transactions ever, the last hour minute by minute, and the newest full `ledger verify`.</summary>
public sealed record LedgerFigures(long Height, long TreeSize, long InvalidEver, IReadOnlyList<MinuteActivity> LastHour, MedLedger.Server.Features.Ledger.LedgerVerifyRunView? LastVerify);

/// <summary>Security events of one kind in the last 24 hours.</summary>
public sealed record KindCount(SecurityEventKind Kind, int Count);

/// <summary>A hospital's beds of every type together.</summary>
public sealed record HospitalBeds(Guid HospitalId, string Name, int Total, int Occupied, int Held, int Free);

/// <summary>
/// The admin's monitoring dashboard (issue 19 item 3), built from metadata only: counts, ids, amounts and times — never a
/// name of a patient or any content. Payments are every payee's settled payments and refunds of the last 30 days.
/// </summary>
public sealed record AdminDashboard(
    DateTimeOffset AsOf, IReadOnlyList<MedLedger.Server.Features.Accounts.RoleFigures> Users, int OrganizationsAwaitingVerification,
    int ProfessionalsAwaitingVerification, LedgerFigures Ledger, IReadOnlyList<KindCount> SecurityEventsLastDay, int BreakGlassAwaitingReview,
    IReadOnlyList<HospitalBeds> Beds, IReadOnlyList<MedLedger.Server.Features.Payments.CurrencyTakings> PaymentsLast30Days,
    IReadOnlyList<InsurerClaims> InsuranceClaims);

/// <summary>One insurer's claims in one currency, with the insurer's public directory name.</summary>
public sealed record InsurerClaims(string Insurer, MedLedger.Server.Features.Claims.InsurerClaimFigures Figures);

/// <summary>A consortium member as this peer sees it: excluded once this peer holds evidence against it.</summary>
public sealed record ConsortiumMemberStatus(string PeerId, byte[] PublicKey, bool ThisPeer, bool Excluded);

/// <summary>The newest block: which members' signatures this peer holds over it, and whether that is a certificate (≥ k).</summary>
public sealed record ConsortiumHeadStatus(long Height, long TreeSize, string HeaderHash, IReadOnlyList<string> Signers, bool Certified);

/// <summary>
/// A member's valid signature over a header at a height where this peer computed another (non-repudiable): the signed bytes
/// and signature as kept, their hash, ours, and whether the signature verifies with the member's key (re-checked on read).
/// </summary>
public sealed record ConsortiumEvidence(string PeerId, long Height, string TheirHeaderHash, string OurHeaderHash, DateTimeOffset FoundAt,
    byte[] TheirHeaderBytes, byte[] TheirSignature, bool SignatureVerifies);

/// <summary>GET /api/admin/consortium: members, threshold and fingerprint, the head's certificate, and evidence (newest first).</summary>
/// <remarks>Pending: add-peer proposals still short of k approvals; History: the genesis view and each change (both empty without a consortium genesis).</remarks>
public sealed record ConsortiumStatusResponse(int Threshold, string Fingerprint, string PeerId, IReadOnlyList<ConsortiumMemberStatus> Members,
    ConsortiumHeadStatus? Head, IReadOnlyList<ConsortiumEvidence> Evidence, DateTimeOffset At,
    IReadOnlyList<ConsortiumProposalStatus>? Pending = null, IReadOnlyList<ConsortiumHistoryEntry>? History = null);

/// <summary>An add-peer proposal under the current view: the candidate, the threshold it proposes and the members that approved so far.</summary>
public sealed record ConsortiumProposalStatus(string Digest, string PeerId, byte[] PublicKey, int Threshold, IReadOnlyList<string> Approvers, int Needed);

/// <summary>One consortium view: from which height it certifies, its fingerprint, k and members, and the transactions that made it (genesis or approvals).</summary>
public sealed record ConsortiumHistoryEntry(long FromHeight, string Fingerprint, int Threshold, IReadOnlyList<string> Members, IReadOnlyList<string> TransactionIds);

/// <summary>POST /api/admin/consortium/approvals: the peer to add (id, base64 65-byte key) and the new threshold (default: a majority).</summary>
public sealed record ConsortiumApprovalRequest(string? PeerId, string? PublicKey, int? Threshold);

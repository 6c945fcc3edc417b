namespace MedLedger.Ledger;

/// <summary>Why a transaction was refused; the server maps these to HTTP statuses.</summary>
public enum LedgerRejectionKind
{
    /// <summary>Malformed: unknown type, bad payload, oversize (422).</summary>
    Malformed,
    /// <summary>The signature does not verify or the signer key is not the actor's (422 / 403).</summary>
    BadSignature,
    /// <summary>The actor already used this nonce (409).</summary>
    Replay,
    /// <summary>The contract refused it against current state, e.g. keys already registered (409).</summary>
    Conflict,
    /// <summary>The actor may not do this (403).</summary>
    Forbidden,
}

/// <summary>A contract's or the peer's verdict against a transaction.</summary>
public sealed record LedgerRejection(LedgerRejectionKind Kind, string Reason)
{
    public static LedgerRejection Malformed(string reason) => new(LedgerRejectionKind.Malformed, reason);
    public static LedgerRejection Conflict(string reason) => new(LedgerRejectionKind.Conflict, reason);
    public static LedgerRejection Forbidden(string reason) => new(LedgerRejectionKind.Forbidden, reason);

    /// <summary>Stored form: "kind: reason".</summary>
    public override string ToString() => $"{Kind}: {Reason}";
}

/// <summary>
/// The transaction was refused. <see cref="Receipt"/> is set when the refusal happened in the
/// committer: the transaction is then recorded in the log as invalid (and provably so). Refusals
/// before ordering (bad signature, malformed, unknown type) record nothing.
/// </summary>
public sealed class LedgerRejectedException : Exception
{
    public LedgerRejectedException(LedgerRejection rejection, LedgerReceipt? receipt = null)
        : base(rejection.ToString())
    {
        Rejection = rejection;
        Receipt = receipt;
    }

    public LedgerRejectedException() : this(LedgerRejection.Malformed("rejected")) { }
    public LedgerRejectedException(string message) : this(LedgerRejection.Malformed(message)) { }
    public LedgerRejectedException(string message, Exception inner) : base(message, inner) => Rejection = LedgerRejection.Malformed(message);

    public LedgerRejection Rejection { get; }
    public LedgerRejectionKind Kind => Rejection.Kind;
    public string Reason => Rejection.Reason;
    public LedgerReceipt? Receipt { get; }
}

/// <summary>The stored ledger does not hold together (a missing node, a row that does not parse).</summary>
public sealed class LedgerCorruptException : Exception
{
    public LedgerCorruptException() { }
    public LedgerCorruptException(string message) : base(message) { }
    public LedgerCorruptException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// The block committed on this peer but did not collect a certificate (k member signatures) within
/// LedgerOptions.CertificateTimeout. The transaction is in this peer's ledger; look it up by id later.
/// </summary>
public sealed class LedgerNotCertifiedException : Exception
{
    public LedgerNotCertifiedException() { }
    public LedgerNotCertifiedException(string message) : base(message) { }
    public LedgerNotCertifiedException(string message, Exception inner) : base(message, inner) { }

    public LedgerNotCertifiedException(string transactionId, long height, int signatures, int threshold)
        : base($"transaction {transactionId} committed locally in block {height}, but the block holds {signatures} of the {threshold} member signatures it needs: not certified yet (look it up by id)")
    {
        TransactionId = transactionId;
        Height = height;
    }

    public string? TransactionId { get; }
    public long Height { get; }
}

/// <summary>
/// A consortium member's valid signature over a header at <see cref="Height"/> that is not the header this peer
/// computed there: non-repudiable (the member's key signed <see cref="TheirHeaderBytes"/>). Members with evidence
/// against them are left out of this peer's certificates.
/// </summary>
public sealed record LedgerEvidence(string PeerId, long Height, byte[] TheirHeaderBytes, byte[] TheirSignature, byte[] OurHeaderHash, long FoundAtMs);

/// <summary>A failure of the ledger's own database under a contract's read: halts the committer, never a verdict.</summary>
internal sealed class LedgerStoreFailureException(Exception inner) : Exception("the ledger store failed during contract execution: " + inner.Message, inner);

/// <summary>
/// The ledger pinned a consortium at genesis other than the one this peer's configuration names: the peer halts
/// (members that disagree about the consortium never certify together). The message says both fingerprints.
/// </summary>
public sealed class LedgerConsortiumMismatchException : Exception
{
    public LedgerConsortiumMismatchException() { }
    public LedgerConsortiumMismatchException(string message) : base(message) { }
    public LedgerConsortiumMismatchException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// A joining peer finished replaying the certified blocks and is not a member of the view they leave in effect (no
/// consortium.add-peer approved by k members admitted it with its key): it halts rather than propose envelopes every
/// member ignores.
/// </summary>
public sealed class LedgerNotMemberException : Exception
{
    public LedgerNotMemberException() { }
    public LedgerNotMemberException(string message) : base(message) { }
    public LedgerNotMemberException(string message, Exception inner) : base(message, inner) { }
}

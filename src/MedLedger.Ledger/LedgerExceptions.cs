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

using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger;

/// <summary>Committed state and nonces as the committer (database) or the verifier (memory) holds them.</summary>
internal interface IStateBackend
{
    string? Get(string key);
    IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit);
    bool NonceUsed(string actorId, long nonce);
}

internal sealed record ProcessedTransaction(LedgerTransaction Tx, bool Valid, LedgerRejection? Rejection, IReadOnlyList<string> Subjects)
{
    public string? Reason => Rejection?.ToString();
}

/// <summary>
/// Evaluates the transactions of one block in order. The committer and the verifier's replay run
/// this same code, so a verdict the verifier disagrees with is tampering, not drift.
/// </summary>
internal sealed class BlockProcessor
{
    public const string StateDomain = "medledger.ledger.state.v1";
    public const int MaxKeyLength = 512;
    public const int MaxValueLength = 16384;

    private readonly ContractRegistry _registry;
    private readonly ContractContext _context;
    private readonly IStateBackend _backend;
    private readonly HashSet<(string, long)> _nonces = [];

    public BlockProcessor(ContractRegistry registry, ContractContext context, IStateBackend backend)
    {
        _registry = registry;
        _context = context;
        _backend = backend;
    }

    /// <summary>Final value per key written in this block; null = deleted.</summary>
    public SortedDictionary<string, string?> Writes { get; } = new(StringComparer.Ordinal);

    /// <summary>Nonces consumed in this block (by valid and invalid transactions alike).</summary>
    public List<(string ActorId, long Nonce)> Nonces { get; } = [];

    /// <summary>The state as it stands after the transactions processed so far (committed state plus this block's writes).</summary>
    public IStateReader StateAfterBlock() => new TxState(this);

    /// <param name="checkedOnSubmit">True when this process ran the submit checks (well-formed, known type, signature)
    /// before ordering, so they are not repeated; the verifier's replay and remote batches pass false.</param>
    public ProcessedTransaction Process(LedgerTransaction tx, bool signatureVerified, bool checkedOnSubmit = false)
    {
        var replay = _nonces.Contains((tx.ActorId, tx.Nonce)) || _backend.NonceUsed(tx.ActorId, tx.Nonce);
        if (replay)
        {
            // A replay consumes nothing: its nonce is already spent.
            return new ProcessedTransaction(tx, false, new LedgerRejection(LedgerRejectionKind.Replay, $"nonce {tx.Nonce} already used by {tx.ActorId}"), [tx.ActorId]);
        }
        _nonces.Add((tx.ActorId, tx.Nonce));
        Nonces.Add((tx.ActorId, tx.Nonce));
        var contract = _registry.Find(tx.Type);
        var rejection = Evaluate(tx, contract, signatureVerified, checkedOnSubmit, out var txState);
        if (rejection is null)
        {
            foreach (var (k, v) in txState!.Buffer)
            {
                Writes[k] = v;
            }
        }
        return new ProcessedTransaction(tx, rejection is null, rejection, SubjectsOf(tx, contract));
    }

    private LedgerRejection? Evaluate(LedgerTransaction tx, ILedgerContract? contract, bool signatureVerified, bool checkedOnSubmit, out TxState? txState)
    {
        txState = null;
        // SubmitAsync refuses malformed transactions, so for its batches the verdict here is the same without re-checking.
        if (!checkedOnSubmit && tx.CheckWellFormed() is { } malformed)
        {
            return LedgerRejection.Malformed(malformed);
        }
        if (contract is null)
        {
            return LedgerRejection.Malformed($"no contract for transaction type '{tx.Type}'");
        }
        if (!signatureVerified && !tx.VerifySignature())
        {
            return new LedgerRejection(LedgerRejectionKind.BadSignature, "signature does not verify");
        }
        var view = new TxState(this);
        try
        {
            var r = contract.Authorize(tx, view, _context) ?? contract.Validate(tx, view, _context);
            if (r is not null)
            {
                return r;
            }
            contract.Apply(tx, view, _context);
        }
        catch (Exception e) when (e is not (LedgerStoreFailureException or OutOfMemoryException))
        {
            // A contract bug must not stop the chain and must not fork it: every peer running the same code
            // throws the same exception type, so the verdict is deterministic. Store failures (wrapped by TxState)
            // still halt the committer: they say nothing about the transaction.
            return LedgerRejection.Malformed($"contract error: {e.GetType().Name}");
        }
        txState = view;
        return null;
    }

    private static List<string> SubjectsOf(LedgerTransaction tx, ILedgerContract? contract)
    {
        var set = new List<string>();
        IEnumerable<string> raw = [tx.ActorId];
        if (contract is not null)
        {
            try
            {
                raw = contract.Subjects(tx);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                raw = [tx.ActorId];
            }
        }
        foreach (var s in raw)
        {
            if (LedgerTransaction.IsName(s) && !set.Contains(s, StringComparer.Ordinal))
            {
                set.Add(s);
            }
        }
        return set;
    }

    /// <summary>stateRoot_h = SHA-256(canonical(prev, sorted writes of block h)); genesis prev = 32 zero bytes.</summary>
    public static byte[] NextStateRoot(byte[] previous, SortedDictionary<string, string?> writes)
    {
        var w = new CanonicalWriter(StateDomain).Bytes(previous).Int64(writes.Count);
        foreach (var (k, v) in writes)
        {
            w.String(k).OptionalString(v);
        }
        return LedgerCrypto.Sha256(w.WrittenSpan);
    }

    internal static void CheckKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.Length is 0 or > MaxKeyLength)
        {
            throw new ArgumentException($"State keys are 1-{MaxKeyLength} characters.", nameof(key));
        }
        foreach (var c in key)
        {
            if (c is < '!' or > '~')
            {
                throw new ArgumentException("State keys are printable ASCII without spaces.", nameof(key));
            }
        }
    }

    internal static string PrefixEnd(string prefix) =>
        prefix.Length == 0 ? "\u007f" : prefix[..^1] + (char)(prefix[^1] + 1);

    /// <summary>One transaction's view: its own writes, then the block's, then committed state.</summary>
    private sealed class TxState(BlockProcessor block) : IStateWriter
    {
        public Dictionary<string, string?> Buffer { get; } = new(StringComparer.Ordinal);

        public string? Get(string key)
        {
            CheckKey(key);
            if (Buffer.TryGetValue(key, out var v) || block.Writes.TryGetValue(key, out v))
            {
                return v;
            }
            return StoreRead(() => block._backend.Get(key));
        }

        /// <summary>Marks a failure of the backend (the database) so the contract-error verdict never swallows it.</summary>
        private static T StoreRead<T>(Func<T> read)
        {
            try
            {
                return read();
            }
            catch (Exception e) when (e is System.Data.Common.DbException or IOException or InvalidOperationException)
            {
                throw new LedgerStoreFailureException(e);
            }
        }

        public IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit = 1000)
        {
            ArgumentNullException.ThrowIfNull(prefix);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
            var merged = new SortedDictionary<string, string?>(StringComparer.Ordinal);
            var overrides = block.Writes.Keys.Concat(Buffer.Keys).Count(k => k.StartsWith(prefix, StringComparison.Ordinal));
            foreach (var (k, v) in StoreRead(() => block._backend.Scan(prefix, limit + overrides)))
            {
                merged[k] = v;
            }
            foreach (var (k, v) in block.Writes)
            {
                if (k.StartsWith(prefix, StringComparison.Ordinal))
                {
                    merged[k] = v;
                }
            }
            foreach (var (k, v) in Buffer)
            {
                if (k.StartsWith(prefix, StringComparison.Ordinal))
                {
                    merged[k] = v;
                }
            }
            return merged.Where(e => e.Value is not null).Take(limit).Select(e => new KeyValuePair<string, string>(e.Key, e.Value!)).ToList();
        }

        public void Put(string key, string value)
        {
            CheckKey(key);
            ArgumentNullException.ThrowIfNull(value);
            if (value.Length > MaxValueLength)
            {
                throw new ArgumentException($"State values are at most {MaxValueLength} characters.", nameof(value));
            }
            Buffer[key] = value;
        }

        public void Delete(string key)
        {
            CheckKey(key);
            Buffer[key] = null;
        }
    }
}

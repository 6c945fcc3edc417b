using System.Collections.Concurrent;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Merkle;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger;

public sealed record LedgerBlock(BlockHeader Header, byte[] HeaderHash, IReadOnlyList<string> TransactionIds);

/// <summary>A stored transaction with its inclusion proof against tree size <see cref="TreeSize"/>.</summary>
public sealed record TransactionProof(
    StoredTransaction Transaction,
    long TreeSize,
    byte[] RootHash,
    IReadOnlyList<byte[]> InclusionProof,
    /// <summary>The signed header whose tree size is TreeSize, when a block ends exactly there (always for the default: head).</summary>
    BlockHeader? SignedHead);

public sealed record ConsistencyProofResult(long OldSize, long NewSize, byte[] OldRoot, byte[] NewRoot, IReadOnlyList<byte[]> Proof);

/// <summary>
/// Read side for the API and the CLI. Proofs are computed from stored perfect-subtree hashes:
/// O(log n) node reads in one batched query, at any tree size.
/// </summary>
/// <summary>
/// What an audit search filters on; null means any. Subject: an id the transaction names (its actor or a payload value);
/// times are the transaction's signed time, from inclusive to exclusive, in Unix milliseconds.
/// </summary>
public sealed record TransactionFilter(string? ActorId = null, string? Subject = null, string? Type = null, long? FromMs = null, long? ToMs = null, bool? Valid = null);

public sealed class LedgerQueries
{
    /// <summary>Entries held by each of the two memos below before it starts again empty.</summary>
    internal const int MemoCapacity = 4096;

    private readonly LedgerStore _store;

    // What a committed log can never change, so a record read again costs no statement for it (docs/ledger.md "What a
    // peer remembers"): a transaction's first valid entry with its inclusion proof against its own block, and a
    // consistency proof between two sizes. The block's header is read every time when a consortium certificate can
    // arrive after the block; a peer whose blocks nothing certifies later (the embedded orderer's: its own header
    // signature is the whole certificate) remembers the header too. Invalid entries are not remembered (a later valid
    // entry under the same id would be the answer).
    private readonly ConcurrentDictionary<string, (StoredTransaction Stored, IReadOnlyList<byte[]> Proof, BlockHeader? Block)> _proven = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(long, long), ConsistencyProofResult> _consistent = new();

    /// <summary>How many consistency proofs the memo holds now (tests: it stays within <see cref="MemoCapacity"/>).</summary>
    internal int RememberedConsistencyProofs => _consistent.Count;

    private readonly bool _blocksFinal;

    /// <param name="store">The peer's store.</param>
    /// <param name="blocksFinal">
    /// True only when nothing will add to or take from a committed block's certificate while these queries live (the
    /// embedded orderer: no certifier, no pulled certificates, no evidence). A receipt read again then costs no statement.
    /// </param>
    public LedgerQueries(LedgerStore store, bool blocksFinal = false)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _blocksFinal = blocksFinal;
    }

    public Task<BlockHeader?> GetHeadAsync(CancellationToken ct = default) => _store.GetLatestHeaderAsync(ct);

    /// <summary>Byzantine evidence this peer holds: members' valid signatures over headers it did not compute (for the admin).</summary>
    public Task<IReadOnlyList<LedgerEvidence>> GetEvidenceAsync(CancellationToken ct = default) => _store.GetEvidenceAsync(ct);

    /// <summary>The member signatures this peer has collected for a block (empty for the embedded peer: its header signature is the certificate).</summary>
    public Task<IReadOnlyList<PeerSignature>> GetCertificateAsync(long height, CancellationToken ct = default) => _store.GetCertificateAsync(height, ct);

    public async Task<LedgerBlock?> GetBlockAsync(long height, CancellationToken ct = default)
    {
        var h = await _store.GetHeaderAsync(height, ct).ConfigureAwait(false);
        return h is null ? null : new LedgerBlock(h, h.Hash(), await _store.GetBlockTransactionIdsAsync(h, ct).ConfigureAwait(false));
    }

    /// <summary>Root hash of the log at any size up to the head.</summary>
    public async Task<byte[]> GetRootAsync(long treeSize, CancellationToken ct = default)
    {
        await CheckSizeAsync(treeSize, ct).ConfigureAwait(false);
        return await StoredMerkle.RunAsync(src => MerkleMath.RangeHash(src, 0, treeSize), _store.GetNodesAsync, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The transaction (its first valid entry, else its first entry: a replay is recorded again as
    /// invalid under the same id) with an inclusion proof against <paramref name="treeSize"/> (default: head).
    /// Null when unknown; ArgumentOutOfRangeException when the size does not contain it.
    /// </summary>
    public async Task<TransactionProof?> GetTransactionAsync(string txId, long? treeSize = null, CancellationToken ct = default)
    {
        var entries = await _store.GetTransactionsByIdAsync(txId, ct).ConfigureAwait(false);
        if (entries.Count == 0)
        {
            return null;
        }
        var stored = entries.FirstOrDefault(e => e.Valid) ?? entries[0];
        return await ProveAsync(stored, treeSize, ct).ConfigureAwait(false);
    }

    public async Task<TransactionProof?> GetTransactionAtAsync(long logIndex, long? treeSize = null, CancellationToken ct = default)
    {
        var rows = await _store.GetTransactionsInRangeAsync(logIndex, logIndex + 1, ct).ConfigureAwait(false);
        return rows.Count == 0 ? null : await ProveAsync(rows[0], treeSize, ct).ConfigureAwait(false);
    }

    private async Task<TransactionProof> ProveAsync(StoredTransaction stored, long? treeSize, CancellationToken ct)
    {
        var head = await _store.GetLatestHeaderAsync(ct).ConfigureAwait(false)
            ?? throw new LedgerCorruptException("a transaction is stored but no block");
        var size = treeSize ?? head.TreeSize;
        if (size <= stored.LogIndex || size > head.TreeSize)
        {
            throw new ArgumentOutOfRangeException(nameof(treeSize), $"tree size must be in ({stored.LogIndex}, {head.TreeSize}]");
        }
        var (proof, root) = await StoredMerkle.RunAsync(
            src => (MerkleMath.InclusionProof(src, stored.LogIndex, size), MerkleMath.RangeHash(src, 0, size)),
            _store.GetNodesAsync, ct).ConfigureAwait(false);
        var signed = size == head.TreeSize ? head : await _store.GetHeaderByTreeSizeAsync(size, ct).ConfigureAwait(false);
        return new TransactionProof(stored, size, root, proof, signed);
    }

    /// <summary>A receipt against the block that committed the transaction (what `medledger ledger proof` prints).</summary>
    public async Task<LedgerReceipt?> GetReceiptAsync(string txId, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(txId);
        if (!_proven.TryGetValue(txId, out var proven))
        {
            var entries = await _store.GetTransactionsByIdAsync(txId, ct).ConfigureAwait(false);
            if (entries.Count == 0)
            {
                return null;
            }
            var stored = entries.FirstOrDefault(e => e.Valid) ?? entries[0];
            var committedBy = await BlockOfAsync(stored, ct).ConfigureAwait(false);
            var proof = await StoredMerkle.RunAsync(src => MerkleMath.InclusionProof(src, stored.LogIndex, committedBy.TreeSize), _store.GetNodesAsync, ct).ConfigureAwait(false);
            if (stored.Valid)
            {
                Remember(_proven, txId, (stored, proof, _blocksFinal ? committedBy : null));
            }
            return Receipt(stored, committedBy, proof);
        }
        return Receipt(proven.Stored, proven.Block ?? await BlockOfAsync(proven.Stored, ct).ConfigureAwait(false), proven.Proof);
    }

    private async Task<BlockHeader> BlockOfAsync(StoredTransaction stored, CancellationToken ct) =>
        await _store.GetHeaderAsync(stored.BlockHeight, ct).ConfigureAwait(false)
        ?? throw new LedgerCorruptException($"block {stored.BlockHeight} is missing");

    private static LedgerReceipt Receipt(StoredTransaction stored, BlockHeader block, IReadOnlyList<byte[]> proof) =>
        new(stored.Id, stored.Valid, stored.Reason, stored.BlockHeight, stored.LogIndex, stored.LeafHash, block, proof,
            stored.Transaction.SigningBytes, stored.Transaction.Signature);

    public async Task<ConsistencyProofResult> GetConsistencyProofAsync(long oldSize, long newSize, CancellationToken ct = default)
    {
        if (oldSize < 0 || newSize < oldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(oldSize), "need 0 <= oldSize <= newSize");
        }
        if (_consistent.TryGetValue((oldSize, newSize), out var known))
        {
            return known;
        }
        await CheckSizeAsync(newSize, ct).ConfigureAwait(false);
        var (proof, oldRoot, newRoot) = await StoredMerkle.RunAsync(
            src => (MerkleMath.ConsistencyProof(src, oldSize, newSize), MerkleMath.RangeHash(src, 0, oldSize), MerkleMath.RangeHash(src, 0, newSize)),
            _store.GetNodesAsync, ct).ConfigureAwait(false);
        var result = new ConsistencyProofResult(oldSize, newSize, oldRoot, newRoot, proof);
        Remember(_consistent, (oldSize, newSize), result);
        return result;
    }

    /// <summary>Bounded, not an LRU: at capacity the memo starts again empty, and a miss only costs the statements.</summary>
    private static void Remember<TKey, TValue>(ConcurrentDictionary<TKey, TValue> memo, TKey key, TValue value) where TKey : notnull
    {
        if (memo.Count >= MemoCapacity)
        {
            memo.Clear();
        }
        memo.TryAdd(key, value);
    }

    /// <summary>Transactions whose subjects include <paramref name="subjectId"/> (actor or an id in the payload), newest first.</summary>
    public Task<IReadOnlyList<StoredTransaction>> GetTransactionsAboutAsync(string subjectId, long? beforeIndex = null, int limit = 50, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _store.GetTransactionsBySubjectAsync(subjectId, beforeIndex ?? long.MaxValue, Math.Min(limit, 1000), ct);
    }

    /// <summary>An audit search: transactions matching every filter given, newest first (see <see cref="TransactionFilter"/>).</summary>
    public Task<IReadOnlyList<StoredTransaction>> SearchTransactionsAsync(TransactionFilter filter, long? beforeIndex = null, int limit = 50, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _store.SearchTransactionsAsync(filter, beforeIndex ?? long.MaxValue, Math.Min(limit, 10_000), ct);
    }

    /// <summary>Committed transactions per minute (block time) since <paramref name="sinceMs"/>, and invalid ones among them.</summary>
    public Task<IReadOnlyList<(long MinuteMs, long Total, long Invalid)>> GetActivityAsync(long sinceMs, CancellationToken ct = default) => _store.GetActivityAsync(sinceMs, ct);

    public Task<long> CountInvalidAsync(CancellationToken ct = default) => _store.CountInvalidAsync(ct);

    /// <summary>Key transparency: the keys the ledger holds for a user, or null if never registered.</summary>
    public async Task<RegisteredKeys?> GetRegisteredKeysAsync(string userId, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(userId);
        if (!LedgerTransaction.IsName(userId))
        {
            return null;
        }
        var rows = (await _store.ScanStateAsync($"identity/user/{userId}/", 16, ct).ConfigureAwait(false)).ToDictionary(StringComparer.Ordinal);
        var verification = IdentityKeys.Verification("user", userId);
        if (await _store.GetStateAsync(verification, ct).ConfigureAwait(false) is { } v)
        {
            rows[verification] = v;
        }
        return RegisteredKeys.FromState(userId, new DictionaryState(rows));
    }

    public Task<string?> GetStateAsync(string key, CancellationToken ct = default) => _store.GetStateAsync(key, ct);

    public Task<IReadOnlyList<KeyValuePair<string, string>>> ScanStateAsync(string prefix, int limit = 100, CancellationToken ct = default) =>
        _store.ScanStateAsync(prefix, limit, ct);

    private async Task CheckSizeAsync(long treeSize, CancellationToken ct)
    {
        var head = await _store.GetLatestHeaderAsync(ct).ConfigureAwait(false);
        if (treeSize < 0 || treeSize > (head?.TreeSize ?? 0))
        {
            throw new ArgumentOutOfRangeException(nameof(treeSize), $"tree size must be in [0, {head?.TreeSize ?? 0}]");
        }
    }

    private sealed class DictionaryState(Dictionary<string, string> rows) : IStateReader
    {
        public string? Get(string key) => rows.GetValueOrDefault(key);

        public IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit = 1000) =>
            rows.Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).OrderBy(r => r.Key, StringComparer.Ordinal).Take(limit).ToList();
    }
}

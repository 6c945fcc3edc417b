using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Merkle;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger;

/// <summary>Ok with a one-line summary, or the first bad block / transaction / row named.</summary>
public sealed record LedgerVerificationResult(bool Ok, string Summary, long? BlockHeight = null, long? LogIndex = null, string? StateKey = null,
    long? UncertifiedFrom = null)
{
    public override string ToString() => (Ok ? "OK: " : "FAILED: ") + Summary;
}

/// <summary>
/// Re-checks a stored ledger from scratch: header links, header hashes and signatures, every
/// transaction's signature, id and leaf hash, each block's Merkle root (recomputed from the leaves),
/// a replay of every contract from empty state (verdicts and state roots), and finally the state,
/// nonce and Merkle-node tables against the replay. Streams the tables, so memory is bounded by
/// contract state and nonces, not by the log.
/// </summary>
public sealed class LedgerVerifier
{
    private readonly LedgerStore _store;
    private readonly IReadOnlyDictionary<string, byte[]> _peerKeys;
    private readonly ContractRegistry _contracts;
    private readonly Func<LedgerTransaction, string?>? _anchorCheck;
    private readonly ConsortiumView? _consortium;

    /// <param name="anchorCheck">Optional: for each VALID transaction, return null if the hashes it anchors
    /// match the blob stores, else a reason (e.g. "blob 3f2a… missing"); the verifier reports it as the failure.</param>
    /// <param name="consortium">Optional: every block but an uncertified tail must then carry ≥ k distinct member
    /// signatures (ledger_certificates, or the header's own signature where the store holds none); the tail is a note.
    /// This is the view that certifies from height 1 (the configured consortium); once the replay applies a
    /// consortium.genesis, and after each completed consortium.add-peer, the view the ledger state then holds certifies
    /// from the next block on (docs/ledger.md "Consortium membership"), and contracts see its members' keys.</param>
    public LedgerVerifier(LedgerStore store, IReadOnlyDictionary<string, byte[]> peerKeys, ContractRegistry contracts,
        Func<LedgerTransaction, string?>? anchorCheck = null, ConsortiumView? consortium = null)
    {
        _consortium = consortium;
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(peerKeys);
        ArgumentNullException.ThrowIfNull(contracts);
        _store = store;
        _peerKeys = peerKeys;
        _contracts = contracts;
        _anchorCheck = anchorCheck;
    }

    private sealed record TxRow(StoredTransaction Stored, string TxIdColumn, string Type, string Actor, long Nonce, long TimestampMs, string? SubjectsColumn);

    public async Task<LedgerVerificationResult> VerifyAsync(CancellationToken ct = default)
    {
        try
        {
            return await RunAsync(ct).ConfigureAwait(false);
        }
        catch (LedgerCorruptException e)
        {
            return new LedgerVerificationResult(false, e.Message);
        }
    }

    private async Task<LedgerVerificationResult> RunAsync(CancellationToken ct)
    {
        var state = new MemoryState();
        // Read before the blocks, so a committer still writing can only have written more rows than this mark promises.
        // No mark: a ledger from before batching (LedgerOptions.NonceRowsPerWrite), where every spent nonce has its row.
        var nonceRowsFrom = await _store.FindPositionAsync(LedgerStore.NonceRowsFrom, ct).ConfigureAwait(false) ?? long.MaxValue;
        var nonceRows = new HashSet<(string, long)>();
        // No index mark: a ledger from before index rows were batched, not yet opened by this version (every subject has
        // its row, and the ids are in ledger_transactions' own index).
        var indexRowsFrom = await _store.FindPositionAsync(LedgerStore.IndexRowsFrom, ct).ConfigureAwait(false);
        var indexMark = indexRowsFrom ?? long.MaxValue;
        using var txIds = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var tailRows = new HashSet<(string Key, long Index)>();
        var frontier = MerkleFrontier.Empty();
        var levelDigests = new List<IncrementalHash>();
        var levelCounts = new List<long>();
        var stateRoot = new byte[32];
        var prevHash = new byte[32];
        long height = 0, index = 0, lastTime = 0, lastRevision = 0;
        var lastVersion = 1;
        long? uncertifiedFrom = null;
        var txCount = 0L;
        var invalid = 0L;
        using var subjects = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var subjectRows = 0L;
        var view = _consortium;
        var contextKeys = _peerKeys;
        var views = 0;
        ConsortiumView? gapView = null;

        await using var txs = _store.StreamAsync(
            $"SELECT {LedgerStore.TxColumns}, tx_id, type, actor_id, nonce, timestamp_ms, subjects FROM ledger_transactions ORDER BY log_index",
            r => new TxRow(LedgerStore.ReadTx(r), r.GetString(7), r.GetString(8), r.GetString(9), r.GetInt64(10), r.GetInt64(11), r.IsDBNull(12) ? null : r.GetString(12)), ct)
            .GetAsyncEnumerator(ct);
        await foreach (var (header, storedHash) in _store.StreamAsync(
            $"SELECT {LedgerStore.BlockColumns}, header_hash FROM ledger_blocks ORDER BY height", r => (LedgerStore.ReadHeader(r), (byte[])r[11]), ct).ConfigureAwait(false))
        {
            height++;
            if (header.Height != height)
            {
                return Fail($"block {height} is missing (next stored block is {header.Height})", height);
            }
            byte[] computed;
            try
            {
                computed = header.Hash();
            }
            catch (FormatException e)
            {
                return Fail($"block {height}: {e.Message}", height);
            }
            if (header.Version < lastVersion)
            {
                return Fail($"block {height}: header version goes back from v{lastVersion} to v{header.Version} (the switch to v2 happens once)", height);
            }
            // Each envelope of a shared orderer has its own revision, so a repeated or older one is an envelope applied twice or out of order.
            if (lastRevision > 0 && header.OrderingRevision <= lastRevision)
            {
                return Fail($"block {height}: orderer revision {header.OrderingRevision} does not follow {lastRevision}", height);
            }
            if (_consortium is not null)
            {
                var certified = view!.VerifyCertificate(await CertifiedHeaderAsync(header, ct).ConfigureAwait(false)) is null;
                if (!certified)
                {
                    gapView = uncertifiedFrom is null ? view : gapView;
                    uncertifiedFrom ??= height;
                }
                else if (uncertifiedFrom is { } gap)
                {
                    return Fail($"block {gap}: not certified by {gapView!.Threshold} of the {gapView.Members.Count} consortium members (the view at its height), though later blocks are", gap);
                }
            }
            if (!computed.AsSpan().SequenceEqual(storedHash))
            {
                return Fail($"block {height}: stored header hash does not match the header", height);
            }
            if (!header.PreviousHash.AsSpan().SequenceEqual(prevHash))
            {
                return Fail($"block {height}: previous-hash link is broken", height);
            }
            // With a shared orderer (etcd) the header names the proposer and each peer signs its own
            // copy, so the signer is any consortium peer; k-of-n certificates replace this (issue 14).
            if (!(_peerKeys.TryGetValue(header.PeerId, out var peerKey) && header.VerifySignature(peerKey))
                && !_peerKeys.Values.Any(header.VerifySignature) && !contextKeys.Values.Any(header.VerifySignature))
            {
                return Fail($"block {height}: header signature does not verify for peer {header.PeerId} or any consortium peer", height);
            }
            if (header.TransactionCount < 0 || header.TreeSize != index + header.TransactionCount)
            {
                return Fail($"block {height}: tree size {header.TreeSize} does not follow {index} + {header.TransactionCount}", height);
            }
            if (header.TimeMs < lastTime)
            {
                return Fail($"block {height}: time goes backwards", height);
            }
            var processor = new BlockProcessor(_contracts, new ContractContext(height, header.PeerId, contextKeys), state);
            var created = new List<(MerkleNodeKey Key, byte[] Hash)>();
            for (var i = 0; i < header.TransactionCount; i++, index++)
            {
                if (!await txs.MoveNextAsync().ConfigureAwait(false))
                {
                    return Fail($"block {height}: transaction at log index {index} is missing", height, index);
                }
                var row = txs.Current;
                var s = row.Stored;
                var tx = s.Transaction;
                var where = $"transaction {index} (id {tx.Id[..16]}…) in block {height}";
                if (s.LogIndex != index)
                {
                    return Fail($"log index {index} is missing (found {s.LogIndex})", height, index);
                }
                if (s.BlockHeight != height || row.TxIdColumn != tx.Id || row.Type != tx.Type || row.Actor != tx.ActorId
                    || row.Nonce != tx.Nonce || row.TimestampMs != tx.TimestampMs)
                {
                    return Fail($"{where}: indexed columns do not match the signed bytes", height, index);
                }
                var signatureOk = tx.VerifySignature();
                if (!signatureOk && s.Valid)
                {
                    return Fail($"{where}: signature does not verify", height, index);
                }
                if (!tx.LeafHash(s.Valid).AsSpan().SequenceEqual(s.LeafHash))
                {
                    return Fail($"{where}: leaf hash does not match the transaction and verdict", height, index);
                }
                var p = processor.Process(tx, signatureOk);
                if (p.Valid != s.Valid)
                {
                    return Fail($"{where}: stored as {(s.Valid ? "valid" : "invalid")} but replay says {(p.Valid ? "valid" : "invalid: " + p.Reason)}", height, index);
                }
                if (s.Valid && _anchorCheck?.Invoke(tx) is { } anchorFailure)
                {
                    return Fail($"{where}: anchored data check failed: {anchorFailure}", height, index);
                }
                invalid += s.Valid ? 0 : 1;
                // Past the mark the row's own subjects column is what lookups read, so it must be there and exact.
                if (row.SubjectsColumn is { } column ? column != UnindexedTransaction.Column(p.Subjects) : index >= indexMark)
                {
                    return Fail($"{where}: its subjects column differs from what the contracts derive", height, index);
                }
                if (index < indexMark)
                {
                    foreach (var subject in p.Subjects.Order(StringComparer.Ordinal))
                    {
                        AppendSubject(subjects, index, subject);
                        subjectRows++;
                    }
                    AppendSubject(txIds, index, TxKeyText(tx.Id));
                }
                else
                {
                    // Their rows may appear while this runs (a live committer moving the mark), and must then be exact.
                    tailRows.UnionWith(p.Subjects.Select(x => ("s:" + x, index)));
                    tailRows.Add(("t:" + TxKeyText(tx.Id), index));
                }
                frontier.Append(s.LeafHash, created);
            }
            if (!frontier.Root().AsSpan().SequenceEqual(header.RootHash))
            {
                return Fail($"block {height}: Merkle root does not match its transactions (reordered, replaced or missing entries)", height);
            }
            stateRoot = BlockProcessor.NextStateRoot(stateRoot, processor.Writes);
            // Genesis and a completed add-peer write the threshold: the view they leave certifies from the next block.
            if (processor.Writes.ContainsKey(ConsortiumKeys.Threshold) && ConsortiumState.Read(processor.StateAfterBlock()) is { } next)
            {
                view = _consortium is null ? null : next;
                contextKeys = next.Members.ToDictionary(m => m.PeerId, m => m.PublicKey, StringComparer.Ordinal);
                views++;
            }
            if (!stateRoot.AsSpan().SequenceEqual(header.StateRoot))
            {
                return Fail($"block {height}: state root does not match the replayed contract writes", height);
            }
            state.Apply(processor.Writes, height, processor.Nonces);
            if (header.TreeSize <= nonceRowsFrom)
            {
                nonceRows.UnionWith(processor.Nonces);
            }
            foreach (var (key, hash) in created.Where(n => n.Key.Level > 0))
            {
                while (levelDigests.Count <= key.Level)
                {
                    levelDigests.Add(IncrementalHash.CreateHash(HashAlgorithmName.SHA256));
                    levelCounts.Add(0);
                }
                levelDigests[key.Level].AppendData(BitConverter.GetBytes(key.Index));
                levelDigests[key.Level].AppendData(hash);
                levelCounts[key.Level]++;
            }
            prevHash = computed;
            lastTime = header.TimeMs;
            lastVersion = header.Version;
            lastRevision = Math.Max(lastRevision, header.OrderingRevision);
            txCount += header.TransactionCount;
        }
        if (await txs.MoveNextAsync().ConfigureAwait(false))
        {
            return Fail($"transaction at log index {txs.Current.Stored.LogIndex} is not covered by any block (last block {height})", null, txs.Current.Stored.LogIndex);
        }
        if (await CheckStateAsync(state, ct).ConfigureAwait(false) is { } stateFailure)
        {
            return stateFailure;
        }
        if (await CheckNoncesAsync(state, nonceRows, ct).ConfigureAwait(false) is { } nonceFailure)
        {
            return nonceFailure;
        }
        if (await CheckNodesAsync(levelDigests, levelCounts, ct).ConfigureAwait(false) is { } nodeFailure)
        {
            return nodeFailure;
        }
        if (await CheckIndexAsync("ledger_subjects", "subject", "s:", "the subject index", subjects.GetHashAndReset(), subjectRows, indexMark, tailRows, ct).ConfigureAwait(false) is { } subjectFailure)
        {
            return subjectFailure;
        }
        if (indexRowsFrom is not null
            && await CheckIndexAsync("ledger_tx_ids", "tx_key", "t:", "the transaction id index", txIds.GetHashAndReset(), Math.Min(indexMark, index), indexMark, tailRows, ct).ConfigureAwait(false) is { } idFailure)
        {
            return idFailure;
        }
        foreach (var d in levelDigests)
        {
            d.Dispose();
        }
        var tail = uncertifiedFrom is { } from
            ? $"; note: block{(from == height ? $" {from} is" : $"s {from}-{height} are")} not certified yet (the tail still collecting signatures)"
            : _consortium is null ? "" : views == 0
                ? $"; every block certified by {_consortium.Threshold} of {_consortium.Members.Count} members"
                : $"; every block certified by the consortium view at its height ({views} view{(views == 1 ? "" : "s")} from the ledger, now {view!.Threshold} of {view.Members.Count} members)";
        return new LedgerVerificationResult(true,
            $"{height} blocks, {txCount} transactions ({invalid} recorded invalid), {state.Values.Count} state rows, root {(height == 0 ? "-" : Convert.ToHexStringLower(frontier.Root())[..16])}… verified{tail}",
            UncertifiedFrom: uncertifiedFrom);
    }

    private async Task<BlockHeader> CertifiedHeaderAsync(BlockHeader header, CancellationToken ct)
    {
        var certificate = await _store.GetCertificateAsync(header.Height, ct).ConfigureAwait(false);
        return header with { Certificate = certificate.Count > 0 ? certificate : [new PeerSignature(header.PeerId, header.Signature)] };
    }

    private static LedgerVerificationResult Fail(string message, long? height = null, long? index = null) => new(false, message, height, index);

    private async Task<LedgerVerificationResult?> CheckStateAsync(MemoryState state, CancellationToken ct)
    {
        using var expected = state.Values.GetEnumerator();
        var more = expected.MoveNext();
        await foreach (var (key, value, h) in _store.StreamAsync(
            "SELECT state_key, state_value, height FROM ledger_state ORDER BY state_key", r => (r.GetString(0), r.GetString(1), r.GetInt64(2)), ct).ConfigureAwait(false))
        {
            if (more && string.CompareOrdinal(expected.Current.Key, key) < 0)
            {
                return new LedgerVerificationResult(false, $"state row '{expected.Current.Key}' is missing", StateKey: expected.Current.Key);
            }
            if (!more || expected.Current.Key != key)
            {
                return new LedgerVerificationResult(false, $"state row '{key}' was not written by any transaction", StateKey: key);
            }
            if (expected.Current.Value.Value != value || expected.Current.Value.Height != h)
            {
                return new LedgerVerificationResult(false, $"state row '{key}' differs from the replay of the contracts", StateKey: key);
            }
            more = expected.MoveNext();
        }
        return more ? new LedgerVerificationResult(false, $"state row '{expected.Current.Key}' is missing", StateKey: expected.Current.Key) : null;
    }

    private static string TxKeyText(string txId) =>
        UnindexedTransaction.TxKey(txId)?.ToString(CultureInfo.InvariantCulture) ?? throw new LedgerCorruptException($"transaction id '{txId}' is not an id");

    private static void AppendSubject(IncrementalHash h, long index, string subject)
    {
        h.AppendData(BitConverter.GetBytes(index));
        h.AppendData(System.Text.Encoding.UTF8.GetBytes(subject + "\n"));
    }

    /// <summary>
    /// An index (the "transactions about me" subjects, the ids receipts are looked up by) must be exactly what the
    /// transactions say below the index mark — or a patient could be shown less — and hold nothing else past it.
    /// </summary>
    private async Task<LedgerVerificationResult?> CheckIndexAsync(string table, string keyColumn, string tailPrefix, string what,
        byte[] expected, long expectedRows, long mark, HashSet<(string Key, long Index)> tailRows, CancellationToken ct)
    {
        using var found = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long rows = 0;
        await foreach (var (key, index) in _store.StreamAsync($"SELECT {keyColumn}, log_index FROM {table} ORDER BY log_index, {keyColumn}",
            r => (Convert.ToString(r.GetValue(0), CultureInfo.InvariantCulture)!, r.GetInt64(1)), ct).ConfigureAwait(false))
        {
            if (index < mark)
            {
                AppendSubject(found, index, key);
                rows++;
            }
            else if (!tailRows.Contains((tailPrefix + key, index)))
            {
                return new LedgerVerificationResult(false, $"{what} ({table}) has a row ({key}, {index}) that no transaction at that index carries");
            }
        }
        return rows == expectedRows && found.GetHashAndReset().AsSpan().SequenceEqual(expected)
            ? null
            : new LedgerVerificationResult(false, $"{what} ({table}, {rows} rows below the index mark, expected {expectedRows}) differs from what the transactions say");
    }

    /// <summary>
    /// Every nonce spent before the mark has its row, and no row names a nonce nobody spent: a missing row would let a
    /// restarted peer accept a replay. Nonces spent after the mark are rebuilt from the transactions on start.
    /// </summary>
    private async Task<LedgerVerificationResult?> CheckNoncesAsync(MemoryState state, HashSet<(string, long)> expectedRows, CancellationToken ct)
    {
        long count = 0;
        await foreach (var (actor, nonce) in _store.StreamAsync("SELECT actor_id, nonce FROM ledger_nonces", r => (r.GetString(0), r.GetInt64(1)), ct).ConfigureAwait(false))
        {
            if (!state.Nonces.Contains((actor, nonce)))
            {
                return new LedgerVerificationResult(false, $"nonce row ({actor}, {nonce}) was not used by any transaction");
            }
            if (expectedRows.Contains((actor, nonce)))
            {
                count++;
            }
        }
        return count == expectedRows.Count ? null : new LedgerVerificationResult(false, $"{expectedRows.Count - count} nonce rows are missing (replays would be accepted)");
    }

    private async Task<LedgerVerificationResult?> CheckNodesAsync(List<IncrementalHash> digests, List<long> counts, CancellationToken ct)
    {
        var found = new List<IncrementalHash>();
        var foundCounts = new List<long>();
        // Key order is the order nodes were created in; within one level that is index order, as the digests expect.
        await foreach (var (key, hash) in _store.StreamAsync(
            "SELECT node, hash FROM ledger_tree_nodes ORDER BY node", r => (r.GetInt64(0), (byte[])r[1]), ct).ConfigureAwait(false))
        {
            if (MerkleNodeKey.FromStoreKey(key) is not { } node)
            {
                return new LedgerVerificationResult(false, $"Merkle node key {key} names no perfect subtree");
            }
            var (level, idx) = (node.Level, node.Index);
            while (found.Count <= level)
            {
                found.Add(IncrementalHash.CreateHash(HashAlgorithmName.SHA256));
                foundCounts.Add(0);
            }
            found[level].AppendData(BitConverter.GetBytes(idx));
            found[level].AppendData(hash);
            foundCounts[level]++;
        }
        try
        {
            // Level 0 (the leaves) lives in ledger_transactions and was checked leaf by leaf.
            for (var level = 1; level < Math.Max(found.Count, digests.Count); level++)
            {
                var a = level < digests.Count ? digests[level].GetHashAndReset() : null;
                var b = level < found.Count ? found[level].GetHashAndReset() : null;
                if (a is null || b is null || counts[level] != foundCounts[level] || !a.AsSpan().SequenceEqual(b))
                {
                    return new LedgerVerificationResult(false, $"stored Merkle nodes at level {level} differ from the recomputed tree (proofs served from them would be wrong)");
                }
            }
            return null;
        }
        finally
        {
            foreach (var f in found)
            {
                f.Dispose();
            }
        }
    }

    /// <summary>Replayed state in memory.</summary>
    private sealed class MemoryState : IStateBackend
    {
        public SortedDictionary<string, (string Value, long Height)> Values { get; } = new(StringComparer.Ordinal);
        public HashSet<(string, long)> Nonces { get; } = [];

        public string? Get(string key) => Values.TryGetValue(key, out var v) ? v.Value : null;

        public IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit) =>
            Values.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal)).Take(limit)
                .Select(e => new KeyValuePair<string, string>(e.Key, e.Value.Value)).ToList();

        public bool NonceUsed(string actorId, long nonce) => Nonces.Contains((actorId, nonce));

        public void Apply(SortedDictionary<string, string?> writes, long height, List<(string, long)> nonces)
        {
            foreach (var (k, v) in writes)
            {
                if (v is null)
                {
                    Values.Remove(k);
                }
                else
                {
                    Values[k] = (v, height);
                }
            }
            foreach (var n in nonces)
            {
                Nonces.Add(n);
            }
        }
    }
}

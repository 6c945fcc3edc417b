using System.Data.Common;
using MedLedger.Ledger.Merkle;

namespace MedLedger.Ledger.Store;

/// <summary>Everything one block writes; committed in one database transaction.</summary>
internal sealed class BlockWrite
{
    public required BlockHeader Header { get; init; }
    public required byte[] HeaderHash { get; init; }
    public required IReadOnlyList<(ProcessedTransaction P, long LogIndex, byte[] LeafHash)> Transactions { get; init; }
    public required IReadOnlyList<(MerkleNodeKey Key, byte[] Hash)> Nodes { get; init; }
    public required SortedDictionary<string, string?> StateWrites { get; init; }
    public required IReadOnlyList<(string ActorId, long Nonce)> Nonces { get; init; }
    /// <summary>The shared orderer's revision of the envelope this block applies (null for the embedded orderer).</summary>
    public long? OrderingRevision { get; init; }
    /// <summary>The applied envelope's proposer and time: that proposer's high-water (duplicate detection that survives deleting envelopes).</summary>
    public (string ProposerId, long TimeMs)? ProposerTime { get; init; }
    /// <summary>This peer's signature as a ledger_certificates row (consortium only; the embedded peer's certificate is its header signature).</summary>
    public PeerSignature? OwnSignature { get; init; }
}

/// <summary>
/// The committer's own long-lived connection: state and nonce reads during validation happen
/// inside the block's database transaction, then the block is written with cached multi-row
/// INSERTs and committed. Single-threaded by construction (one committer).
/// </summary>
internal sealed class LedgerWriter : IStateBackend, IDisposable
{
    private readonly LedgerStore _store;
    private readonly DbConnection _conn;
    private readonly Dictionary<string, DbCommand> _commands = new(StringComparer.Ordinal);
    private DbTransaction? _tx;
    // Committed state read-through cache: this writer is the only one writing ledger_state, so
    // entries stay true; the block's writes are applied only after its commit succeeds.
    private readonly Dictionary<string, string?> _cache = new(StringComparer.Ordinal);
    // The open transaction's blocks' state writes, oldest first (several with group commit: a later block of the
    // same transaction must read them, not the cache's committed values).
    private readonly List<SortedDictionary<string, string?>> _pendingWrites = [];
    private const int CacheLimit = 200_000;
    // "Definitely never spent / never written" answers without a round trip; a "maybe" asks the
    // database, so replay protection and state reads stay exact (see AbsenceFilter).
    private readonly AbsenceFilter _spentNonces;
    private readonly AbsenceFilter _writtenKeys;
    private readonly SqliteIndexedStatements? _indexed;
    private DbBatch? _batch;
    // Spent nonces without a ledger_nonces row yet: committed ones, and the open transaction's. Their rows are written
    // together once there are NonceRowsPerWrite of them; until then the transactions themselves are the record (the
    // ledger_ordering row NonceRowsFrom says which), so a restart rebuilds this set from ledger_transactions.
    private readonly HashSet<(string ActorId, long Nonce)> _unwrittenNonces = [];
    private readonly HashSet<(string ActorId, long Nonce)> _openNonces = [];
    private readonly int _nonceRowsPerWrite;
    // The open transaction wrote the rows of every nonce in _unwrittenNonces.
    private bool _openWroteNonceRows;
    // Transactions without their ledger_tx_ids / ledger_subjects rows yet (docs/ledger.md "Index rows"): committed ones
    // (published to readers through _tail), and the open transaction's. Written together like the nonce rows: a row per
    // transaction lands at a random place in its index, so one block's rows cost a page each, a batch's share pages.
    private readonly List<UnindexedTransaction> _unindexed = [];
    private readonly List<UnindexedTransaction> _openUnindexed = [];
    private readonly int _indexRowsPerWrite;
    private readonly int _indexChunkTransactions;
    // The batch whose rows are being written, a chunk per block (committed chunks counted in it), and one the open
    // transaction began; the open transaction's chunks; the mark the open transaction moved (its last chunk).
    private IndexBatch? _indexBatch;
    private IndexBatch? _openIndexBatch;
    private Task<IndexBatch>? _sortingBatch;
    private int _openIndexChunks;
    private long? _openIndexMark;
    private readonly UnindexedTail _tail;

    /// <summary>The index rows of every transaction below <see cref="Mark"/> that lacked them, sorted, in <see cref="Chunks"/> key ranges.</summary>
    private sealed class IndexBatch(long mark, (long Key, long Index)[] idRows, (string Subject, long Index)[] subjectRows, int chunks)
    {
        public long Mark { get; } = mark;
        public int Chunks { get; } = chunks;
        public int ChunksCommitted { get; set; }

        /// <summary>Ids sort as integers; subjects are grouped (each group is already in log order) and only the distinct names sorted.</summary>
        public static IndexBatch Sort(UnindexedTransaction[] txs, int chunkTransactions)
        {
            var ids = new (long Key, long Index)[txs.Length];
            var groups = new Dictionary<string, List<long>>(StringComparer.Ordinal);
            var subjectCount = 0;
            for (var i = 0; i < txs.Length; i++)
            {
                var t = txs[i];
                ids[i] = (UnindexedTransaction.TxKey(t.TxId) ?? throw new LedgerCorruptException($"transaction id '{t.TxId}' is not an id"), t.LogIndex);
                foreach (var subject in t.Subjects)
                {
                    if (!groups.TryGetValue(subject, out var indexes))
                    {
                        groups[subject] = indexes = [];
                    }
                    indexes.Add(t.LogIndex);
                    subjectCount++;
                }
            }
            Array.Sort(ids);
            var names = groups.Keys.ToArray();
            Array.Sort(names, StringComparer.Ordinal);
            var subjects = new (string Subject, long Index)[subjectCount];
            var n = 0;
            foreach (var name in names)
            {
                foreach (var index in groups[name])
                {
                    subjects[n++] = (name, index);
                }
            }
            return new IndexBatch(txs[^1].LogIndex + 1, ids, subjects, (txs.Length + chunkTransactions - 1) / chunkTransactions);
        }

        public (List<object?[]> Ids, List<object?[]> Subjects) Chunk(int i) =>
            (Slice(idRows, i, r => [r.Key, r.Index]), Slice(subjectRows, i, r => [r.Subject, r.Index]));

        private List<object?[]> Slice<T>(T[] rows, int i, Func<T, object?[]> row)
        {
            var from = (int)((long)rows.Length * i / Chunks);
            var to = (int)((long)rows.Length * (i + 1) / Chunks);
            var list = new List<object?[]>(to - from);
            for (var r = from; r < to; r++)
            {
                list.Add(row(rows[r]));
            }
            return list;
        }
    }

    public LedgerWriter(LedgerStore store, int nonceRowsPerWrite, int indexRowsPerWrite, int indexChunkTransactions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nonceRowsPerWrite);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(indexRowsPerWrite);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(indexChunkTransactions);
        _store = store;
        _nonceRowsPerWrite = nonceRowsPerWrite;
        _indexRowsPerWrite = indexRowsPerWrite;
        _indexChunkTransactions = indexChunkTransactions;
        _conn = store.Open(writer: true);
        _indexed = store.InsertBinding == InsertBinding.SqliteIndexed ? new SqliteIndexedStatements((Microsoft.Data.Sqlite.SqliteConnection)_conn) : null;
        (_spentNonces, _writtenKeys) = LoadFilters();
        _tail = LoadTail();
        _store.PublishTail(_tail);
        StartBatchWhenDue();
    }

    /// <summary>
    /// The transactions at or after the index mark, from their rows (the subjects column holds what the contracts
    /// derived when the block was written). The mark exists once the store is initialised.
    /// </summary>
    private UnindexedTail LoadTail()
    {
        var mark = _store.FindPosition(_conn, LedgerStore.IndexRowsFrom)
            ?? throw new InvalidOperationException("the ledger store is not initialised (no index mark)");
        using (var cmd = _store.Command(_conn, "SELECT log_index, tx_id, subjects FROM ledger_transactions WHERE log_index >= @p0 ORDER BY log_index", mark))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                if (r.IsDBNull(2))
                {
                    throw new LedgerCorruptException($"transaction at log index {r.GetInt64(0)} is past the index mark {mark} but has no subjects column");
                }
                _unindexed.Add(new UnindexedTransaction(r.GetInt64(0), r.GetString(1), UnindexedTransaction.ParseColumn(r.GetString(2))));
            }
        }
        var tail = new UnindexedTail(mark);
        tail.Commit(null, _unindexed);
        return tail;
    }

    /// <summary>
    /// Rebuilt from the tables on every (re)start of the writer, so they hold exactly what is
    /// committed (a writer is also recreated after a failed COMMIT, whose outcome is unknown).
    /// </summary>
    private (AbsenceFilter, AbsenceFilter) LoadFilters()
    {
        var nonces = new AbsenceFilter();
        using (var cmd = _store.Command(_conn, "SELECT actor_id, nonce FROM ledger_nonces"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                nonces.Add(r.GetString(0), r.GetInt64(1));
            }
        }
        LoadUnwrittenNonces();
        foreach (var (actor, nonce) in _unwrittenNonces)
        {
            nonces.Add(actor, nonce);
        }
        var keys = new AbsenceFilter();
        using (var cmd = _store.Command(_conn, "SELECT state_key FROM ledger_state"))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                keys.Add(r.GetString(0));
            }
        }
        return (nonces, keys);
    }

    /// <summary>
    /// The nonces spent at or after the NonceRowsFrom log index and not in ledger_nonces. The first transaction to carry
    /// an (actor, nonce) spends it, valid or not; a later one with the same pair is a recorded replay, so a pair already
    /// in the set or already a row is skipped.
    /// </summary>
    private void LoadUnwrittenNonces()
    {
        if (_store.FindPosition(_conn, LedgerStore.NonceRowsFrom) is not { } from)
        {
            // A ledger written before batching (or a new one): every spent nonce has its row, so they start after the log.
            using (var size = _store.Command(_conn, "SELECT COALESCE(MAX(log_index) + 1, 0) FROM ledger_transactions"))
            {
                from = Convert.ToInt64(size.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            }
            using var insert = _store.Command(_conn, "INSERT INTO ledger_ordering (orderer, revision) VALUES (@p0, @p1) ON CONFLICT (orderer) DO NOTHING", LedgerStore.NonceRowsFrom, from);
            insert.ExecuteNonQuery();
            return;
        }
        var seen = new List<(string, long)>();
        using (var cmd = _store.Command(_conn, "SELECT actor_id, nonce FROM ledger_transactions WHERE log_index >= @p0 ORDER BY log_index", from))
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                seen.Add((r.GetString(0), r.GetInt64(1)));
            }
        }
        foreach (var pair in seen)
        {
            if (!_unwrittenNonces.Contains(pair) && !NonceRowExists(pair.Item1, pair.Item2))
            {
                _unwrittenNonces.Add(pair);
            }
        }
    }

    private bool NonceRowExists(string actorId, long nonce)
    {
        var cmd = Cmd("SELECT 1 FROM ledger_nonces WHERE actor_id = @p0 AND nonce = @p1", 2);
        cmd.Parameters[0].Value = actorId;
        cmd.Parameters[1].Value = nonce;
        return cmd.ExecuteScalar() is not null;
    }

    /// <summary>How many state reads and nonce checks went to the database (the filter said "maybe").</summary>
    internal long StateSelects { get; private set; }
    internal long NonceSelects { get; private set; }

    /// <summary>Between transactions only: see <see cref="LedgerStore.CatchUpCheckpoint"/>.</summary>
    public void CatchUpCheckpoint()
    {
        if (_tx is null)
        {
            _store.CatchUpCheckpoint(_conn);
        }
    }

    public void Begin()
    {
        _pendingWrites.Clear();
        _openNonces.Clear();
        _openWroteNonceRows = false;
        _openUnindexed.Clear();
        _openIndexBatch = null;
        _openIndexChunks = 0;
        _openIndexMark = null;
        _tx?.Dispose();
        _tx = _conn.BeginTransaction();
    }

    public void Rollback()
    {
        // A batch this transaction took up names committed transactions only: the next block takes it up again.
        if (_openIndexBatch is { } takenUp)
        {
            _sortingBatch = Task.FromResult(takenUp);
        }
        _pendingWrites.Clear();
        _openNonces.Clear();
        _openWroteNonceRows = false;
        _openUnindexed.Clear();
        _openIndexBatch = null;
        _openIndexChunks = 0;
        _openIndexMark = null;
        _batch?.Dispose();
        _batch = null;
        if (_tx is not null)
        {
            try
            {
                _tx.Rollback();
            }
            catch (DbException)
            {
                // The connection may already have aborted the transaction.
            }
            catch (InvalidOperationException)
            {
            }
            _tx.Dispose();
            _tx = null;
        }
    }

    private DbCommand Cmd(string sql, int parameterCount)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = _store.Prepared(_conn, sql, parameterCount);
            _commands[sql] = cmd;
        }
        cmd.Transaction = _tx;
        return cmd;
    }

    public string? Get(string key)
    {
        for (var i = _pendingWrites.Count - 1; i >= 0; i--)
        {
            if (_pendingWrites[i].TryGetValue(key, out var uncommitted))
            {
                return uncommitted;
            }
        }
        if (_cache.TryGetValue(key, out var cached))
        {
            return cached;
        }
        if (!_writtenKeys.MightContain(key))
        {
            return null;
        }
        StateSelects++;
        var cmd = Cmd("SELECT state_value FROM ledger_state WHERE state_key = @p0", 1);
        cmd.Parameters[0].Value = key;
        var value = cmd.ExecuteScalar() as string;
        if (_cache.Count >= CacheLimit)
        {
            _cache.Clear();
        }
        _cache[key] = value;
        return value;
    }

    /// <summary>
    /// A state read answered from memory only (the open transaction's writes, the cache, or the filter's "never
    /// written"); false when only the database can answer. Never touches the connection.
    /// </summary>
    internal bool TryGetWithoutDatabase(string key, out string? value)
    {
        for (var i = _pendingWrites.Count - 1; i >= 0; i--)
        {
            if (_pendingWrites[i].TryGetValue(key, out value))
            {
                return true;
            }
        }
        if (_cache.TryGetValue(key, out value))
        {
            return true;
        }
        value = null;
        return !_writtenKeys.MightContain(key);
    }

    /// <summary>True when the filter proves the nonce was never spent (no database needed); false means "ask the database".</summary>
    internal bool NonceNeverSpent(string actorId, long nonce) => !_spentNonces.MightContain(actorId, nonce);

    public IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit)
    {
        var cmd = Cmd("SELECT state_key, state_value FROM ledger_state WHERE state_key >= @p0 AND state_key < @p1 ORDER BY state_key LIMIT @p2", 3);
        cmd.Parameters[0].Value = prefix;
        cmd.Parameters[1].Value = BlockProcessor.PrefixEnd(prefix);
        cmd.Parameters[2].Value = (long)limit;
        var list = new List<KeyValuePair<string, string>>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new(r.GetString(0), r.GetString(1)));
        }
        return list;
    }

    public bool NonceUsed(string actorId, long nonce)
    {
        if (!_spentNonces.MightContain(actorId, nonce))
        {
            return false;
        }
        if (_unwrittenNonces.Contains((actorId, nonce)) || _openNonces.Contains((actorId, nonce)))
        {
            return true;
        }
        NonceSelects++;
        return NonceRowExists(actorId, nonce);
    }

    public void Write(BlockWrite b)
    {
        _pendingWrites.Add(b.StateWrites);
        if (_store.BatchesBlockWrites)
        {
            // PostgreSQL: every statement of the block in one round trip (a round trip is ~1 ms under load).
            _batch = _conn.CreateBatch();
            _batch.Transaction = _tx;
        }
        // Added before COMMIT: if it fails, the extra entries only cost a SELECT later.
        foreach (var (actor, nonce) in b.Nonces)
        {
            _spentNonces.Add(actor, nonce);
            _openNonces.Add((actor, nonce));
        }
        foreach (var (key, value) in b.StateWrites)
        {
            if (value is not null)
            {
                _writtenKeys.Add(key);
            }
        }
        var h = b.Header;
        Insert("ledger_blocks", ["height", "header_hash", "previous_hash", "tx_count", "tree_size", "root_hash", "state_root", "time_ms", "peer_id", "signature", "version", "ordering_revision"], "",
            [[h.Height, b.HeaderHash, h.PreviousHash, h.TransactionCount, h.TreeSize, h.RootHash, h.StateRoot, h.TimeMs, h.PeerId, h.Signature, (long)h.Version, h.OrderingRevision]]);
        if (b.OwnSignature is { } own)
        {
            // A consortium peer's own signature is the first entry of the block's certificate, committed with the block.
            Insert("ledger_certificates", ["height", "peer_id", "signature"], "", [[h.Height, own.PeerId, own.Signature]]);
        }
        Insert("ledger_transactions", ["log_index", "tx_id", "block_height", "type", "actor_id", "nonce", "timestamp_ms", "tx_bytes", "signature", "valid", "reason", "leaf_hash", "subjects"], "",
            b.Transactions.Select(t => new object?[]
            {
                t.LogIndex, t.P.Tx.Id, h.Height, t.P.Tx.Type, t.P.Tx.ActorId, t.P.Tx.Nonce, t.P.Tx.TimestampMs,
                t.P.Tx.SigningBytes, t.P.Tx.Signature, t.P.Valid ? 1L : 0L, t.P.Reason, t.LeafHash, UnindexedTransaction.Column(t.P.Subjects),
            }).ToList());
        _openUnindexed.AddRange(b.Transactions.Select(t => new UnindexedTransaction(t.LogIndex, t.P.Tx.Id, t.P.Subjects)));
        WriteIndexRowsWhenDue();
        // In creation order, which is key order: the rows append to the table's last page.
        Insert("ledger_tree_nodes", ["node", "hash"], "",
            b.Nodes.Where(n => n.Key.Level > 0).Select(n => new object?[] { n.Key.StoreKey, n.Hash }).ToList());
        WriteNonceRowsWhenDue(h);
        Insert("ledger_state", ["state_key", "state_value", "height"],
            " ON CONFLICT (state_key) DO UPDATE SET state_value = excluded.state_value, height = excluded.height",
            b.StateWrites.Where(w => w.Value is not null).Select(w => new object?[] { w.Key, w.Value, h.Height }).ToList());
        if (b.OrderingRevision is { } revision)
        {
            Insert("ledger_ordering", ["orderer", "revision"], " ON CONFLICT (orderer) DO UPDATE SET revision = excluded.revision",
                [[LedgerStore.SharedOrderer, revision]]);
        }
        if (b.ProposerTime is { } proposerTime)
        {
            Insert("ledger_ordering", ["orderer", "revision"], " ON CONFLICT (orderer) DO UPDATE SET revision = excluded.revision",
                [[LedgerStore.ProposerHighWater(proposerTime.ProposerId), proposerTime.TimeMs]]);
        }
        foreach (var (key, value) in b.StateWrites)
        {
            if (value is null)
            {
                if (_batch is not null)
                {
                    AddToBatch("DELETE FROM ledger_state WHERE state_key = $1", [[key]], 0, 1);
                    continue;
                }
                var del = Cmd("DELETE FROM ledger_state WHERE state_key = @p0", 1);
                del.Parameters[0].Value = key;
                del.ExecuteNonQuery();
            }
        }
        if (_batch is not null)
        {
            try
            {
                _batch.ExecuteNonQuery();
            }
            finally
            {
                _batch.Dispose();
                _batch = null;
            }
        }
    }

    /// <summary>
    /// Once enough spent nonces lack their row, writes all of them in this transaction and moves NonceRowsFrom to the
    /// end of this block, so the rows and the mark commit (or fail) together.
    /// </summary>
    private void WriteNonceRowsWhenDue(BlockHeader h)
    {
        var unwritten = (_openWroteNonceRows ? 0 : _unwrittenNonces.Count) + _openNonces.Count;
        if (unwritten < _nonceRowsPerWrite)
        {
            return;
        }
        var nonces = _openWroteNonceRows ? _openNonces : _unwrittenNonces.Concat(_openNonces);
        Insert("ledger_nonces", ["actor_id", "nonce"], "", nonces.Select(n => new object?[] { n.ActorId, n.Nonce }).ToList());
        Insert("ledger_ordering", ["orderer", "revision"], " ON CONFLICT (orderer) DO UPDATE SET revision = excluded.revision",
            [[LedgerStore.NonceRowsFrom, h.TreeSize]]);
        _openWroteNonceRows = true;
        _openNonces.Clear();
    }

    /// <summary>
    /// Starts sorting a batch once the committed transactions without index rows reach IndexRowsPerWrite and none is in
    /// progress. Only committed ones: a batch never names a transaction that may still fail. The sort runs on the pool
    /// (done inline, it held a 4,096-transaction batch's block 25-60 ms on the loaded 2-core machine).
    /// </summary>
    private void StartBatchWhenDue()
    {
        if (_indexBatch is null && _sortingBatch is null && _unindexed.Count >= _indexRowsPerWrite)
        {
            var txs = _unindexed.ToArray();
            var chunkTransactions = _indexChunkTransactions;
            _sortingBatch = Task.Run(() => IndexBatch.Sort(txs, chunkTransactions));
        }
    }

    /// <summary>
    /// Once enough committed transactions lack their index rows, they become a batch (<see cref="StartBatchWhenDue"/>):
    /// its rows sorted by key, so neighbours share pages, and cut into key ranges of about IndexChunkTransactions
    /// transactions' rows, written one range per block from the next block on, so no single block pays for the whole
    /// batch (its submitters would wait that long). The block with the last range moves IndexRowsFrom to the batch's
    /// end: rows and mark commit (or fail) together. Rows at or past the mark are ignored by readers, and a batch cut
    /// short by a failure is written again (existing rows are kept).
    /// </summary>
    private void WriteIndexRowsWhenDue()
    {
        if (_openIndexMark is not null)
        {
            return;
        }
        var batch = _openIndexBatch ?? _indexBatch;
        if (batch is null)
        {
            if (_sortingBatch is null)
            {
                return;
            }
            // Sorted on the pool since the commit that made it due (usually done by now; waiting costs no more than sorting here).
            batch = _openIndexBatch = _sortingBatch.GetAwaiter().GetResult();
            _sortingBatch = null;
        }
        var chunk = batch.ChunksCommitted + _openIndexChunks;
        var (idRows, subjectRows) = batch.Chunk(chunk);
        Insert("ledger_tx_ids", ["tx_key", "log_index"], " ON CONFLICT (tx_key, log_index) DO NOTHING", idRows);
        Insert("ledger_subjects", ["subject", "log_index"], " ON CONFLICT (subject, log_index) DO NOTHING", subjectRows);
        _openIndexChunks++;
        if (chunk + 1 == batch.Chunks)
        {
            Insert("ledger_ordering", ["orderer", "revision"], " ON CONFLICT (orderer) DO UPDATE SET revision = excluded.revision",
                [[LedgerStore.IndexRowsFrom, batch.Mark]]);
            _openIndexMark = batch.Mark;
        }
    }

    /// <summary>One statement of the block's batch, its values bound to fresh positional parameters.</summary>
    private void AddToBatch(string sql, IReadOnlyList<object?[]> rows, int from, int count)
    {
        var command = _batch!.CreateBatchCommand();
        command.CommandText = sql;
        for (var i = from; i < from + count; i++)
        {
            foreach (var v in rows[i])
            {
                command.Parameters.Add(_store.PositionalParameter(v));
            }
        }
        _batch.BatchCommands.Add(command);
    }

    public void Commit()
    {
        CommitTransaction();
        CompleteCommit();
    }

    /// <summary>
    /// COMMIT (the fsync) alone. It touches only the open transaction, so it may run on another thread while the
    /// committer executes the next block in memory (<see cref="TryGetWithoutDatabase"/>, <see cref="NonceNeverSpent"/>);
    /// <see cref="CompleteCommit"/> then runs back on the committer.
    /// </summary>
    internal void CommitTransaction()
    {
        _tx!.Commit();
        _tx.Dispose();
        _tx = null;
    }

    /// <summary>After a successful COMMIT: the committed blocks' writes become the cache's committed values.</summary>
    internal void CompleteCommit()
    {
        if (_openWroteNonceRows)
        {
            _unwrittenNonces.Clear();
        }
        _unwrittenNonces.UnionWith(_openNonces);
        _openNonces.Clear();
        _openWroteNonceRows = false;
        _unindexed.AddRange(_openUnindexed);
        if (_openIndexMark is { } mark)
        {
            _unindexed.RemoveAll(t => t.LogIndex < mark);
            _tail.Commit(mark, _unindexed);
        }
        else
        {
            _tail.Commit(null, _openUnindexed);
        }
        _indexBatch = _openIndexBatch ?? _indexBatch;
        if (_indexBatch is not null)
        {
            _indexBatch.ChunksCommitted += _openIndexChunks;
        }
        if (_openIndexMark is not null)
        {
            _indexBatch = null;
        }
        _openUnindexed.Clear();
        _openIndexBatch = null;
        _openIndexChunks = 0;
        _openIndexMark = null;
        StartBatchWhenDue();
        foreach (var writes in _pendingWrites)
        {
            foreach (var (k, v) in writes)
            {
                if (_cache.ContainsKey(k))
                {
                    _cache[k] = v;
                }
            }
        }
        _pendingWrites.Clear();
    }

    /// <summary>Multi-row INSERTs in chunks of MaxRowsPerInsert, then halving, so only a few statement shapes are ever prepared.</summary>
    private void Insert(string table, string[] columns, string suffix, IReadOnlyList<object?[]> rows)
    {
        var pos = 0;
        while (pos < rows.Count)
        {
            var n = _store.MaxRowsPerInsert;
            while (n > rows.Count - pos)
            {
                n >>= 1;
            }
            var sql = InsertSql(table, columns, suffix, n);
            if (_indexed is not null)
            {
                _indexed.Execute(sql, rows, pos, n);
            }
            else if (_batch is not null)
            {
                AddToBatch(sql, rows, pos, n);
            }
            else
            {
                var cmd = _store.InsertBinding == InsertBinding.Positional ? PositionalCmd(sql, n * columns.Length) : Cmd(sql, n * columns.Length);
                var p = 0;
                for (var i = 0; i < n; i++)
                {
                    foreach (var v in rows[pos + i])
                    {
                        cmd.Parameters[p++].Value = v ?? DBNull.Value;
                    }
                }
                cmd.ExecuteNonQuery();
            }
            pos += n;
        }
    }

    private DbCommand PositionalCmd(string sql, int parameterCount)
    {
        if (!_commands.TryGetValue(sql, out var cmd))
        {
            cmd = _store.PreparedPositional(_conn, sql, parameterCount);
            _commands[sql] = cmd;
        }
        cmd.Transaction = _tx;
        return cmd;
    }

    private readonly Dictionary<(string, int), string> _sqlCache = [];

    private string InsertSql(string table, string[] columns, string suffix, int rows)
    {
        if (!_sqlCache.TryGetValue((table, rows), out var sql))
        {
            var values = new List<string>(rows);
            var p = 0;
            for (var i = 0; i < rows; i++)
            {
                values.Add("(" + string.Join(", ", columns.Select(_ => Placeholder(p++))) + ")");
            }
            sql = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES {string.Join(", ", values)}{suffix}";
            _sqlCache[(table, rows)] = sql;
        }
        return sql;
    }

    private string Placeholder(int i) => _store.InsertBinding switch
    {
        InsertBinding.SqliteIndexed => "?",
        InsertBinding.Positional => "$" + (i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public void Dispose()
    {
        _store.WithdrawTail(_tail);
        Rollback();
        _indexed?.Dispose();
        foreach (var c in _commands.Values)
        {
            c.Dispose();
        }
        _conn.Dispose();
    }
}

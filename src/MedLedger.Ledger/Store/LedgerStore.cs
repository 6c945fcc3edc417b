using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
using MedLedger.Ledger.Merkle;

namespace MedLedger.Ledger.Store;

/// <summary>How the committer binds the values of its multi-row INSERTs.</summary>
internal enum InsertBinding
{
    /// <summary>ADO.NET parameters "@p0".. bound by name (the portable path).</summary>
    Named,
    /// <summary>Unnamed ADO.NET parameters, "$1".. placeholders (PostgreSQL).</summary>
    Positional,
    /// <summary>"?" placeholders bound by index on the SQLite handle (<see cref="SqliteIndexedStatements"/>).</summary>
    SqliteIndexed,
}

/// <summary>A transaction as stored, with its verdict and position.</summary>
public sealed record StoredTransaction(long LogIndex, long BlockHeight, LedgerTransaction Transaction, bool Valid, string? Reason, byte[] LeafHash)
{
    public string Id => Transaction.Id;
}

/// <summary>
/// The ledger's tables (prefix ledger_) in the application's relational database, over plain
/// ADO.NET so the same code serves SQLite and PostgreSQL; only DDL and connection set-up differ.
/// Tables are created idempotently by <see cref="InitializeAsync"/>.
/// </summary>
public abstract class LedgerStore
{
    private protected LedgerStore(string connectionString)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ConnectionString = connectionString;
    }

    protected string ConnectionString { get; }

    public static LedgerStore Sqlite(string connectionString, bool synchronousFull = true) => new SqliteLedgerStore(connectionString, synchronousFull);

    public static LedgerStore Postgres(string connectionString) => new PostgresLedgerStore(connectionString);

    /// <summary>
    /// Rows per multi-row INSERT (powers of two below this for the remainder). Bound by name,
    /// SQLite finds each parameter by a linear scan, so a single-row statement was fastest there
    /// (measured: ~9 µs/row vs ~40 µs/row at 128 rows); bound by index (<see cref="InsertBinding.SqliteIndexed"/>)
    /// a multi-row statement is cheaper per row. PostgreSQL saves round trips.
    /// </summary>
    internal abstract int MaxRowsPerInsert { get; }

    /// <summary>How the committer's INSERTs bind their values (see <see cref="Store.InsertBinding"/>).</summary>
    internal abstract InsertBinding InsertBinding { get; }

    private protected abstract IReadOnlyList<string> SchemaStatements { get; }
    private protected abstract DbConnection NewConnection();
    private protected virtual void Configure(DbConnection connection, bool writer) { }
    private protected abstract DbParameter NewParameter(string name);

    /// <summary>SQL that is true when text <paramref name="haystack"/> contains <paramref name="needle"/> (both SQL expressions).</summary>
    internal abstract string ContainsText(string haystack, string needle);

    /// <summary>A count of the tables named @p0 in this store's schema (0 or 1).</summary>
    internal abstract string TableExistsSql { get; }

    /// <summary>
    /// True when the committer's connection does not checkpoint its write-ahead log itself, so that
    /// the peer runs <see cref="Checkpoint"/> on another thread (never inside the committer's COMMIT).
    /// </summary>
    internal virtual bool CheckpointsInBackground => false;

    /// <summary>Copies committed log frames into the database file without blocking the committer.</summary>
    /// <returns>True when the log was copied to within <see cref="CatchUpFrames"/> of its end (a reader's snapshot holds
    /// a PASSIVE checkpoint back; then the committer should not copy the rest itself).</returns>
    internal virtual bool Checkpoint() => false;

    /// <summary>The most frames a background checkpoint may leave for <see cref="CatchUpCheckpoint"/> (4 MB of pages).</summary>
    internal const long CatchUpFrames = 1024;

    /// <summary>
    /// A checkpoint on the committer's own connection between two blocks, right after a background one: it copies only
    /// the frames appended while that one ran, so the next write transaction finds the log fully copied and starts it
    /// again from its beginning (SQLite), and the log stays a few megabytes that every COMMIT overwrites in place.
    /// </summary>
    internal virtual void CatchUpCheckpoint(DbConnection writer) { }

    internal DbConnection Open(bool writer = false)
    {
        var c = NewConnection();
        c.Open();
        Configure(c, writer);
        return c;
    }

    internal async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        var c = NewConnection();
        await c.OpenAsync(ct).ConfigureAwait(false);
        Configure(c, false);
        return c;
    }

    public async Task InitializeAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        foreach (var sql in SchemaStatements)
        {
            await using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        // Ledger files written before header v2 lack these columns; their rows are v1 blocks (the defaults).
        foreach (var (table, column, definition) in AddedColumns)
        {
            if (!await HasColumnAsync(c, table, column, ct).ConfigureAwait(false))
            {
                await using var cmd = c.CreateCommand();
                cmd.CommandText = $"ALTER TABLE {table} ADD COLUMN {column} {definition}";
                await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
        await MoveTxIdIndexAsync(c, ct).ConfigureAwait(false);
        await MoveTreeNodesAsync(c, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A ledger from before Merkle nodes were keyed by append order has them in ledger_merkle_nodes (level, idx): they
    /// move to ledger_tree_nodes under <see cref="MerkleNodeKey.StoreKey"/>, the old table goes, and so does the index
    /// on ledger_blocks.tree_size (a header is found by tree size through its last transaction's block now). One
    /// database transaction; a no-op once the old table is gone.
    /// </summary>
    private async Task MoveTreeNodesAsync(DbConnection c, CancellationToken ct)
    {
        await using (var find = Command(c, TableExistsSql, "ledger_merkle_nodes"))
        {
            if (Convert.ToInt64(await find.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return;
            }
        }
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await ExecuteAllAsync(c, tx, ct,
        [
            // The same arithmetic as MerkleNodeKey.StoreKey; "WHERE 1 = 1": SQLite would otherwise read ON CONFLICT as part of the SELECT.
            "INSERT INTO ledger_tree_nodes (node, hash) SELECT ((((idx + 1) << CAST(level AS INTEGER)) - 1) << 6) + level, hash FROM ledger_merkle_nodes WHERE 1 = 1 ON CONFLICT (node) DO NOTHING",
            "DROP TABLE ledger_merkle_nodes",
            "DROP INDEX IF EXISTS ix_ledger_blocks_tree_size",
        ]).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Runs each statement in <paramref name="tx"/> (the one-time upgrades above).</summary>
    private static async Task ExecuteAllAsync(DbConnection c, DbTransaction tx, CancellationToken ct, IEnumerable<string> statements)
    {
        foreach (var sql in statements)
        {
            await using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = sql;
            await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A ledger from before index rows were batched has every transaction in ledger_subjects and its ids in an index on
    /// ledger_transactions: the ids move to ledger_tx_ids, the mark goes to the end of the log (everything indexed), and
    /// the old index goes. A new ledger gets the mark 0. Idempotent, and a no-op once the mark exists.
    /// </summary>
    private async Task MoveTxIdIndexAsync(DbConnection c, CancellationToken ct)
    {
        await using (var find = Command(c, PositionSql, IndexRowsFrom))
        {
            if (await find.ExecuteScalarAsync(ct).ConfigureAwait(false) is not (null or DBNull))
            {
                return;
            }
        }
        // Keys are computed here (SQL has no portable hex-to-integer); this runs once per legacy ledger.
        var rows = new List<(long Key, long Index)>();
        await using (var read = Command(c, "SELECT tx_id, log_index FROM ledger_transactions"))
        await using (var r = await read.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                rows.Add((UnindexedTransaction.TxKey(r.GetString(0)) ?? throw new LedgerCorruptException($"transaction id '{r.GetString(0)}' is not an id"), r.GetInt64(1)));
            }
        }
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        foreach (var chunk in rows.Order().Chunk(200))
        {
            await using var insert = Command(c,
                "INSERT INTO ledger_tx_ids (tx_key, log_index) VALUES " + string.Join(", ", chunk.Select((_, i) => $"(@p{2 * i}, @p{2 * i + 1})")) +
                " ON CONFLICT (tx_key, log_index) DO NOTHING",
                [.. chunk.SelectMany(x => new object?[] { x.Key, x.Index })]);
            insert.Transaction = tx;
            await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        await ExecuteAllAsync(c, tx, ct,
        [
            // "WHERE 1 = 1": SQLite would otherwise read ON CONFLICT as part of the SELECT.
            $"INSERT INTO ledger_ordering (orderer, revision) SELECT '{IndexRowsFrom}', COALESCE(MAX(log_index) + 1, 0) FROM ledger_transactions WHERE 1 = 1 ON CONFLICT (orderer) DO NOTHING",
            "DROP INDEX IF EXISTS ix_ledger_transactions_tx_id",
        ]).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
    }

    private static readonly (string Table, string Column, string Definition)[] AddedColumns =
    [
        ("ledger_blocks", "version", "BIGINT NOT NULL DEFAULT 1"),
        ("ledger_blocks", "ordering_revision", "BIGINT NOT NULL DEFAULT 0"),
        // Null on rows written before index rows were batched; those are all below the index mark.
        ("ledger_transactions", "subjects", "TEXT NULL"),
    ];

    private static async Task<bool> HasColumnAsync(DbConnection c, string table, string column, CancellationToken ct)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {table} LIMIT 0";
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        for (var i = 0; i < r.FieldCount; i++)
        {
            if (string.Equals(r.GetName(i), column, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    internal DbCommand Command(DbConnection c, string sql, params object?[] args)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < args.Length; i++)
        {
            var p = NewParameter("@p" + i);
            p.Value = args[i] ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }

    internal DbCommand Prepared(DbConnection c, string sql, int parameterCount)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < parameterCount; i++)
        {
            cmd.Parameters.Add(NewParameter("@p" + i));
        }
        return cmd;
    }

    /// <summary>Unnamed parameters for "$1".."$n" placeholders: Npgsql then sends the SQL as is, without rewriting named ones.</summary>
    internal DbCommand PreparedPositional(DbConnection c, string sql, int parameterCount)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        for (var i = 0; i < parameterCount; i++)
        {
            cmd.Parameters.Add(NewParameter(""));
        }
        return cmd;
    }

    /// <summary>True when the committer sends a block's statements as one batch (one round trip) rather than one by one.</summary>
    internal virtual bool BatchesBlockWrites => false;

    /// <summary>An unnamed parameter holding <paramref name="value"/> (for "$n" placeholders).</summary>
    internal DbParameter PositionalParameter(object? value)
    {
        var p = NewParameter("");
        p.Value = value ?? DBNull.Value;
        return p;
    }

    // ---- reads used by queries, start-up and the verifier ----

    internal const string BlockColumns = "height, previous_hash, tx_count, tree_size, root_hash, state_root, time_ms, peer_id, signature, version, ordering_revision";
    private const int BlockColumnCount = 11;
    internal const string TxColumns = "log_index, block_height, tx_bytes, signature, valid, reason, leaf_hash";

    internal static BlockHeader ReadHeader(DbDataReader r) => new(
        r.GetInt64(0), (byte[])r[1], r.GetInt64(2), r.GetInt64(3), (byte[])r[4], (byte[])r[5], r.GetInt64(6), r.GetString(7), (byte[])r[8],
        (int)r.GetInt64(9), r.GetInt64(10));

    internal static StoredTransaction ReadTx(DbDataReader r)
    {
        LedgerTransaction tx;
        try
        {
            tx = LedgerTransaction.FromSigningBytes((byte[])r[2], (byte[])r[3]);
        }
        catch (FormatException e)
        {
            throw new LedgerCorruptException($"transaction at log index {r.GetInt64(0)} does not parse: {e.Message}", e);
        }
        return new StoredTransaction(r.GetInt64(0), r.GetInt64(1), tx, r.GetInt64(4) != 0, r.IsDBNull(5) ? null : r.GetString(5), (byte[])r[6]);
    }

    public async Task<BlockHeader?> GetLatestHeaderAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, LatestHeaderSql);
        return await ReadOneHeaderAsync(cmd, ct).ConfigureAwait(false);
    }

    public async Task<BlockHeader?> GetHeaderAsync(long height, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, HeaderAtHeightSql, height);
        return await ReadOneHeaderAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>The block whose tree size equals <paramref name="treeSize"/>, if a block ends there.</summary>
    public async Task<BlockHeader?> GetHeaderByTreeSizeAsync(long treeSize, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, HeaderAtTreeSizeSql, treeSize);
        return await ReadOneHeaderAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// One statement for a header and the certificate this store holds for it (a read of a receipt runs it every time):
    /// <paramref name="blockSelect"/> picks at most one block, and each of its ledger_certificates rows (members with
    /// evidence against them left out) joins as a row of its own, or one row of NULLs when there are none.
    /// </summary>
    private static string WithCertificateSql(string blockSelect) =>
        $"SELECT {BlockColumnsOf("b")}, c.peer_id, c.signature FROM ({blockSelect}) b " +
        "LEFT JOIN ledger_certificates c ON c.height = b.height AND c.peer_id NOT IN (SELECT peer_id FROM ledger_evidence) ORDER BY c.peer_id";

    private static string BlockColumnsOf(string alias) => string.Join(", ", BlockColumns.Split(", ").Select(col => alias + "." + col));

    private static readonly string LatestHeaderSql = WithCertificateSql($"SELECT {BlockColumns} FROM ledger_blocks ORDER BY height DESC LIMIT 1");
    private static readonly string HeaderAtHeightSql = WithCertificateSql($"SELECT {BlockColumns} FROM ledger_blocks WHERE height = @p0");
    // The first block whose tree size is @p0 is the one holding log index @p0 - 1 (the genesis block for 0), when its
    // tree ends there; found through that transaction's row so that ledger_blocks needs no index on tree_size.
    private static readonly string HeaderAtTreeSizeSql = WithCertificateSql($"SELECT {BlockColumns} FROM ledger_blocks WHERE height = " +
        "COALESCE((SELECT block_height FROM ledger_transactions WHERE log_index = @p0 - 1), (SELECT MIN(height) FROM ledger_blocks)) AND tree_size = @p0");

    /// <summary>
    /// Reads what <see cref="WithCertificateSql"/> returns: the header with its certificate, or, when the store holds no
    /// certificate rows (the embedded peer, v1 blocks), the header's own signature credited to the peer it names.
    /// </summary>
    private static async Task<BlockHeader?> ReadOneHeaderAsync(DbCommand cmd, CancellationToken ct)
    {
        BlockHeader? header = null;
        var certificate = new List<PeerSignature>();
        await using (var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false))
        {
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                header ??= ReadHeader(r);
                if (!r.IsDBNull(BlockColumnCount))
                {
                    certificate.Add(new PeerSignature(r.GetString(BlockColumnCount), (byte[])r[BlockColumnCount + 1]));
                }
            }
        }
        return header is null ? null : header with { Certificate = certificate.Count > 0 ? certificate : [new PeerSignature(header.PeerId, header.Signature)] };
    }

    private async Task<List<PeerSignature>> ReadCertificateAsync(DbConnection c, long height, CancellationToken ct)
    {
        await using var cmd = Command(c, "SELECT peer_id, signature FROM ledger_certificates WHERE height = @p0 " +
            "AND peer_id NOT IN (SELECT peer_id FROM ledger_evidence) ORDER BY peer_id", height);
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<PeerSignature>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new PeerSignature(r.GetString(0), (byte[])r[1]));
        }
        return list;
    }

    /// <summary>Member signatures collected for a block (its certificate so far), members with evidence against them left out.</summary>
    public async Task<IReadOnlyList<PeerSignature>> GetCertificateAsync(long height, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        return await ReadCertificateAsync(c, height, ct).ConfigureAwait(false);
    }

    /// <summary>Stores one verified member signature over the block at <paramref name="height"/>; a second copy is ignored.</summary>
    internal async Task AddCertificateSignatureAsync(long height, PeerSignature signature, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "INSERT INTO ledger_certificates (height, peer_id, signature) VALUES (@p0, @p1, @p2) ON CONFLICT (height, peer_id) DO NOTHING",
            height, signature.PeerId, signature.Signature);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Keeps a member's signature over a header this peer did not compute (the first one per member and height).</summary>
    internal async Task AddEvidenceAsync(LedgerEvidence evidence, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "INSERT INTO ledger_evidence (peer_id, height, their_header_bytes, their_signature, our_header_hash, found_at_ms) " +
            "VALUES (@p0, @p1, @p2, @p3, @p4, @p5) ON CONFLICT (peer_id, height) DO NOTHING",
            evidence.PeerId, evidence.Height, evidence.TheirHeaderBytes, evidence.TheirSignature, evidence.OurHeaderHash, evidence.FoundAtMs);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Every piece of evidence this peer holds, by member then height.</summary>
    public async Task<IReadOnlyList<LedgerEvidence>> GetEvidenceAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "SELECT peer_id, height, their_header_bytes, their_signature, our_header_hash, found_at_ms FROM ledger_evidence ORDER BY peer_id, height");
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        var list = new List<LedgerEvidence>();
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new LedgerEvidence(r.GetString(0), r.GetInt64(1), (byte[])r[2], (byte[])r[3], (byte[])r[4], r.GetInt64(5)));
        }
        return list;
    }

    /// <summary>A named position in a shared log other than the envelope order (e.g. the certificate collector's), 0 when none.</summary>
    internal async Task<long> GetPositionAsync(string name, CancellationToken ct) => await FindPositionAsync(name, ct).ConfigureAwait(false) ?? 0;

    /// <summary>A named ledger_ordering row's value, null when there is no such row.</summary>
    internal async Task<long?> FindPositionAsync(string name, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, PositionSql, name);
        return AsPosition(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false));
    }

    /// <summary>As <see cref="FindPositionAsync"/>, on a connection the caller holds (the committer's).</summary>
    internal long? FindPosition(DbConnection c, string name)
    {
        using var cmd = Command(c, PositionSql, name);
        return AsPosition(cmd.ExecuteScalar());
    }

    private const string PositionSql = "SELECT revision FROM ledger_ordering WHERE orderer = @p0";

    private static long? AsPosition(object? value) =>
        value is null or DBNull ? null : Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture);

    internal async Task SetPositionAsync(string name, long revision, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "INSERT INTO ledger_ordering (orderer, revision) VALUES (@p0, @p1) ON CONFLICT (orderer) DO UPDATE SET revision = excluded.revision", name, revision);
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    // ---- the index mark (docs/ledger.md "Index rows") ----

    private UnindexedTail? _tail;

    /// <summary>Published by this process's writer once it has loaded the tail; readers then need not scan for it.</summary>
    internal void PublishTail(UnindexedTail tail) => Volatile.Write(ref _tail, tail);

    /// <summary>Withdrawn by the writer that published it when it goes (a new writer reloads the tail from the database).</summary>
    internal void WithdrawTail(UnindexedTail tail) => Interlocked.CompareExchange(ref _tail, null, tail);

    /// <summary>The index mark as a scalar subquery, for statements that must read it in their own snapshot.</summary>
    private const string MarkSql = $"(SELECT COALESCE(MAX(revision), 0) FROM ledger_ordering WHERE orderer = '{IndexRowsFrom}')";

    public async Task<IReadOnlyList<StoredTransaction>> GetTransactionsByIdAsync(string txId, CancellationToken ct = default)
    {
        if (UnindexedTransaction.TxKey(txId) is not { } key)
        {
            return [];
        }
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        DbCommand cmd;
        if (Volatile.Read(ref _tail) is { } tail)
        {
            // Snapshot first, database second: rows below the snapshot's mark are committed in ledger_tx_ids by then.
            var (mark, hits) = tail.ByTxId(txId);
            cmd = Command(c,
                $"SELECT {TxColumns} FROM ledger_transactions WHERE (log_index IN (SELECT log_index FROM ledger_tx_ids WHERE tx_key = @p1 AND log_index < @p2)" +
                string.Concat(hits.Select((_, i) => (i == 0 ? " OR log_index IN (" : ", ") + "@p" + (i + 3))) + (hits.Length > 0 ? ")" : "") +
                ") AND tx_id = @p0 ORDER BY log_index",
                [txId, key, mark, .. hits.Cast<object?>()]);
        }
        else
        {
            // No writer here (another process writes, or this one's is being replaced): the tail is scanned, in one statement.
            cmd = Command(c,
                $"SELECT {TxColumns} FROM ledger_transactions WHERE (log_index IN (SELECT log_index FROM ledger_tx_ids WHERE tx_key = @p1 AND log_index < {MarkSql}) " +
                $"OR log_index >= {MarkSql}) AND tx_id = @p0 ORDER BY log_index", txId, key);
        }
        await using (cmd)
        {
            return await ReadTxsAsync(cmd, ct).ConfigureAwait(false);
        }
    }

    public async Task<IReadOnlyList<StoredTransaction>> GetTransactionsInRangeAsync(long fromIndex, long toIndexExclusive, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, $"SELECT {TxColumns} FROM ledger_transactions WHERE log_index >= @p0 AND log_index < @p1 ORDER BY log_index", fromIndex, toIndexExclusive);
        return await ReadTxsAsync(cmd, ct).ConfigureAwait(false);
    }

    private static readonly string TxColumnsOfT = string.Join(", ", TxColumns.Split(", ").Select(x => "t." + x));

    /// <summary>Transactions that mention <paramref name="subject"/>, newest first, before <paramref name="beforeIndex"/>.</summary>
    public async Task<IReadOnlyList<StoredTransaction>> GetTransactionsBySubjectAsync(string subject, long beforeIndex, int limit, CancellationToken ct = default)
    {
        // Only names are subjects; anything else (a space in it) could match across two names in the subjects column.
        if (!LedgerTransaction.IsName(subject))
        {
            return [];
        }
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        if (Volatile.Read(ref _tail) is not { } tail)
        {
            await using var scan = Command(c,
                $"SELECT {TxColumns} FROM (SELECT * FROM (SELECT {TxColumnsOfT} FROM ledger_transactions t WHERE t.log_index >= {MarkSql} AND t.log_index < @p1 AND {ContainsText("t.subjects", "@p3")} ORDER BY t.log_index DESC LIMIT @p2) newer " +
                $"UNION ALL SELECT * FROM (SELECT {TxColumnsOfT} FROM ledger_subjects s JOIN ledger_transactions t ON t.log_index = s.log_index " +
                $"WHERE s.subject = @p0 AND s.log_index < @p1 AND s.log_index < {MarkSql} ORDER BY s.log_index DESC LIMIT @p2) older) matches ORDER BY log_index DESC LIMIT @p2",
                subject, beforeIndex, limit, " " + subject + " ");
            return await ReadTxsAsync(scan, ct).ConfigureAwait(false);
        }
        // The tail's entries are all newer than the indexed rows, so they come first.
        var (mark, hits) = tail.BySubject(subject, beforeIndex, limit);
        var list = new List<StoredTransaction>(hits.Count);
        if (hits.Count > 0)
        {
            await using var newest = Command(c,
                $"SELECT {TxColumns} FROM ledger_transactions WHERE log_index IN ({string.Join(", ", hits.Select((_, i) => "@p" + i))}) ORDER BY log_index DESC",
                [.. hits.Cast<object?>()]);
            list.AddRange(await ReadTxsAsync(newest, ct).ConfigureAwait(false));
        }
        if (list.Count < limit)
        {
            await using var cmd = Command(c,
                $"SELECT {TxColumnsOfT} FROM ledger_subjects s JOIN ledger_transactions t ON t.log_index = s.log_index " +
                "WHERE s.subject = @p0 AND s.log_index < @p1 ORDER BY s.log_index DESC LIMIT @p2", subject, Math.Min(beforeIndex, mark), limit - list.Count);
            list.AddRange(await ReadTxsAsync(cmd, ct).ConfigureAwait(false));
        }
        return list;
    }

    /// <summary>
    /// Transactions matching every filter given, newest first, before <paramref name="beforeIndex"/>. A subject goes through
    /// ledger_subjects (indexed); actor, type, validity and the signed time narrow the scan (an admin's search, not a hot path).
    /// </summary>
    public async Task<IReadOnlyList<StoredTransaction>> SearchTransactionsAsync(TransactionFilter filter, long beforeIndex, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var args = new List<object?> { beforeIndex, limit };
        var where = new List<string> { "t.log_index < @p0" };
        void Add(string clause, object value)
        {
            args.Add(value);
            where.Add(clause.Replace("@x", "@p" + (args.Count - 1), StringComparison.Ordinal));
        }
        if (filter.Subject is { } subject)
        {
            if (!LedgerTransaction.IsName(subject))
            {
                return [];
            }
            // Indexed below the mark, searched in the rows' own subjects column at and after it (an admin's search).
            args.Add(" " + subject + " ");
            Add($"(t.log_index IN (SELECT log_index FROM ledger_subjects WHERE subject = @x AND log_index < {MarkSql}) " +
                $"OR (t.log_index >= {MarkSql} AND {ContainsText("t.subjects", "@p" + (args.Count - 1))}))", subject);
        }
        if (filter.ActorId is { } actor)
        {
            Add("t.actor_id = @x", actor);
        }
        if (filter.Type is { } type)
        {
            Add("t.type = @x", type);
        }
        if (filter.Valid is { } valid)
        {
            Add("t.valid = @x", valid ? 1L : 0L);
        }
        if (filter.FromMs is { } fromMs)
        {
            Add("t.timestamp_ms >= @x", fromMs);
        }
        if (filter.ToMs is { } toMs)
        {
            Add("t.timestamp_ms < @x", toMs);
        }
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c,
            $"SELECT {TxColumnsOfT} FROM ledger_transactions t WHERE {string.Join(" AND ", where)} ORDER BY t.log_index DESC LIMIT @p1",
            [.. args]);
        return await ReadTxsAsync(cmd, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Committed transactions per minute of block time since <paramref name="sinceMs"/>: (minute start, all, invalid). Starts from
    /// the first log index of the first block in the window, so it reads only the window's rows.
    /// </summary>
    public async Task<IReadOnlyList<(long MinuteMs, long Total, long Invalid)>> GetActivityAsync(long sinceMs, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c,
            "SELECT (b.time_ms / 60000) * 60000 AS minute, COUNT(*), SUM(CASE WHEN t.valid = 0 THEN 1 ELSE 0 END) " +
            "FROM ledger_transactions t JOIN ledger_blocks b ON b.height = t.block_height " +
            "WHERE t.log_index >= (SELECT COALESCE(MIN(tree_size - tx_count), 0) FROM ledger_blocks WHERE time_ms >= @p0) AND b.time_ms >= @p0 " +
            "GROUP BY (b.time_ms / 60000) * 60000 ORDER BY minute", sinceMs);
        var rows = new List<(long, long, long)>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add((r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)));
        }
        return rows;
    }

    /// <summary>How many transactions the ledger recorded as invalid, ever (a scan: for the admin's dashboard, not a hot path).</summary>
    public async Task<long> CountInvalidAsync(CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "SELECT COUNT(*) FROM ledger_transactions WHERE valid = 0");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<IReadOnlyList<StoredTransaction>> ReadTxsAsync(DbCommand cmd, CancellationToken ct)
    {
        var list = new List<StoredTransaction>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(ReadTx(r));
        }
        return list;
    }

    public async Task<IReadOnlyList<string>> GetBlockTransactionIdsAsync(BlockHeader header, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "SELECT tx_id FROM ledger_transactions WHERE log_index >= @p0 AND log_index < @p1 ORDER BY log_index", header.FirstIndex, header.TreeSize);
        var ids = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            ids.Add(r.GetString(0));
        }
        return ids;
    }

    /// <summary>
    /// Batched lookup of perfect-subtree hashes (one query per 200 keys). Level 0 is the leaf hash,
    /// read from ledger_transactions rather than stored twice.
    /// </summary>
    internal async Task<IReadOnlyDictionary<MerkleNodeKey, byte[]>> GetNodesAsync(IReadOnlyCollection<MerkleNodeKey> keys, CancellationToken ct)
    {
        var result = new Dictionary<MerkleNodeKey, byte[]>();
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        foreach (var chunk in keys.Where(k => k.Level == 0).Chunk(200))
        {
            var args = chunk.Select(k => (object?)k.Index).ToArray();
            await using var cmd = Command(c, "SELECT log_index, leaf_hash FROM ledger_transactions WHERE log_index IN (" +
                string.Join(", ", args.Select((_, i) => "@p" + i)) + ")", args);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                result[new MerkleNodeKey(0, r.GetInt64(0))] = (byte[])r[1];
            }
        }
        foreach (var chunk in keys.Where(k => k.Level > 0).Chunk(200))
        {
            var args = chunk.Select(k => (object?)k.StoreKey).ToArray();
            await using var cmd = Command(c, "SELECT node, hash FROM ledger_tree_nodes WHERE node IN (" +
                string.Join(", ", args.Select((_, i) => "@p" + i)) + ")", args);
            await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await r.ReadAsync(ct).ConfigureAwait(false))
            {
                result[MerkleNodeKey.FromStoreKey(r.GetInt64(0)) ?? throw new LedgerCorruptException($"Merkle node key {r.GetInt64(0)} is impossible.")] = (byte[])r[1];
            }
        }
        return result;
    }

    /// <summary>The shared orderer's one row in ledger_ordering (one orderer per ledger).</summary>
    internal const string SharedOrderer = "shared";

    /// <summary>ledger_ordering row: the log index from which spent nonces may lack their ledger_nonces row (docs/ledger.md "Nonce rows").</summary>
    internal const string NonceRowsFrom = "nonce-rows-from";

    /// <summary>ledger_ordering row: the log index from which transactions lack their ledger_tx_ids and ledger_subjects rows (docs/ledger.md "Index rows").</summary>
    internal const string IndexRowsFrom = "index-rows-from";

    /// <summary>
    /// The orderer revision (etcd) of the last applied envelope, 0 when none. It is written in the
    /// same database transaction as that envelope's block, so after any crash it names exactly the
    /// envelopes already applied and a restart resumes after it — no envelope twice, none skipped.
    /// </summary>
    public Task<long> GetOrderingRevisionAsync(CancellationToken ct = default) => GetPositionAsync(SharedOrderer, ct);

    /// <summary>ledger_ordering row naming a proposer's envelope-time high-water (see <see cref="GetProposerHighWaterAsync"/>).</summary>
    internal static string ProposerHighWater(string proposerId) => "proposer-time:" + proposerId;

    /// <summary>
    /// The time of the last envelope applied from <paramref name="proposerId"/>, 0 when none. Written with that
    /// envelope's block; a proposer's envelope times strictly increase, so an envelope at or below it is a repeat
    /// (e.g. a retried write after its key was deleted by clean-up) and is not applied again.
    /// </summary>
    public Task<long> GetProposerHighWaterAsync(string proposerId, CancellationToken ct = default) =>
        GetPositionAsync(ProposerHighWater(proposerId), ct);

    public async Task<string?> GetStateAsync(string key, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "SELECT state_value FROM ledger_state WHERE state_key = @p0", key);
        return await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
    }

    public async Task<IReadOnlyList<KeyValuePair<string, string>>> ScanStateAsync(string prefix, int limit, CancellationToken ct = default)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, "SELECT state_key, state_value FROM ledger_state WHERE state_key >= @p0 AND state_key < @p1 ORDER BY state_key LIMIT @p2",
            prefix, BlockProcessor.PrefixEnd(prefix), limit);
        var list = new List<KeyValuePair<string, string>>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            list.Add(new(r.GetString(0), r.GetString(1)));
        }
        return list;
    }

    /// <summary>Streams rows for the verifier (ordered) without holding the table in memory.</summary>
    internal async IAsyncEnumerable<T> StreamAsync<T>(string sql, Func<DbDataReader, T> read, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, sql);
        cmd.CommandTimeout = 0;
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            yield return read(r);
        }
    }

    internal async Task<long> CountAsync(string table, CancellationToken ct)
    {
        await using var c = await OpenAsync(ct).ConfigureAwait(false);
        await using var cmd = Command(c, $"SELECT COUNT(*) FROM {table}");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }
}

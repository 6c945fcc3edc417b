using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MedLedger.Ledger.Store;

/// <summary>
/// SQLite: WAL so readers never block the committer, busy_timeout because the application's EF
/// Core writes other tables of the same file through its own connections.
/// </summary>
internal sealed class SqliteLedgerStore(string connectionString, bool synchronousFull) : LedgerStore(connectionString)
{
    private int _walSet;

    /// <summary>False only in tests: the portable path (named parameters, one row per statement) to compare against.</summary>
    internal bool IndexedInserts { get; init; } = true;

    internal override int MaxRowsPerInsert => IndexedInserts ? 64 : 1;

    internal override InsertBinding InsertBinding => IndexedInserts ? InsertBinding.SqliteIndexed : InsertBinding.Named;

    private protected override IReadOnlyList<string> SchemaStatements { get; } =
    [
        "CREATE TABLE IF NOT EXISTS ledger_blocks (height INTEGER PRIMARY KEY, header_hash BLOB NOT NULL, previous_hash BLOB NOT NULL, tx_count INTEGER NOT NULL, tree_size INTEGER NOT NULL, root_hash BLOB NOT NULL, state_root BLOB NOT NULL, time_ms INTEGER NOT NULL, peer_id TEXT NOT NULL, signature BLOB NOT NULL, version INTEGER NOT NULL DEFAULT 1, ordering_revision INTEGER NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS ledger_transactions (log_index INTEGER PRIMARY KEY, tx_id TEXT NOT NULL, block_height INTEGER NOT NULL, type TEXT NOT NULL, actor_id TEXT NOT NULL, nonce INTEGER NOT NULL, timestamp_ms INTEGER NOT NULL, tx_bytes BLOB NOT NULL, signature BLOB NOT NULL, valid INTEGER NOT NULL, reason TEXT NULL, leaf_hash BLOB NOT NULL, subjects TEXT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_tx_ids (tx_key INTEGER NOT NULL, log_index INTEGER NOT NULL, PRIMARY KEY (tx_key, log_index)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS ledger_subjects (subject TEXT NOT NULL, log_index INTEGER NOT NULL, PRIMARY KEY (subject, log_index)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS ledger_tree_nodes (node INTEGER PRIMARY KEY, hash BLOB NOT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_state (state_key TEXT NOT NULL PRIMARY KEY, state_value TEXT NOT NULL, height INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS ledger_nonces (actor_id TEXT NOT NULL, nonce INTEGER NOT NULL, PRIMARY KEY (actor_id, nonce)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS ledger_ordering (orderer TEXT NOT NULL PRIMARY KEY, revision INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS ledger_certificates (height INTEGER NOT NULL, peer_id TEXT NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (height, peer_id)) WITHOUT ROWID",
        "CREATE TABLE IF NOT EXISTS ledger_evidence (peer_id TEXT NOT NULL, height INTEGER NOT NULL, their_header_bytes BLOB NOT NULL, their_signature BLOB NOT NULL, our_header_hash BLOB NOT NULL, found_at_ms INTEGER NOT NULL, PRIMARY KEY (peer_id, height)) WITHOUT ROWID",
    ];

    private protected override DbConnection NewConnection() => new SqliteConnection(ConnectionString);

    internal override string ContainsText(string haystack, string needle) => $"instr({haystack}, {needle}) > 0";

    internal override string TableExistsSql => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = @p0";

    private protected override DbParameter NewParameter(string name) => new SqliteParameter { ParameterName = name };

    private protected override void Configure(DbConnection connection, bool writer)
    {
        using var cmd = connection.CreateCommand();
        // journal_mode is persistent in the file; setting it once per process is enough.
        var wal = Interlocked.Exchange(ref _walSet, 1) == 0 ? "PRAGMA journal_mode=WAL;" : "";
        cmd.CommandText = "PRAGMA busy_timeout=10000;" + wal + (writer
            ? $"PRAGMA synchronous={(synchronousFull ? "FULL" : "NORMAL")};PRAGMA cache_size=-65536;PRAGMA wal_autocheckpoint=0;"
            : "");
        cmd.ExecuteNonQuery();
    }

    // The committer's connection never checkpoints (an automatic checkpoint runs inside the COMMIT
    // that crosses the threshold and stalls every submitter of that block); the peer calls this instead.
    internal override bool CheckpointsInBackground => true;

    internal override bool Checkpoint()
    {
        using var connection = Open(writer: false);
        using var cmd = connection.CreateCommand();
        // PASSIVE copies what no reader still needs and never waits for the writer; FULL syncs the
        // file before the log can be reused, so a power loss cannot lose checkpointed frames.
        cmd.CommandText = "PRAGMA synchronous=FULL;PRAGMA wal_checkpoint(PASSIVE);";
        // One row: busy (0/1), frames in the log, frames copied (-1, -1 when not in WAL mode).
        using var r = cmd.ExecuteReader();
        return r.Read() && r.GetInt64(0) == 0 && r.GetInt64(1) >= 0 && r.GetInt64(1) - r.GetInt64(2) <= CatchUpFrames;
    }

    // Under steady writes a background PASSIVE checkpoint never catches up (frames keep arriving while it copies), so
    // SQLite never restarts the log: it grew to hundreds of megabytes and every COMMIT appended to it, which costs the
    // file system more per fsync than overwriting blocks it already has. PASSIVE waits for no one.
    internal override void CatchUpCheckpoint(DbConnection writer)
    {
        using var cmd = writer.CreateCommand();
        cmd.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        cmd.ExecuteNonQuery();
    }
}

/// <summary>PostgreSQL through Npgsql. Keys use COLLATE "C" so prefix scans are byte-ordinal like SQLite.</summary>
internal sealed class PostgresLedgerStore(string connectionString) : LedgerStore(connectionString)
{
    private protected override IReadOnlyList<string> SchemaStatements { get; } =
    [
        "CREATE TABLE IF NOT EXISTS ledger_blocks (height BIGINT PRIMARY KEY, header_hash BYTEA NOT NULL, previous_hash BYTEA NOT NULL, tx_count BIGINT NOT NULL, tree_size BIGINT NOT NULL, root_hash BYTEA NOT NULL, state_root BYTEA NOT NULL, time_ms BIGINT NOT NULL, peer_id TEXT NOT NULL, signature BYTEA NOT NULL, version BIGINT NOT NULL DEFAULT 1, ordering_revision BIGINT NOT NULL DEFAULT 0)",
        "CREATE TABLE IF NOT EXISTS ledger_transactions (log_index BIGINT PRIMARY KEY, tx_id TEXT COLLATE \"C\" NOT NULL, block_height BIGINT NOT NULL, type TEXT NOT NULL, actor_id TEXT NOT NULL, nonce BIGINT NOT NULL, timestamp_ms BIGINT NOT NULL, tx_bytes BYTEA NOT NULL, signature BYTEA NOT NULL, valid BIGINT NOT NULL, reason TEXT NULL, leaf_hash BYTEA NOT NULL, subjects TEXT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_tx_ids (tx_key BIGINT NOT NULL, log_index BIGINT NOT NULL, PRIMARY KEY (tx_key, log_index))",
        "CREATE TABLE IF NOT EXISTS ledger_subjects (subject TEXT COLLATE \"C\" NOT NULL, log_index BIGINT NOT NULL, PRIMARY KEY (subject, log_index))",
        "CREATE TABLE IF NOT EXISTS ledger_tree_nodes (node BIGINT PRIMARY KEY, hash BYTEA NOT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_state (state_key TEXT COLLATE \"C\" NOT NULL PRIMARY KEY, state_value TEXT NOT NULL, height BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_nonces (actor_id TEXT COLLATE \"C\" NOT NULL, nonce BIGINT NOT NULL, PRIMARY KEY (actor_id, nonce))",
        "CREATE TABLE IF NOT EXISTS ledger_ordering (orderer TEXT NOT NULL PRIMARY KEY, revision BIGINT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS ledger_certificates (height BIGINT NOT NULL, peer_id TEXT COLLATE \"C\" NOT NULL, signature BYTEA NOT NULL, PRIMARY KEY (height, peer_id))",
        "CREATE TABLE IF NOT EXISTS ledger_evidence (peer_id TEXT COLLATE \"C\" NOT NULL, height BIGINT NOT NULL, their_header_bytes BYTEA NOT NULL, their_signature BYTEA NOT NULL, our_header_hash BYTEA NOT NULL, found_at_ms BIGINT NOT NULL, PRIMARY KEY (peer_id, height))",
    ];

    internal override int MaxRowsPerInsert => 128;

    internal override InsertBinding InsertBinding => InsertBinding.Positional;

    internal override bool BatchesBlockWrites => true;

    private protected override DbConnection NewConnection() => new NpgsqlConnection(ConnectionString);

    internal override string ContainsText(string haystack, string needle) => $"strpos({haystack}, {needle}) > 0";

    internal override string TableExistsSql => "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = @p0";

    private protected override DbParameter NewParameter(string name) => new NpgsqlParameter { ParameterName = name };
}

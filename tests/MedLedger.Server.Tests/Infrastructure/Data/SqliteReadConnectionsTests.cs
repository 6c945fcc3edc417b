using MedLedger.Server.Infrastructure.Data;
using Microsoft.Data.Sqlite;

namespace MedLedger.Server.Tests.Infrastructure.Data;

/// <summary>
/// The read connections behind the session lookup and the record read on SQLite: a statement is compiled once per
/// connection and the connection serves the next read; every read sees what other connections committed; a read that
/// failed part-way does not hand its connection to the next one; concurrent reads never share a connection.
/// </summary>
public sealed class SqliteReadConnectionsTests : IDisposable
{
    private static readonly SqliteRead ByKey = new("SELECT value FROM items WHERE key = $key", "$key");
    private static readonly SqliteRead ByKeyAndFloor = new("SELECT value FROM items WHERE key = $key AND value >= COALESCE($floor, 0)", "$key", "$floor");

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-reads-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _connectionString;

    public SqliteReadConnectionsTests()
    {
        Directory.CreateDirectory(_dir);
        _connectionString = $"Data Source={Path.Combine(_dir, "reads.db")};Pooling=False";
        Execute("PRAGMA journal_mode=WAL; CREATE TABLE items (key TEXT PRIMARY KEY, value INTEGER NOT NULL)");
        for (var i = 0; i < 50; i++)
        {
            Execute($"INSERT INTO items VALUES ('k{i}', {i * 10})");
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    private void Execute(string sql)
    {
        using var c = new SqliteConnection(_connectionString);
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static long? Value(SqliteDataReader r) => r.Read() ? r.GetInt64(0) : null;

    private SqliteReadConnections Reads() => new(_connectionString, TimeSpan.FromSeconds(5));

    [Fact]
    public void Reads_one_after_another_share_one_connection_and_bind_each_reads_own_values()
    {
        using var reads = Reads();
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal((long?)(i * 10), reads.Run(ByKey, [$"k{i}"], Value));
            Assert.Equal(i >= 25 ? i * 10 : (long?)null, reads.Run(ByKeyAndFloor, [$"k{i}", 250L], Value));
            // A null value is SQL NULL, not the previous read's value left bound.
            Assert.Equal((long?)(i * 10), reads.Run(ByKeyAndFloor, [$"k{i}", null], Value));
        }
        Assert.Null(reads.Run(ByKey, ["absent"], Value));
        Assert.Equal(1, reads.Opened);
    }

    [Fact]
    public void A_read_sees_what_another_connection_committed_after_the_statement_was_prepared()
    {
        using var reads = Reads();
        Assert.Null(reads.Run(ByKey, ["late"], Value));
        Execute("INSERT INTO items VALUES ('late', 7)");
        Assert.Equal(7L, reads.Run(ByKey, ["late"], Value));
        Execute("UPDATE items SET value = 8 WHERE key = 'late'");
        Assert.Equal(8L, reads.Run(ByKey, ["late"], Value));
    }

    [Fact]
    public void A_read_that_failed_part_way_does_not_hand_its_connection_to_the_next_read()
    {
        using var reads = Reads();
        Assert.Equal(0L, reads.Run(ByKey, ["k0"], Value));
        Assert.Throws<InvalidOperationException>(() => reads.Run<long?>(ByKey, ["k1"], r =>
        {
            r.Read();
            throw new InvalidOperationException("the caller's reader failed");
        }));
        Assert.Equal(20L, reads.Run(ByKey, ["k2"], Value));
        Assert.Equal(2, reads.Opened);
    }

    [Fact]
    public async Task Concurrent_reads_never_share_a_connection_and_each_gets_its_own_row()
    {
        using var reads = Reads();
        const int threads = 6;
        using var start = new Barrier(threads);
        var wrong = 0;
        await Task.WhenAll(Enumerable.Range(0, threads).Select(t => Task.Factory.StartNew(() =>
        {
            start.SignalAndWait();
            for (var n = 0; n < 300; n++)
            {
                var i = (t * 7 + n) % 50;
                if (reads.Run(ByKey, [$"k{i}"], Value) != i * 10)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        }, TaskCreationOptions.LongRunning)));
        Assert.Equal(0, wrong);
        // At most one connection per read in flight at once.
        Assert.InRange(reads.Opened, 1, threads);
    }

    [Fact]
    public void The_wrong_number_of_values_is_a_caller_error_and_runs_nothing()
    {
        using var reads = Reads();
        Assert.Throws<ArgumentException>(() => reads.Run(ByKeyAndFloor, ["k1"], Value));
        Assert.Equal(0, reads.Opened);
    }

    [Fact]
    public void Without_a_connection_string_it_is_not_enabled_and_after_dispose_nothing_runs()
    {
        using var postgres = new SqliteReadConnections(null, TimeSpan.FromSeconds(5));
        Assert.False(postgres.Enabled);
        Assert.Throws<InvalidOperationException>(() => postgres.Run(ByKey, ["k1"], Value));

        var reads = Reads();
        Assert.True(reads.Enabled);
        Assert.Equal(10L, reads.Run(ByKey, ["k1"], Value));
        reads.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reads.Run(ByKey, ["k1"], Value));
    }
}

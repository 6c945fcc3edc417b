using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;
using Microsoft.Data.Sqlite;

namespace MedLedger.Ledger.Tests;

/// <summary>The committer's set-based SQLite INSERTs (bound by index) against the portable path (one row per statement, bound by name).</summary>
public sealed class IndexedInsertTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-indexed-" + Guid.NewGuid().ToString("N")[..10]);

    public IndexedInsertTests() => Directory.CreateDirectory(_dir);

    private string NewPath() => Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + ".db");

    [Fact]
    public async Task Blocks_written_by_index_bound_multi_row_inserts_are_byte_for_byte_the_rows_the_single_row_path_writes()
    {
        var indexedPath = NewPath();
        var portablePath = NewPath();
        var indexed = LedgerStore.Sqlite($"Data Source={indexedPath}");
        var portable = new SqliteLedgerStore($"Data Source={portablePath}", synchronousFull: true) { IndexedInserts = false };
        Assert.Equal(InsertBinding.SqliteIndexed, indexed.InsertBinding);
        Assert.Equal(1, portable.MaxRowsPerInsert);
        await portable.InitializeAsync();
        using var portableWriter = new LedgerWriter(portable, nonceRowsPerWrite: 1, indexRowsPerWrite: 1, indexChunkTransactions: new LedgerOptions().IndexChunkTransactions);

        var ordering = new ManualOrdering();
        await using var peer = new LedgerPeer(indexed, LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions { PeerId = "peer-a", NonceRowsPerWrite = 1, IndexRowsPerWrite = 1 }, ContractRegistry.WithIdentity(), ordering);
        // The same rows, as the committer built them, go through the portable path into the other file.
        peer.BlockWritten = b =>
        {
            portableWriter.Begin();
            portableWriter.Write(b);
            portableWriter.Commit();
        };
        await peer.StartAsync();
        var users = new List<TestUser>();
        LedgerTransaction? committed = null;
        // Block sizes around the 64-row statement and its halvings, with refusals (replay, conflict) in them.
        foreach (var size in new[] { 1, 3, 64, 65, 130, 7 })
        {
            var batch = Enumerable.Range(0, size).Select(i => new TestUser($"u-{users.Count + i}")).ToList();
            var txs = batch.Select(u => u.Register()).ToList();
            if (committed is not null)
            {
                txs.Add(users[0].Register());
                txs.Add(committed);
            }
            committed = txs[0];
            var submitted = txs.Select(t => Task.Run(async () =>
            {
                try
                {
                    return (await peer.SubmitAsync(t)).Valid;
                }
                catch (LedgerRejectedException)
                {
                    return false;
                }
            })).ToList();
            await ordering.CutAsync(txs.Count);
            await Task.WhenAll(submitted);
            users.AddRange(batch);
        }
        Assert.Equal(6, peer.Head!.Height);

        foreach (var table in new[] { "ledger_blocks ORDER BY height", "ledger_transactions ORDER BY log_index", "ledger_subjects ORDER BY subject, log_index", "ledger_tx_ids ORDER BY tx_key, log_index",
            "ledger_tree_nodes ORDER BY node", "ledger_state ORDER BY state_key", "ledger_nonces ORDER BY actor_id, nonce" })
        {
            var a = await DumpAsync(indexedPath, table);
            var b = await DumpAsync(portablePath, table);
            Assert.NotEmpty(a);
            Assert.Equal(b, a);
        }
        Assert.True((await new LedgerVerifier(indexed, peer.PeerKeys, peer.Contracts).VerifyAsync()).Ok);
        Assert.True((await new LedgerVerifier(portable, peer.PeerKeys, peer.Contracts).VerifyAsync()).Ok);
    }

    /// <summary>Every row as text, with blobs in hex and the column's storage class, so "equal" means byte for byte.</summary>
    private static async Task<List<string>> DumpAsync(string path, string tableAndOrder)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT * FROM " + tableAndOrder;
        var rows = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add(string.Join("|", Enumerable.Range(0, r.FieldCount).Select(i => r.IsDBNull(i) ? "null" : r.GetValue(i) switch
            {
                byte[] bytes => "blob:" + Convert.ToHexString(bytes),
                var v => v.GetType().Name + ":" + Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            })));
        }
        return rows;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}

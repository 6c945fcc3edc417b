using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;
using Microsoft.Data.Sqlite;

namespace MedLedger.Ledger.Tests;

/// <summary>The embedded peer's pipelined committer (LedgerPeer.Pipeline.cs) on real SQLite files.</summary>
public sealed class LedgerPeerPipelineTests : IDisposable
{
    private const long FixedTimeMs = 1_767_225_600_000;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-pipeline-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly byte[] _peerKey = LedgerCrypto.GenerateKeyPair().PrivateKey;

    public LedgerPeerPipelineTests() => Directory.CreateDirectory(_dir);

    private string NewPath() => Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + ".db");

    private LedgerPeer NewPeer(string connectionString, bool pipelined, Ordering.IOrderingService? ordering = null) =>
        new(LedgerStore.Sqlite(connectionString), _peerKey, new LedgerOptions { PeerId = "peer-a", PipelineCommits = pipelined, NonceRowsPerWrite = 5, IndexRowsPerWrite = 5 },
            ContractRegistry.WithIdentity(), ordering) { BlockClock = () => FixedTimeMs };

    private static async Task<bool?> Outcome(Task<LedgerReceipt> submitted)
    {
        try
        {
            return (await submitted).Valid;
        }
        catch (LedgerRejectedException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    [Fact]
    public async Task Pipelined_blocks_have_the_headers_and_rows_the_one_block_path_writes_for_the_same_transactions_and_cuts()
    {
        // Batches queued ahead, so each block executes while the previous one commits and reads its writes
        // (rotations of keys registered one batch earlier, a replay of a transaction still committing, a duplicate).
        var users = Enumerable.Range(0, 12).Select(i => new TestUser($"p-{i}")).ToList();
        var batches = new List<List<LedgerTransaction>>();
        var registers = users.Select(u => u.Register()).ToList();
        batches.Add(registers[..6]);
        batches.Add([.. users[..6].Select(u => u.Rotate()), registers[0], users[1].Register()]);
        batches.Add([.. registers[6..], users[2].Rotate()]);
        batches.Add([.. users[6..].Select(u => u.Rotate()), registers[7]]);
        batches.Add([users[3].Rotate(), users[8].Rotate()]);

        var pipelinedPath = NewPath();
        var ordering = new ManualOrdering();
        var pipelinedVerdicts = new List<bool?>();
        await using (var peer = NewPeer($"Data Source={pipelinedPath}", pipelined: true, ordering))
        {
            await peer.StartAsync();
            var submitted = new List<Task<LedgerReceipt>>();
            foreach (var batch in batches)
            {
                submitted.AddRange(batch.Select(tx => peer.SubmitAsync(tx)));
                await ordering.CutAsync(batch.Count);
            }
            foreach (var s in submitted)
            {
                pipelinedVerdicts.Add(await Outcome(s));
            }
            Assert.True((await new LedgerVerifier(peer.Store, peer.PeerKeys, peer.Contracts).VerifyAsync()).Ok);
        }
        Assert.DoesNotContain(null, pipelinedVerdicts);
        Assert.Contains(false, pipelinedVerdicts);

        // The one-block path, fed the pipelined peer's own cuts (it may have joined batches into one block).
        var byId = batches.SelectMany(b => b).GroupBy(t => t.Id).ToDictionary(g => g.Key, g => g.First());
        var cuts = (await DumpAsync(pipelinedPath, "SELECT block_height, tx_id FROM ledger_transactions ORDER BY log_index"))
            .Select(r => r.Split('|')).GroupBy(r => r[0], r => byId[r[1].Split(':', 2)[1]]).Select(g => g.ToList()).ToList();
        var sequentialPath = NewPath();
        var sequentialOrdering = new ManualOrdering();
        await using (var peer = NewPeer($"Data Source={sequentialPath}", pipelined: false, sequentialOrdering))
        {
            await peer.StartAsync();
            var submitted = new List<Task<LedgerReceipt>>();
            foreach (var cut in cuts)
            {
                submitted.AddRange(cut.Select(tx => peer.SubmitAsync(tx)));
                await sequentialOrdering.CutAsync(cut.Count);
                foreach (var s in submitted)
                {
                    await Outcome(s);
                }
            }
        }
        foreach (var query in new[]
        {
            "SELECT height, header_hash, previous_hash, tx_count, tree_size, root_hash, state_root, time_ms, peer_id, version, ordering_revision FROM ledger_blocks ORDER BY height",
            "SELECT * FROM ledger_transactions ORDER BY log_index", "SELECT * FROM ledger_subjects ORDER BY subject, log_index", "SELECT * FROM ledger_tx_ids ORDER BY tx_key, log_index",
            "SELECT * FROM ledger_tree_nodes ORDER BY node", "SELECT * FROM ledger_state ORDER BY state_key", "SELECT * FROM ledger_nonces ORDER BY actor_id, nonce",
        })
        {
            var a = await DumpAsync(pipelinedPath, query);
            Assert.NotEmpty(a);
            Assert.Equal(await DumpAsync(sequentialPath, query), a);
        }
    }

    [Fact]
    public async Task When_a_block_fails_to_commit_the_block_executed_meanwhile_is_discarded_and_nothing_acknowledged_is_lost()
    {
        var path = NewPath();
        // A deferred foreign key makes SQLite itself refuse block 2's COMMIT (not its INSERTs).
        var ordering = new ManualOrdering();
        await using var peer = NewPeer($"Data Source={path};Foreign Keys=True", pipelined: true, ordering);
        await peer.StartAsync();
        await ExecuteAsync(path, "CREATE TABLE missing (id INTEGER PRIMARY KEY); CREATE TABLE poison (ref INTEGER REFERENCES missing (id) DEFERRABLE INITIALLY DEFERRED);"
            + "CREATE TRIGGER poison_block_2 AFTER INSERT ON ledger_blocks WHEN NEW.height = 2 BEGIN INSERT INTO poison VALUES (42); END;");

        var users = Enumerable.Range(0, 9).Select(i => new TestUser($"f-{i}")).ToList();
        var first = users[..3].Select(u => u.Register()).ToList();
        var failing = users[3..6].Select(u => u.Register()).ToList();
        var discarded = users[6..].Select(u => u.Register()).ToList();

        var firstSubmitted = first.Select(tx => peer.SubmitAsync(tx)).ToList();
        await ordering.CutAsync(first.Count);
        var acknowledged = await Task.WhenAll(firstSubmitted);

        // Block 2 is held after its INSERTs until the next batch is queued, so that batch is executed during block 2's COMMIT.
        using var nextQueued = new ManualResetEventSlim();
        peer.BlockWritten = b =>
        {
            if (b.Header.Height == 2)
            {
                nextQueued.Wait(TimeSpan.FromSeconds(30));
            }
        };
        var failingSubmitted = failing.Select(tx => peer.SubmitAsync(tx)).ToList();
        await ordering.CutAsync(failing.Count);
        var discardedSubmitted = discarded.Select(tx => peer.SubmitAsync(tx)).ToList();
        await ordering.CutAsync(discarded.Count);
        nextQueued.Set();

        foreach (var s in failingSubmitted.Concat(discardedSubmitted))
        {
            var e = await Assert.ThrowsAsync<InvalidOperationException>(() => s);
            Assert.IsNotType<LedgerRejectedException>(e);
        }
        Assert.Equal(1, peer.BlocksDiscarded);
        Assert.Equal(1, peer.Head!.Height);

        // The store works again: both refused blocks' transactions were never committed, so each commits exactly once now.
        peer.BlockWritten = null;
        await ExecuteAsync(path, "DROP TRIGGER poison_block_2;");
        var retried = failing.Concat(discarded).Select(tx => peer.SubmitAsync(tx)).ToList();
        await ordering.CutAsync(retried.Count);
        Assert.All(await Task.WhenAll(retried), r => Assert.True(r.Valid));
        var replay = peer.SubmitAsync(failing[0]);
        await ordering.CutAsync(1);
        Assert.Equal(LedgerRejectionKind.Replay, (await Assert.ThrowsAsync<LedgerRejectedException>(() => replay)).Rejection.Kind);

        Assert.Equal(3, peer.Head!.Height);
        foreach (var receipt in acknowledged)
        {
            Assert.Equal(1, receipt.BlockHeight);
        }
        var ids = await DumpAsync(path, "SELECT tx_id, valid FROM ledger_transactions ORDER BY log_index");
        Assert.Equal(first.Concat(failing).Concat(discarded).Select(t => "String:" + t.Id + "|Int64:1").Concat(["String:" + failing[0].Id + "|Int64:0"]), ids);
        Assert.True((await new LedgerVerifier(peer.Store, peer.PeerKeys, peer.Contracts).VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Many_concurrent_submitters_each_transaction_is_applied_once_in_nonce_order_and_replays_are_refused()
    {
        var path = NewPath();
        await using var peer = NewPeer($"Data Source={path}", pipelined: true);
        await peer.StartAsync();
        const int Submitters = 48;
        const int Rotations = 6;
        var results = await Task.WhenAll(Enumerable.Range(0, Submitters).Select(i => Task.Run(async () =>
        {
            var user = new TestUser($"c-{i}");
            var register = user.Register();
            var ids = new List<string> { register.Id };
            Assert.True((await peer.SubmitAsync(register)).Valid);
            for (var r = 0; r < Rotations; r++)
            {
                // Each rotation is signed by the key the previous one installed: valid only if that block's state is read.
                var rotate = user.Rotate();
                ids.Add(rotate.Id);
                Assert.True((await peer.SubmitAsync(rotate)).Valid);
            }
            var replay = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(register));
            Assert.Equal(LedgerRejectionKind.Replay, replay.Rejection.Kind);
            return ids;
        })));

        var rows = await DumpAsync(path, "SELECT tx_id, valid FROM ledger_transactions WHERE valid = 1");
        Assert.Equal(Submitters * (Rotations + 1), rows.Count);
        Assert.Equal(rows.Count, rows.Distinct().Count());
        Assert.Equal(results.SelectMany(r => r).Select(id => "String:" + id + "|Int64:1").Order(StringComparer.Ordinal), rows.Order(StringComparer.Ordinal));
        var heights = await DumpAsync(path, "SELECT height FROM ledger_blocks ORDER BY height");
        Assert.Equal(Enumerable.Range(1, heights.Count).Select(h => "Int64:" + h), heights);
        Assert.True((await new LedgerVerifier(peer.Store, peer.PeerKeys, peer.Contracts).VerifyAsync()).Ok);
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Every row as text, with blobs in hex and the column's storage class, so "equal" means byte for byte.</summary>
    private static async Task<List<string>> DumpAsync(string path, string query)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = query;
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

using System.Diagnostics;
using System.Globalization;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Bench.Ledger;

/// <summary>
/// A representative contract for load: the actor (a registered user, checked against the ledger's
/// key state) anchors a record hash; the contract refuses a second anchor for the same record id.
/// </summary>
public sealed class BenchAnchorContract : LedgerContract
{
    public override string Type => "bench.anchor";

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        state.Get("bench/record/" + tx.Get("recordId")) is null ? null : LedgerRejection.Conflict("already anchored");

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context) =>
        state.Put("bench/record/" + tx.Get("recordId"), tx.Get("hash")!);
}

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro ledger-throughput [--quick] [--submitters=N (any positive count)] [--pipeline] [--sync-normal] [--postgres] [--keep] [--warmup=2]
/// Committed signed transactions/s and commit latency at 1, 16 and 256 concurrent submitters on
/// SQLite (transactions are signed before the clock starts: signing is the clients' cost), then
/// append and proof times as the log grows to 10k, 100k and 1M transactions.
/// </summary>
public sealed class LedgerThroughputBenchmark : IMacroBenchmark
{
    private static bool s_syncFull = true;
    // --pipeline: LedgerOptions.PipelineCommits (block N+1 executes while N's COMMIT runs), for an A/B in one build.
    private static bool s_pipeline;
    // --index-rows=N: LedgerOptions.IndexRowsPerWrite, for an A/B of the batch size in one build.
    private static int s_indexRows = new LedgerOptions().IndexRowsPerWrite;
    // --warmup=S: seconds of untimed submissions before the timed ones (0 = none, the figures before session 46).
    private static TimeSpan s_warmup = TimeSpan.FromSeconds(2);
    private const int WarmupTransactions = 40_000;
    // One task per submitter and 200 signed transactions each: far past what two cores can keep in flight, and n * 200 stays an int.
    private const int MaxSubmitters = 65_536;
    // --keep: leave the throughput runs' SQLite files in place (their folder is printed), to look at their pages.
    private static bool s_keep;

    public string Name => "ledger-throughput";

    public async Task RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        s_syncFull = !args.Contains("--sync-normal");
        s_pipeline = args.Contains("--pipeline");
        s_keep = args.Contains("--keep");
        if (args.FirstOrDefault(a => a.StartsWith("--warmup=", StringComparison.Ordinal)) is { } warmup)
        {
            s_warmup = TimeSpan.FromSeconds(double.Parse(warmup["--warmup=".Length..], CultureInfo.InvariantCulture));
        }
        if (args.FirstOrDefault(a => a.StartsWith("--index-rows=", StringComparison.Ordinal)) is { } indexRows)
        {
            s_indexRows = int.Parse(indexRows["--index-rows=".Length..], CultureInfo.InvariantCulture);
        }
        var only = args.FirstOrDefault(a => a.StartsWith("--submitters=", StringComparison.Ordinal));
        var cells = new List<(int Submitters, int Total)> { (1, quick ? 500 : 3000), (16, quick ? 5000 : 40000), (256, quick ? 10000 : 60000) };
        if (only is not null)
        {
            // Any positive count: the three standard cells keep their sizes; another count (e.g. 512 or 1024, to see how
            // much of the 256-submitter cell's idle CPU more in-flight transactions fill) gets 60,000 or 200 per submitter.
            if (!int.TryParse(only["--submitters=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > MaxSubmitters)
            {
                throw new MacroUsageException($"--submitters= takes a whole number from 1 to {MaxSubmitters}, e.g. --submitters=256");
            }
            cells = cells.Where(c => c.Submitters == n).DefaultIfEmpty((n, Math.Max(quick ? 10000 : 60000, n * 200))).ToList();
        }
        // --postgres: the same runs on a throwaway PostgreSQL cluster (the one the tests make), throughput rows only.
        await using var cluster = args.Contains("--postgres") ? await MedLedger.Testing.PostgresCluster.StartAsync() : null;
        s_cluster = cluster;
        Console.WriteLine(cluster is null
            ? $"ledger-throughput: {Environment.ProcessorCount} cores, SQLite (WAL, synchronous={(s_syncFull ? "FULL" : "NORMAL")}), MaxBlockTransactions=1000, MaxBlockDelay=20ms, IndexRowsPerWrite={s_indexRows}{(s_pipeline ? ", pipelined commits" : "")}, untimed warm-up {s_warmup.TotalSeconds:F0} s"
            : $"ledger-throughput: {Environment.ProcessorCount} cores, PostgreSQL (the tests' throwaway cluster: fsync=off, so a COMMIT is not durable as SQLite FULL is), MaxBlockTransactions=1000, MaxBlockDelay=20ms, untimed warm-up {s_warmup.TotalSeconds:F0} s");
        foreach (var (submitters, total) in cells)
        {
            await ThroughputAsync(submitters, total);
        }
        if (only is not null || cluster is not null)
        {
            return;
        }
        await GrowthAsync(quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]);
    }

    private static MedLedger.Testing.PostgresCluster? s_cluster;

    private static async Task<LedgerStore> StoreAsync(string sqliteConnectionString, int submitters) =>
        s_cluster is null
            ? LedgerStore.Sqlite(sqliteConnectionString, s_syncFull)
            : LedgerStore.Postgres(await s_cluster.CreateDatabaseAsync("bench_ledger_" + submitters.ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..6]));

    private static string TempDb(out string dir)
    {
        dir = Path.Combine(Path.GetTempPath(), "medledger-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return $"Data Source={Path.Combine(dir, "ledger.db")}";
    }

    private static ContractRegistry Contracts() => ContractRegistry.WithIdentity().Add(new BenchAnchorContract());

    private static List<(string Id, byte[] Key)> Users(int n) =>
        Enumerable.Range(0, n).Select(i => ($"bench-user-{i}", LedgerCrypto.GenerateKeyPair().PrivateKey)).ToList();

    private static async Task RegisterAsync(LedgerPeer peer, List<(string Id, byte[] Key)> users) =>
        await Task.WhenAll(users.Select(u => peer.SubmitAsync(LedgerTransaction.Create(RegisterKeysContract.TypeName, u.Id, 1, 1, new Dictionary<string, string>
        {
            ["userId"] = u.Id,
            ["signingKey"] = Convert.ToBase64String(LedgerCrypto.PublicKeyFromPrivate(u.Key)),
            ["encryptionKey"] = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey),
            ["role"] = IdentityRoles.Doctor,
        }, u.Key))));

    /// <summary>Signs in parallel with one loaded key per user (what many clients do at once).</summary>
    private static LedgerTransaction[] Sign(List<(string Id, byte[] Key)> users, int total, long offset)
    {
        var keys = users.Select(u => new LedgerSigningKey(u.Key)).ToArray();
        var txs = new LedgerTransaction[total];
        Parallel.For(0, total, i =>
        {
            var u = i % users.Count;
            txs[i] = LedgerTransaction.Create("bench.anchor", users[u].Id, 1_000_000 + offset + i, 1_700_000_000_000 + i, new Dictionary<string, string>
            {
                ["recordId"] = "rec-" + (offset + i).ToString(CultureInfo.InvariantCulture),
                ["hash"] = Convert.ToHexStringLower(LedgerCrypto.Sha256(BitConverter.GetBytes(offset + i))),
                ["patientId"] = "pat-" + (i % 1000).ToString(CultureInfo.InvariantCulture),
            }, keys[u]);
        });
        foreach (var k in keys)
        {
            k.Dispose();
        }
        return txs;
    }

    private static async Task ThroughputAsync(int submitters, int total)
    {
        var cs = TempDb(out var dir);
        var peerKey = LedgerCrypto.GenerateKeyPair().PrivateKey;
        await using var peer = new LedgerPeer(await StoreAsync(cs, submitters), peerKey, new LedgerOptions { PipelineCommits = s_pipeline, IndexRowsPerWrite = s_indexRows }, Contracts());
        await peer.StartAsync();
        var users = Users(submitters);
        await RegisterAsync(peer, users);
        var warmupCount = 0;
        if (s_warmup > TimeSpan.Zero)
        {
            // Untimed, the same submitters and peer: until --warmup has passed (or the signed ones run out) so that the
            // JIT has compiled and tiered up the commit path, as records-e2e's cells do; a short run otherwise spends a
            // tenth of its CPU compiling (docs/benchmarks.md, session 46).
            var warm = Sign(users, WarmupTransactions, 0);
            var nextWarm = -1;
            var until = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
            {
                int i;
                while (until.Elapsed < s_warmup && (i = Interlocked.Increment(ref nextWarm)) < warm.Length)
                {
                    await peer.SubmitAsync(warm[i]);
                }
            })));
            warmupCount = Math.Min(nextWarm + 1, warm.Length);
        }
        var txs = Sign(users, total, WarmupTransactions);
        // A marker for bench/profile.sh --wait-for="timing" (a profile of the timed part only).
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    timing {total} transactions from {submitters} submitters"));
        var ticksBefore = peer.CommitTicks.ToArray();
        var startHeight = peer.Head!.Height;
        var latencies = new double[total];
        var next = -1;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, submitters).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                var t0 = Stopwatch.GetTimestamp();
                await peer.SubmitAsync(txs[i]);
                latencies[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
        })));
        sw.Stop();
        Array.Sort(latencies);
        var blocks = peer.Head!.Height - startHeight;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"submitters={submitters,4} tx={total,6} committed/s={total / sw.Elapsed.TotalSeconds,8:F0} p50={latencies[total / 2],7:F2}ms p99={latencies[(int)(total * 0.99)],7:F2}ms blocks={blocks} avg block={(double)total / blocks:F0} tx (after {warmupCount} untimed)"));
        var t = peer.CommitTicks.Select((x, i) => (x - ticksBefore[i]) * 1000.0 / Stopwatch.Frequency).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"    committer ms: contracts+merkle {t[0]:F0}, sql writes {t[1]:F0}, commit {t[2]:F0}, receipts {t[3]:F0} of {sw.Elapsed.TotalMilliseconds:F0} wall; idle while a COMMIT ran {peer.CommitWaitTicks * 1000.0 / Stopwatch.Frequency:F0} (pipelined: COMMIT runs beside the next block's execution)"));
        await peer.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (s_keep)
        {
            Console.WriteLine("    kept: " + dir);
        }
        else
        {
            Directory.Delete(dir, true);
        }
    }

    private static async Task GrowthAsync(int[] sizes)
    {
        var cs = TempDb(out var dir);
        var peerKey = LedgerCrypto.GenerateKeyPair().PrivateKey;
        await using var peer = new LedgerPeer(LedgerStore.Sqlite(cs, s_syncFull), peerKey, new LedgerOptions { PipelineCommits = s_pipeline, IndexRowsPerWrite = s_indexRows }, Contracts());
        await peer.StartAsync();
        var users = Users(256);
        await RegisterAsync(peer, users);
        long offset = 0;
        var rng = new Random(4);
        foreach (var target in sizes)
        {
            var count = (int)(target - peer.Head!.TreeSize);
            var appendTime = TimeSpan.Zero;
            while (count > 0)
            {
                // Sign in chunks so a million signed transactions never sit in memory at once.
                var chunk = Sign(users, Math.Min(count, 50_000), offset);
                offset += chunk.Length;
                count -= chunk.Length;
                var next = -1;
                var sw = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, 256).Select(_ => Task.Run(async () =>
                {
                    int i;
                    while ((i = Interlocked.Increment(ref next)) < chunk.Length)
                    {
                        await peer.SubmitAsync(chunk[i]);
                    }
                })));
                appendTime += sw.Elapsed;
            }
            var size = peer.Head!.TreeSize;
            var appended = size - (target == sizes[0] ? users.Count : sizes[Array.IndexOf(sizes, target) - 1]);
            // Proofs from the store: fresh random positions, cold-ish reads.
            const int proofs = 200;
            var sw2 = Stopwatch.StartNew();
            for (var p = 0; p < proofs; p++)
            {
                var idx = rng.NextInt64(size);
                var proof = await peer.Queries.GetTransactionAtAsync(idx);
                if (!Rfc6962.VerifyInclusion(idx, proof!.TreeSize, proof.Transaction.LeafHash, proof.InclusionProof, proof.RootHash))
                {
                    throw new InvalidOperationException("bad inclusion proof");
                }
            }
            var inclusionMs = sw2.Elapsed.TotalMilliseconds / proofs;
            sw2.Restart();
            for (var p = 0; p < proofs; p++)
            {
                var old = rng.NextInt64(1, size);
                var c = await peer.Queries.GetConsistencyProofAsync(old, size);
                if (!Rfc6962.VerifyConsistency(old, size, c.OldRoot, c.NewRoot, c.Proof))
                {
                    throw new InvalidOperationException("bad consistency proof");
                }
            }
            var consistencyMs = sw2.Elapsed.TotalMilliseconds / proofs;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"log size={size,8}: append {appended} tx at {appended / appendTime.TotalSeconds:F0} tx/s; inclusion proof (read+verify) {inclusionMs:F3} ms; consistency proof {consistencyMs:F3} ms"));
        }
        await peer.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(dir, true);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Etcd;
using MedLedger.Ledger.Store;

namespace MedLedger.Bench.Ledger;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro consortium-throughput
///     [--submitters=256] [--duration=20 | --transactions=N] [--pool=N] [--failover] [--catch-up] [--keep]
/// Issue 14 item 8: three etcd 3.4 members (scripts/etcd-cluster.sh: fsync, pre-vote, mutual TLS,
/// RBAC) on free loopback ports, three <see cref="LedgerPeer"/>s in this process, each on its own
/// SQLite file (synchronous=FULL) and ordered by <see cref="EtcdOrderingService"/>. Submitters spread
/// over the peers submit pre-signed bench.anchor transactions; the figure is acknowledged
/// <see cref="LedgerPeer.SubmitAsync"/> calls per second (certified tx/s once SubmitAsync waits for k
/// peer signatures). At the end every acknowledged id must be in every peer's log exactly once and the
/// three chains must be identical. --failover SIGKILLs the etcd Raft leader (by its pid) halfway;
/// --catch-up stops peer-c for a fifth of the run, restarts it and times its replay.
/// </summary>
public sealed class ConsortiumThroughputBenchmark : IMacroBenchmark
{
    private static readonly string[] PeerIds = ["peer-a", "peer-b", "peer-c"];

    private static readonly string[] Metrics =
    [
        "etcd_disk_wal_fsync_duration_seconds_count",
        "etcd_disk_backend_commit_duration_seconds_count",
        "etcd_mvcc_db_total_size_in_bytes",
        "etcd_network_client_grpc_received_bytes_total",
        "etcd_network_client_grpc_sent_bytes_total",
        "etcd_network_peer_sent_bytes_total",
    ];

    public string Name => "consortium-throughput";

    /// <summary>Group commit: blocks per database transaction since the peer started.</summary>
    private static string GroupCommits(LedgerPeer p) =>
        string.Create(CultureInfo.InvariantCulture, $"database transactions {p.GroupsCommitted} ({(double)p.BlocksCommitted / Math.Max(1, p.GroupsCommitted):F1} blocks each)");

    public async Task RunAsync(string[] args)
    {
        var submitters = IntArg(args, "--submitters=", 256);
        var duration = IntArg(args, "--duration=", 20);
        var transactions = IntArg(args, "--transactions=", 0);
        var failover = args.Contains("--failover");
        var catchUp = args.Contains("--catch-up");
        // Pre-signed pool: a duration run stops early (and says so) if the pool runs out.
        var pool = IntArg(args, "--pool=", transactions > 0 ? transactions : Math.Min(duration * 3000, 400_000));
        var dir = Path.Combine(Path.GetTempPath(), "medledger-consortium-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var basePort = FreeBasePort();
        using var cluster = new ClusterProcesses(dir, basePort, keep: args.Contains("--keep"));
        ConsoleCancelEventHandler onCancel = (_, _) => cluster.Dispose();
        Console.CancelKeyPress += onCancel;
        try
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"consortium-throughput: {Environment.ProcessorCount} cores, load average {LoadAverage()}, 3 etcd members (etcd {EtcdVersion()}), 3 peers in one process, SQLite (WAL, synchronous=FULL) each"));
            var verifyBefore = OpensslVerifyPerSecond();
            await cluster.StartAsync(PeerIds);
            await RunConsortiumAsync(cluster, submitters, duration, transactions, pool, failover, catchUp, verifyBefore);
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static async Task RunConsortiumAsync(ClusterProcesses cluster, int submitterCount, int duration, int transactions,
        int pool, bool failover, bool catchUp, double verifyBefore)
    {
        var keys = PeerIds.ToDictionary(p => p, _ => LedgerCrypto.GenerateKeyPair(), StringComparer.Ordinal);
        var publicKeys = keys.ToDictionary(k => k.Key, k => k.Value.PublicKey, StringComparer.Ordinal);
        var peers = new LedgerPeer?[3];
        try
        {
            for (var i = 0; i < 3; i++)
            {
                peers[i] = await StartPeerAsync(cluster, i, keys, publicKeys);
            }
            var users = Enumerable.Range(0, submitterCount).Select(i => ($"bench-user-{i}", LedgerCrypto.GenerateKeyPair().PrivateKey)).ToList();
            await Task.WhenAll(users.Select((u, i) => peers[i % 3]!.SubmitAsync(Registration(u.Item1, u.Item2))));
            await WaitForSameTreeSizeAsync(peers, TimeSpan.FromSeconds(60));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registered {users.Count} users; signing {pool} bench.anchor transactions…"));
            var txs = Sign(users, pool);

            var startHeights = peers.Select(p => p!.Head!.Height).ToArray();
            var startTree = peers[0]!.Head!.TreeSize;
            var metricsBefore = await cluster.ScrapeAsync(Metrics);
            var sqliteBefore = SqliteBytes(cluster.PeerDir);
            var checkpointsBefore = peers.Select(p => p!.CheckpointsDone).ToArray();
            var cpuBefore = SelfCpu();
            var etcdCpuBefore = cluster.MemberCpuSeconds();
            var trafficBefore = TrafficNow();
            var certifiedBefore = CertificationNow(peers);

            var run = new SubmissionRun(txs, peers);
            var clock = Stopwatch.StartNew();
            var events = new List<string>();
            using var stop = new CancellationTokenSource();
            var submitTasks = Enumerable.Range(0, submitterCount).Select(s => Task.Run(() => run.SubmitterAsync(s, stop.Token))).ToList();
            var total = TimeSpan.FromSeconds(duration);
            // Each event at its own time from the start (a slow stop or replay must not push the kill past the run).
            async Task UntilAsync(double fraction)
            {
                var wait = total * fraction - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, stop.Token);
                }
            }
            var catchUpTask = !catchUp ? Task.CompletedTask : Task.Run(async () =>
            {
                await UntilAsync(0.15);
                var stopClock = Stopwatch.StartNew();
                var (heightAtStop, drained) = await run.StopPeerAsync(2);
                events.Add(F($"{clock.Elapsed.TotalSeconds:F1}s: peer-c stopped at height {heightAtStop} (its in-flight submissions answered after {drained.TotalMilliseconds:F0} ms, DisposeAsync then took {(stopClock.Elapsed - drained).TotalMilliseconds:F0} ms)"));
                // Down for a fifth of the run after the stop completed, so there is a backlog to replay.
                await Task.Delay(total * 0.2, stop.Token);
                var target = Math.Max(peers[0]!.Head!.Height, peers[1]!.Head!.Height);
                var restartClock = Stopwatch.StartNew();
                peers[2] = await StartPeerAsync(cluster, 2, keys, publicKeys);
                var from = peers[2]!.Head!.Height;
                var started = restartClock.Elapsed;
                events.Add(F($"{clock.Elapsed.TotalSeconds:F1}s: peer-c restarted at height {from} (open + start {started.TotalMilliseconds:F0} ms); the others were at {target}"));
                while (peers[2]!.Head!.Height < target && restartClock.Elapsed < TimeSpan.FromMinutes(5))
                {
                    await Task.Delay(5, CancellationToken.None);
                }
                var replay = restartClock.Elapsed;
                // Then the moving target: level with the slower of the other two.
                while (peers[2]!.Head!.Height < Math.Min(peers[0]!.Head!.Height, peers[1]!.Head!.Height) && restartClock.Elapsed < TimeSpan.FromMinutes(5))
                {
                    await Task.Delay(5, CancellationToken.None);
                }
                events.Add(F($"{clock.Elapsed.TotalSeconds:F1}s: peer-c replayed its backlog of {target - from} blocks in {replay.TotalSeconds:F2} s = {(target - from) / replay.TotalSeconds:F0} blocks/s while the other two kept committing under load; level with them after {restartClock.Elapsed.TotalSeconds:F2} s; takes submissions again"));
                run.Live(2);
            });
            var failoverTask = !failover ? Task.CompletedTask : Task.Run(async () =>
            {
                await UntilAsync(catchUp ? 0.6 : 0.5);
                var leader = await cluster.LeaderAsync();
                var killedAt = Stopwatch.GetTimestamp();
                await cluster.KillMemberAsync(leader);
                run.KilledAt = killedAt;
                events.Add(F($"{clock.Elapsed.TotalSeconds:F1}s: etcd leader m{leader} killed (SIGKILL by pid)"));
            });
            var controller = Task.WhenAll(catchUpTask, failoverTask);
            // window: submissions are being started; wall: also the in-flight ones finishing after it.
            TimeSpan window;
            if (transactions > 0)
            {
                await Task.WhenAll(submitTasks);
                window = clock.Elapsed;
                await stop.CancelAsync();
            }
            else
            {
                var finished = Task.WhenAll(submitTasks);
                await Task.WhenAny(finished, Task.Delay(TimeSpan.FromSeconds(duration)));
                window = clock.Elapsed;
                await stop.CancelAsync();
                await finished;
            }
            var wall = clock.Elapsed;
            var cpu = (SelfCpu() - cpuBefore).TotalSeconds;
            var etcdCpuAfter = cluster.MemberCpuSeconds();
            var etcdCpu = etcdCpuAfter.Where(m => etcdCpuBefore.ContainsKey(m.Key)).Sum(m => m.Value - etcdCpuBefore[m.Key]);
            await controller.ContinueWith(_ => { }, TaskScheduler.Default);
            if (controller.IsFaulted)
            {
                throw controller.Exception!.GetBaseException();
            }
            if (run.LivePeers < 3 && peers[2] is null)
            {
                peers[2] = await StartPeerAsync(cluster, 2, keys, publicKeys);
            }
            await WaitForSameTreeSizeAsync(peers, TimeSpan.FromSeconds(120));
            var metricsAfter = await cluster.ScrapeAsync(Metrics);
            var traffic = TrafficNow().Minus(trafficBefore);
            var certifiedAfter = CertificationNow(peers);
            var sqliteAfter = SqliteBytes(cluster.PeerDir);
            var checkpoints = peers.Select((p, i) => p!.CheckpointsDone - (catchUp && i == 2 ? 0 : checkpointsBefore[i])).ToArray();

            // ---------------- figures ----------------
            var acked = run.AckedCount;
            var lat = run.Latencies();
            var blocks = peers[0]!.Head!.Height - startHeights[0];
            Console.WriteLine(F($"consortium submitters={submitterCount} duration={wall.TotalSeconds:F1}s acknowledged={acked} committed/s={acked / wall.TotalSeconds:F0} p50={Pct(lat, 0.50):F1}ms p99={Pct(lat, 0.99):F1}ms blocks={blocks} avg block={(double)(peers[0]!.Head!.TreeSize - startTree) / Math.Max(1, blocks):F1} tx rejected={run.Rejected} failed={run.Failed}{(run.PoolExhausted ? " (pool exhausted: rerun with a larger --pool)" : "")}"));
            var (first, last) = run.FirstAndLastTenth(window);
            Console.WriteLine(F($"    tx/s in the first 10 % of the {window.TotalSeconds:F1} s submission window: {first:F0}; in the last 10 %: {last:F0} (envelopes every member applied are deleted and etcd compacted every 30 s); drain after it {(wall - window).TotalSeconds:F1} s"));
            var (gap, gapStart) = run.LongestGap(window);
            Console.WriteLine(F($"    longest interval with no acknowledged commit on any peer (within the window): {gap:F0} ms (from {gapStart:F1}s)"));
            foreach (var e in events)
            {
                Console.WriteLine("    " + e);
            }
            if (run.KilledAt is { } k)
            {
                var (afterGap, afterAt) = run.LongestGapAfter(k, window);
                Console.WriteLine(F($"    failover: first acknowledgement {run.FirstAckAfter(k):F0} ms after the kill; longest interval with no acknowledged commit after the kill: {afterGap:F0} ms (from {afterAt:F1}s); members now: {string.Join(", ", cluster.LiveMembers().Select(m => "m" + m))}; etcd calls that missed their deadline: {Orderings.Sum(o => o.DeadlinesMissed)}"));
            }
            Console.WriteLine(F($"    CPU during the run: this process (3 peers + submitters) {cpu:F1} s = {cpu / wall.TotalSeconds:F2} cores ({cpu * 1e6 / AckedOrOne(run):F0} µs/tx); etcd members {etcdCpu:F1} s = {etcdCpu / wall.TotalSeconds:F2} cores; of {Environment.ProcessorCount} cores at load average {LoadAverage()}"));
            PrintTraffic(traffic, wall, (certifiedAfter.Blocks - certifiedBefore.Blocks, certifiedAfter.Total - certifiedBefore.Total));
            foreach (var (p, i) in peers.Select((p, i) => (p!, i)))
            {
                var t = p.CommitTicks.Select(x => x * 1000.0 / Stopwatch.Frequency).ToArray();
                Console.WriteLine(F($"    {p.PeerId} committer ms: contracts+merkle {t[0]:F0}, sql writes {t[1]:F0}, commit {t[2]:F0}, receipts {t[3]:F0}; blocks {p.Head!.Height - startHeights[i]}, checkpoints {checkpoints[i]}, {GroupCommits(p)}"));
            }
            var txCount = Math.Max(1, acked);
            var fsyncs = Delta(metricsBefore, metricsAfter, Metrics[0]);
            var backendCommits = Delta(metricsBefore, metricsAfter, Metrics[1]);
            var dbGrowth = Delta(metricsBefore, metricsAfter, Metrics[2]);
            var received = Delta(metricsBefore, metricsAfter, Metrics[3]);
            var raftSent = Delta(metricsBefore, metricsAfter, Metrics[5]);
            var scope = failover ? " (surviving members only: the killed member's counters died with it)" : "";
            Console.WriteLine(F($"    etcd, all members{scope}: WAL fsyncs {fsyncs:F0} ({fsyncs / txCount:F4}/tx), backend commits {backendCommits:F0}, db size +{dbGrowth / 1e6:F1} MB ({dbGrowth / txCount:F0} B/tx), client bytes in {received / 1e6:F1} MB ({received / txCount:F0} B/tx), Raft bytes sent {raftSent / 1e6:F1} MB ({raftSent / txCount:F0} B/tx)"));
            var sqliteGrowth = sqliteAfter - sqliteBefore;
            var sqliteFsyncs = peers.Select((p, i) => p!.Head!.Height - startHeights[i] + 2 * checkpoints[i]).Sum();
            Console.WriteLine(F($"    SQLite, three files: +{sqliteGrowth / 1e6:F1} MB ({sqliteGrowth / txCount / 3:F0} B/tx per peer); fsyncs ≈ blocks + 2 × checkpoints = {sqliteFsyncs} ({sqliteFsyncs / (double)txCount:F4}/tx, all peers)"));

            var verified = await VerifyAsync(peers!, run);
            Console.WriteLine("    " + verified);
            var verifyAfter = OpensslVerifyPerSecond();
            var verify = Math.Max(verifyBefore, verifyAfter);
            Console.WriteLine(F($"openssl speed -seconds 1 ecdsap256: verify/s {verifyBefore:F0} before, {verifyAfter:F0} after; committed tx/s ÷ best verify/s = {acked / wall.TotalSeconds / verify:F3}"));
            Console.WriteLine(F($"end: load average {LoadAverage()}"));
        }
        finally
        {
            foreach (var p in peers)
            {
                if (p is not null)
                {
                    await p.DisposeAsync();
                }
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }
    }

    private static async Task<LedgerPeer> StartPeerAsync(ClusterProcesses cluster, int index, Dictionary<string, (byte[] PrivateKey, byte[] PublicKey)> keys,
        Dictionary<string, byte[]> publicKeys)
    {
        var id = PeerIds[index];
        var store = LedgerStore.Sqlite($"Data Source={Path.Combine(cluster.PeerDir, id + ".db")}", synchronousFull: true);
        var options = new LedgerOptions { PeerId = id };
        foreach (var (pid, key) in publicKeys)
        {
            options.PeerKeys[pid] = key;
        }
        var ordering = new EtcdOrderingService(cluster.OptionsFor(id, index), store, id, keys[id].PrivateKey, publicKeys);
        Orderings.Add(ordering);
        var peer = new LedgerPeer(store, keys[id].PrivateKey, options, ContractRegistry.WithIdentity().Add(new BenchAnchorContract()), ordering);
        await peer.StartAsync();
        return peer;
    }

    /// <summary>Every ordering service this run created (a restarted peer adds one): their traffic is summed.</summary>
    private static readonly List<EtcdOrderingService> Orderings = [];

    private static EtcdTraffic TrafficNow() => Orderings.Select(o => o.Traffic).Aggregate((a, b) => new EtcdTraffic(
        Sum(a.EnvelopeWrites, b.EnvelopeWrites), a.EnvelopesWritten + b.EnvelopesWritten, a.EnvelopeTransactions + b.EnvelopeTransactions, a.EnvelopeBytes + b.EnvelopeBytes,
        Sum(a.EnvelopeReads, b.EnvelopeReads), a.EnvelopesRead + b.EnvelopesRead,
        Sum(a.CertificateWrites, b.CertificateWrites), a.SignaturesPublished + b.SignaturesPublished,
        Sum(a.CertificateReads, b.CertificateReads), a.SignaturesRead + b.SignaturesRead));

    private static EtcdCalls Sum(EtcdCalls a, EtcdCalls b) => new(a.Count + b.Count, a.Total + b.Total);

    /// <summary>One line per path: round trips, mean wall time each, and what they carried (all three peers).</summary>
    private static void PrintTraffic(EtcdTraffic t, TimeSpan wall, (long Blocks, TimeSpan Total) certified)
    {
        string Calls(EtcdCalls c) => string.Create(CultureInfo.InvariantCulture, $"{c.Count} round trips ({c.Count / wall.TotalSeconds:F0}/s), mean {c.MeanMs:F1} ms");
        Console.WriteLine(F($"    etcd envelope writes (Txn): {Calls(t.EnvelopeWrites)}; {t.EnvelopesWritten} envelopes, {(double)t.EnvelopeTransactions / Math.Max(1, t.EnvelopesWritten):F1} tx and {(double)t.EnvelopeBytes / Math.Max(1, t.EnvelopesWritten):F0} B each"));
        Console.WriteLine(F($"    etcd envelope reads (linearizable Range): {Calls(t.EnvelopeReads)}; {(double)t.EnvelopesRead / Math.Max(1, t.EnvelopeReads.Count):F1} envelopes each"));
        Console.WriteLine(F($"    etcd certificate writes (Txn): {Calls(t.CertificateWrites)}; {(double)t.SignaturesPublished / Math.Max(1, t.CertificateWrites.Count):F1} signatures each"));
        Console.WriteLine(F($"    etcd certificate reads (linearizable Range): {Calls(t.CertificateReads)}; {(double)t.SignaturesRead / Math.Max(1, t.CertificateReads.Count):F1} signatures each"));
        Console.WriteLine(F($"    certification: {certified.Blocks} blocks certified (all peers), mean COMMIT → k-th signature {(certified.Blocks == 0 ? 0 : certified.Total.TotalMilliseconds / certified.Blocks):F0} ms"));
    }

    private static (long Blocks, TimeSpan Total) CertificationNow(LedgerPeer?[] peers) =>
        peers.Where(p => p is not null).Select(p => p!.CertificationWait).Aggregate((0L, TimeSpan.Zero), (a, b) => (a.Item1 + b.Blocks, a.Item2 + b.Total));

    private static LedgerTransaction Registration(string userId, byte[] key) =>
        LedgerTransaction.Create(RegisterKeysContract.TypeName, userId, 1, 1_700_000_000_000, new Dictionary<string, string>
        {
            ["userId"] = userId,
            ["signingKey"] = Convert.ToBase64String(LedgerCrypto.PublicKeyFromPrivate(key)),
            ["encryptionKey"] = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey),
            ["role"] = IdentityRoles.Doctor,
        }, key);

    private static LedgerTransaction[] Sign(List<(string Id, byte[] Key)> users, int total)
    {
        var keys = users.Select(u => new LedgerSigningKey(u.Key)).ToArray();
        var txs = new LedgerTransaction[total];
        Parallel.For(0, total, i =>
        {
            var u = i % users.Count;
            txs[i] = LedgerTransaction.Create("bench.anchor", users[u].Id, 1_000_000 + i, 1_700_000_000_000 + i, new Dictionary<string, string>
            {
                ["recordId"] = "rec-" + i.ToString(CultureInfo.InvariantCulture),
                ["hash"] = Convert.ToHexStringLower(LedgerCrypto.Sha256(BitConverter.GetBytes((long)i))),
                ["patientId"] = "pat-" + (i % 1000).ToString(CultureInfo.InvariantCulture),
            }, keys[u]);
        });
        foreach (var k in keys)
        {
            k.Dispose();
        }
        return txs;
    }

    private static async Task WaitForSameTreeSizeAsync(LedgerPeer?[] peers, TimeSpan limit)
    {
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < limit)
        {
            var sizes = peers.Select(p => p?.Head?.TreeSize ?? -1).ToArray();
            if (sizes.All(s => s == sizes[0] && s > 0))
            {
                // Settled only if nothing moves for a moment (another peer's last envelope may still be in flight).
                await Task.Delay(300);
                if (peers.All(p => p!.Head!.TreeSize == sizes[0]))
                {
                    return;
                }
            }
            await Task.Delay(20);
        }
        Console.WriteLine("    WARNING: peers did not reach the same tree size: " + string.Join(", ", peers.Select(p => $"{p?.PeerId}={p?.Head?.TreeSize}")));
    }

    /// <summary>0 lost / 0 duplicated / 0 divergent, from each peer's store.</summary>
    private static async Task<string> VerifyAsync(LedgerPeer[] peers, SubmissionRun run)
    {
        var lost = 0L;
        var duplicated = 0L;
        var logDuplicates = 0L;
        foreach (var p in peers)
        {
            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var size = p.Head!.TreeSize;
            for (long from = 0; from < size; from += 5000)
            {
                foreach (var t in await p.Store.GetTransactionsInRangeAsync(from, Math.Min(size, from + 5000)))
                {
                    counts[t.Id] = counts.GetValueOrDefault(t.Id) + 1;
                }
            }
            logDuplicates += counts.Values.Count(c => c > 1);
            foreach (var id in run.AckedIds())
            {
                var c = counts.GetValueOrDefault(id);
                if (c == 0)
                {
                    lost++;
                }
                else if (c > 1)
                {
                    duplicated++;
                }
            }
        }
        var heights = peers.Select(p => p.Head!.Height).ToArray();
        var divergent = heights.Distinct().Count() > 1 ? 1L : 0L;
        for (var h = 1L; h <= heights.Min(); h++)
        {
            var hashes = new HashSet<string>(StringComparer.Ordinal);
            foreach (var p in peers)
            {
                hashes.Add(Convert.ToHexStringLower((await p.Store.GetHeaderAsync(h))!.Hash()));
            }
            if (hashes.Count > 1)
            {
                divergent++;
            }
        }
        return F($"check: {lost} lost / {duplicated} duplicated / {divergent} divergent (every acknowledged id looked up on all 3 peers; {logDuplicates} ids twice in a log; header hashes compared at all {heights.Min()} heights; heights {string.Join("/", heights)})");
    }

    // ---------------- helpers ----------------

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static int IntArg(string[] args, string name, int fallback) =>
        args.FirstOrDefault(a => a.StartsWith(name, StringComparison.Ordinal)) is { } a ? int.Parse(a[name.Length..], CultureInfo.InvariantCulture) : fallback;

    private static TimeSpan SelfCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    private static double AckedOrOne(SubmissionRun run) => Math.Max(1, run.AckedCount);

    private static double Pct(double[] sorted, double q) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(sorted.Length * q))];

    /// <summary>Summed over the members scraped both times (a killed member's counters are gone).</summary>
    private static double Delta(Dictionary<int, Dictionary<string, double>> before, Dictionary<int, Dictionary<string, double>> after, string name) =>
        after.Where(m => before.ContainsKey(m.Key)).Sum(m => m.Value[name] - before[m.Key][name]);

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static long SqliteBytes(string dir) =>
        Directory.Exists(dir) ? Directory.GetFiles(dir, "*.db*").Sum(f => new FileInfo(f).Length) : 0;

    private static string EtcdVersion()
    {
        var (_, output) = Run("etcd", ["--version"]);
        return output.Split('\n').FirstOrDefault(l => l.StartsWith("etcd Version:", StringComparison.Ordinal))?["etcd Version:".Length..].Trim() ?? "?";
    }

    /// <summary>openssl speed's ECDSA P-256 verify/s (one core), from its "256 bits ecdsa (nistp256)" row.</summary>
    private static double OpensslVerifyPerSecond()
    {
        var (_, output) = Run("openssl", ["speed", "-seconds", "1", "ecdsap256"]);
        var row = output.Split('\n').LastOrDefault(l => l.Contains("bits ecdsa (nistp256)", StringComparison.Ordinal));
        return row is null ? double.NaN : double.Parse(row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1], CultureInfo.InvariantCulture);
    }

    internal static (int Code, string Output) Run(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start " + file);
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.GetAwaiter().GetResult());
    }

    /// <summary>Six consecutive free loopback ports (client and peer port of each member).</summary>
    private static int FreeBasePort() => MedLedger.Testing.LoopbackPorts.Reserve(6);

    /// <summary>
    /// Submitters spread over the peers (submitter s prefers peer s mod 3); a stopped peer takes no
    /// new submissions and is drained before it stops. Records latency and acknowledgement time per tx.
    /// </summary>
    private sealed class SubmissionRun(LedgerTransaction[] txs, LedgerPeer?[] peers)
    {
        private readonly double[] _latency = new double[txs.Length];
        private readonly long[] _ackAt = new long[txs.Length];
        private readonly bool[] _acked = new bool[txs.Length];
        private readonly int[] _inflight = new int[3];
        private readonly int[] _live = [1, 1, 1];
        private readonly long _start = Stopwatch.GetTimestamp();
        private int _next = -1;
        private long _rejected;
        private long _failed;

        public long? KilledAt { get; set; }
        public long Rejected => Interlocked.Read(ref _rejected);
        public long Failed => Interlocked.Read(ref _failed);
        public bool PoolExhausted => Volatile.Read(ref _next) >= txs.Length;
        public int LivePeers => _live.Sum();
        public int AckedCount => _acked.Count(a => a);

        public async Task SubmitterAsync(int s, CancellationToken stop)
        {
            int i;
            while (!stop.IsCancellationRequested && (i = Interlocked.Increment(ref _next)) < txs.Length)
            {
                var (peer, index) = Enter(s);
                try
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await peer.SubmitAsync(txs[i], CancellationToken.None);
                    var t1 = Stopwatch.GetTimestamp();
                    _latency[i] = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
                    _ackAt[i] = t1;
                    _acked[i] = true;
                }
                catch (LedgerRejectedException)
                {
                    Interlocked.Increment(ref _rejected);
                }
                catch (InvalidOperationException)
                {
                    Interlocked.Increment(ref _failed);
                }
                finally
                {
                    Interlocked.Decrement(ref _inflight[index]);
                }
            }
        }

        /// <summary>
        /// Announces the submission, then checks liveness again, so a stopping peer's drain sees every
        /// submission that may reach it; a peer already marked stopped is skipped without announcing.
        /// </summary>
        private (LedgerPeer, int) Enter(int s)
        {
            for (var k = 0; ; k++)
            {
                var index = (s + k) % 3;
                if (Volatile.Read(ref _live[index]) == 0)
                {
                    continue;
                }
                Interlocked.Increment(ref _inflight[index]);
                if (Volatile.Read(ref _live[index]) == 1)
                {
                    return (peers[index]!, index);
                }
                Interlocked.Decrement(ref _inflight[index]);
            }
        }

        /// <summary>Stops taking submissions for the peer, waits for its in-flight ones, then disposes it.</summary>
        public async Task<(long Height, TimeSpan Drained)> StopPeerAsync(int index)
        {
            var sw = Stopwatch.StartNew();
            Interlocked.Exchange(ref _live[index], 0);
            while (Volatile.Read(ref _inflight[index]) > 0)
            {
                await Task.Delay(5);
            }
            var drained = sw.Elapsed;
            var peer = peers[index]!;
            peers[index] = null;
            await peer.DisposeAsync();
            return (peer.Head!.Height, drained);
        }

        public void Live(int index) => Interlocked.Exchange(ref _live[index], 1);

        public double[] Latencies()
        {
            var l = _latency.Where((_, i) => _acked[i]).ToArray();
            Array.Sort(l);
            return l;
        }

        public IEnumerable<string> AckedIds() => txs.Where((_, i) => _acked[i]).Select(t => t.Id);

        private double[] AckSeconds()
        {
            var a = _ackAt.Where((_, i) => _acked[i]).Select(t => Stopwatch.GetElapsedTime(_start, t).TotalSeconds).ToArray();
            Array.Sort(a);
            return a;
        }

        public (double First, double Last) FirstAndLastTenth(TimeSpan window)
        {
            var a = AckSeconds();
            var tenth = window.TotalSeconds / 10;
            return (a.Count(t => t < tenth) / tenth, a.Count(t => t >= window.TotalSeconds - tenth && t < window.TotalSeconds) / tenth);
        }

        public (double Ms, double StartSeconds) LongestGap(TimeSpan window)
        {
            var a = AckSeconds().Where(t => t <= window.TotalSeconds).Append(window.TotalSeconds).ToArray();
            var (gap, at) = (a.Length > 0 ? a[0] : 0, 0.0);
            for (var i = 1; i < a.Length; i++)
            {
                if (a[i] - a[i - 1] > gap)
                {
                    (gap, at) = (a[i] - a[i - 1], a[i - 1]);
                }
            }
            return (gap * 1000, at);
        }

        public (double Ms, double StartSeconds) LongestGapAfter(long ticks, TimeSpan window)
        {
            var from = Stopwatch.GetElapsedTime(_start, ticks).TotalSeconds;
            var a = AckSeconds().Where(t => t > from && t <= window.TotalSeconds).Prepend(from).Append(window.TotalSeconds).ToArray();
            var (gap, at) = (0.0, from);
            for (var i = 1; i < a.Length; i++)
            {
                if (a[i] - a[i - 1] > gap)
                {
                    (gap, at) = (a[i] - a[i - 1], a[i - 1]);
                }
            }
            return (gap * 1000, at);
        }

        public double FirstAckAfter(long ticks)
        {
            var after = _ackAt.Where((t, i) => _acked[i] && t > ticks).DefaultIfEmpty(long.MaxValue).Min();
            return after == long.MaxValue ? double.NaN : Stopwatch.GetElapsedTime(ticks, after).TotalMilliseconds;
        }
    }

    /// <summary>
    /// The three etcd members started by scripts/etcd-cluster.sh in a temp folder; stopped by the pids
    /// the script recorded on dispose (also from Ctrl-C), and the folder removed unless --keep.
    /// </summary>
    private sealed class ClusterProcesses(string dir, int basePort, bool keep) : IDisposable
    {
        private int _disposed;

        public string PeerDir { get; } = Path.Combine(dir, "peers");
        private string Script { get; } = Path.Combine(RepoRoot(), "scripts", "etcd-cluster.sh");
        private string Pki => Path.Combine(dir, "pki");
        private string Endpoint(int member) => "https://127.0.0.1:" + (basePort + 2 * (member - 1)).ToString(CultureInfo.InvariantCulture);

        public async Task StartAsync(string[] peerIds)
        {
            Directory.CreateDirectory(PeerDir);
            var (code, output) = await Task.Run(() => Run("bash", [Script, "start", dir, basePort.ToString(CultureInfo.InvariantCulture), .. peerIds]));
            if (code != 0)
            {
                throw new InvalidOperationException($"scripts/etcd-cluster.sh start failed ({code}):\n{output}");
            }
            Console.WriteLine(output.Trim());
        }

        /// <summary>Peer i talks first to member i+1 (one organisation, one nearby member), then the others.</summary>
        public EtcdOrderingOptions OptionsFor(string peerId, int index)
        {
            var o = new EtcdOrderingOptions
            {
                CaFile = Path.Combine(Pki, "ca.pem"),
                CertFile = Path.Combine(Pki, $"client-{peerId}.pem"),
                KeyFile = Path.Combine(Pki, $"client-{peerId}-key.pem"),
            };
            for (var k = 0; k < 3; k++)
            {
                o.Endpoints.Add(Endpoint((index + k) % 3 + 1));
            }
            return o;
        }

        /// <summary>utime + stime of each live member process, from /proc/&lt;pid&gt;/stat (clock ticks of 10 ms).</summary>
        public Dictionary<int, double> MemberCpuSeconds()
        {
            var cpu = new Dictionary<int, double>();
            foreach (var m in LiveMembers())
            {
                try
                {
                    var pid = File.ReadAllText(Path.Combine(dir, $"m{m}.pid")).Trim();
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    cpu[m] = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
                }
                catch (IOException)
                {
                    // The member is gone (killed): its CPU is not counted.
                }
            }
            return cpu;
        }

        public IEnumerable<int> LiveMembers() => Enumerable.Range(1, 3).Where(m => File.Exists(Path.Combine(dir, $"m{m}.pid")));

        /// <summary>The Raft leader's member number, from etcdctl endpoint status (each member reports the leader's id).</summary>
        public async Task<int> LeaderAsync()
        {
            var (code, output) = await Task.Run(() => Run("etcdctl", [
                "--endpoints", string.Join(',', LiveMembers().Select(Endpoint)),
                "--cacert", Path.Combine(Pki, "ca.pem"), "--cert", Path.Combine(Pki, "root.pem"), "--key", Path.Combine(Pki, "root-key.pem"),
                "--command-timeout", "5s", "endpoint", "status", "-w", "json"]));
            if (code != 0)
            {
                throw new InvalidOperationException("etcdctl endpoint status failed: " + output);
            }
            using var json = JsonDocument.Parse(output[..(output.LastIndexOf(']') + 1)]);
            foreach (var e in json.RootElement.EnumerateArray())
            {
                var status = e.GetProperty("Status");
                if (status.GetProperty("header").GetProperty("member_id").GetUInt64() == status.GetProperty("leader").GetUInt64())
                {
                    var endpoint = e.GetProperty("Endpoint").GetString()!;
                    return Enumerable.Range(1, 3).First(m => Endpoint(m) == endpoint);
                }
            }
            throw new InvalidOperationException("no member reports itself as leader: " + output);
        }

        public async Task KillMemberAsync(int member)
        {
            var (code, output) = await Task.Run(() => Run("bash", [Script, "kill-member", dir, member.ToString(CultureInfo.InvariantCulture)]));
            if (code != 0)
            {
                throw new InvalidOperationException("kill-member failed: " + output);
            }
        }

        /// <summary>Each live member's metrics from /metrics (HTTPS, root client certificate, the cluster's CA only), by member.</summary>
        public async Task<Dictionary<int, Dictionary<string, double>>> ScrapeAsync(string[] names)
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Pki, "ca.pem")));
            using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(Pki, "root.pem"), Path.Combine(Pki, "root-key.pem"));
            using var client = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            using var handler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    ClientCertificates = [client],
                    RemoteCertificateValidationCallback = MedLedger.Ledger.Etcd.EtcdOrderingService.TrustOnly(ca),
                },
            };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
            var byMember = new Dictionary<int, Dictionary<string, double>>();
            foreach (var m in LiveMembers())
            {
                var sums = names.ToDictionary(n => n, _ => 0.0, StringComparer.Ordinal);
                byMember[m] = sums;
                var text = await http.GetStringAsync(new Uri(Endpoint(m) + "/metrics"));
                foreach (var line in text.Split('\n'))
                {
                    if (line.StartsWith('#') || line.Length == 0)
                    {
                        continue;
                    }
                    var nameEnd = line.IndexOfAny([' ', '{']);
                    if (nameEnd > 0 && sums.ContainsKey(line[..nameEnd]))
                    {
                        sums[line[..nameEnd]] += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                    }
                }
            }
            return byMember;
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            Run("bash", [Script, "stop", dir]);
            if (!keep)
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                    // A member still closing a file: the temp folder is the OS's to clean.
                }
            }
            else
            {
                Console.WriteLine("kept " + dir);
            }
        }

        private static string RepoRoot()
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "MedLedger.slnx")))
                {
                    return d.FullName;
                }
            }
            for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "MedLedger.slnx")))
                {
                    return d.FullName;
                }
            }
            throw new InvalidOperationException("run from inside the MedLedger repository (scripts/etcd-cluster.sh is needed)");
        }
    }
}

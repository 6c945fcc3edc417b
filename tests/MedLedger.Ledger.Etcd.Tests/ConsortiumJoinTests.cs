using System.Collections.Concurrent;
using System.Diagnostics;
using MedLedger.Client;
using Xunit.Abstractions;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Issue 14 item 7 "a fourth peer joins and catches up", with real processes on loopback: the consortium file names four
/// members (k = 3); three `serve --consortium` servers run under a registration load; the fourth starts later on an
/// empty folder with `--join` pointing at one member, replays its certified blocks, then follows etcd. Loops bounded in
/// count and time; processes ended by their own pids.
/// </summary>
public sealed class ConsortiumJoinTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task A_fourth_organisations_server_joins_with_an_empty_folder_catches_up_signs_new_blocks_and_verifies()
    {
        var phase = Stopwatch.StartNew();
        await using var servers = await ConsortiumServers.StartAsync(withJoiner: true);
        output.WriteLine($"cluster and three of four servers up in {phase.ElapsedMilliseconds} ms");
        var acknowledged = new ConcurrentQueue<(int Server, string TransactionId)>();
        var failures = new ConcurrentQueue<string>();
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, 3).Select(i => Task.Run(async () =>
        {
            for (var n = 0; n < 200 && !stop.IsCancellationRequested; n++)
            {
                try
                {
                    using var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(servers.Urls[i]), Timeout = TimeSpan.FromSeconds(30) }, ownsHttp: true);
                    var reg = await client.RegisterWithDevOutboxAsync($"p{n}-{Guid.NewGuid():N}@{ConsortiumServers.Peers[i]}.join.test", "a long load-test passphrase", Role.Patient, ct: CancellationToken.None);
                    acknowledged.Enqueue((i, reg.KeyRegistrationReceipt.TransactionId));
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failures.Enqueue($"{ConsortiumServers.Peers[i]}: {e.GetType().Name} {e.Message}");
                    await Task.Delay(200, CancellationToken.None);
                }
            }
        })).ToList();
        await UntilAsync(() => Enumerable.Range(0, 3).All(i => acknowledged.Count(a => a.Server == i) >= 2), "every server commits", acknowledged);
        var heightAtJoin = servers.Head(0).Height;

        await servers.JoinAsync(member: 0);
        output.WriteLine($"{ConsortiumServers.Joiner} up with --join at member height {heightAtJoin} by {phase.ElapsedMilliseconds} ms");
        var atJoin = acknowledged.Count;
        await UntilAsync(() => acknowledged.Count >= atJoin + 6 && servers.Head(3).Height >= heightAtJoin, "the joined server catches up under load", acknowledged);
        // Following etcd, the joined peer's signatures reach the others' certificates of blocks made after it joined.
        await UntilAsync(() => servers.CertificateSignaturesBy(0, ConsortiumServers.Joiner) > heightAtJoin, "the joined peer signs new blocks", acknowledged);
        await stop.CancelAsync();
        await Task.WhenAll(loops);
        output.WriteLine($"{acknowledged.Count} acknowledged; {failures.Count} failed calls {string.Join("; ", failures.Take(3))}");

        // Same head hash on all four: each header names its predecessor's hash, so every height agrees.
        var head = await servers.SameHeadAsync(Bound, servers: 4);
        output.WriteLine($"same head on all four: height {head.Height} {head.Hash[..16]}…");
        for (var i = 0; i < 4; i++)
        {
            var valid = servers.ValidTransactions(i);
            var missing = acknowledged.Where(a => valid.GetValueOrDefault(a.TransactionId) != 1).ToList();
            Assert.True(missing.Count == 0, $"server {i}: {missing.Count} acknowledged transaction(s) not applied exactly once");
            Assert.Equal(0, servers.DuplicateTransactionIds(i));
        }
        await Task.WhenAll(Enumerable.Range(0, 4).Select(servers.StopAsync));
        var verified = await Task.WhenAll(Enumerable.Range(0, 4).Select(servers.VerifyAsync));
        for (var i = 0; i < 4; i++)
        {
            output.WriteLine($"server {i} ledger verify: {verified[i].Output.Trim()}");
            Assert.True(verified[i].Exit == 0, verified[i].Output);
        }
    }

    private static async Task UntilAsync(Func<bool> condition, string what, ConcurrentQueue<(int, string)> acknowledged)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new Xunit.Sdk.XunitException($"not within {Bound}: {what} ({acknowledged.Count} acknowledged)");
            }
            await Task.Delay(200);
        }
    }
}

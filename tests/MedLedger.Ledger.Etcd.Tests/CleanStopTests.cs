using System.Collections.Concurrent;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Issue 14 item 8: a consortium peer stopped while the other members keep writing envelopes. Its reader ends once
/// every envelope this peer wrote is applied (not when etcd goes quiet, which may never happen under load); what it
/// acknowledged is in its ledger, and a restart resumes at its stored revision and applies everything exactly once.
/// </summary>
public sealed class CleanStopTests
{
    private static readonly string[] Members = ["peer-a", "peer-b", "peer-c"];

    /// <summary>Submits registrations, eight at a time, until stopped; counts what was acknowledged (a refusal at stop is not).</summary>
    private static async Task LoadAsync(LedgerPeer peer, ConcurrentQueue<string> acknowledged, CancellationToken stop)
    {
        for (var round = 0; round < 2_000 && !stop.IsCancellationRequested; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            {
                var tx = Consortium.Registration();
                try
                {
                    await peer.SubmitAsync(tx, CancellationToken.None);
                    acknowledged.Enqueue(tx.Id);
                }
                catch (Exception e) when (e is InvalidOperationException or LedgerNotCertifiedException)
                {
                    // The peer is stopping (refused, or committed but no longer waiting for its certificate).
                }
            }));
        }
    }

    [Fact]
    public async Task A_peer_stopped_while_the_others_keep_writing_stops_with_its_acknowledged_writes_committed_and_resumes_exactly_once()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var (a, _) = await consortium.StartPeerAsync("peer-a");
        var (b, _) = await consortium.StartPeerAsync("peer-b");
        var (c, _) = await consortium.StartPeerAsync("peer-c");

        var ackA = new ConcurrentQueue<string>();
        var ackOthers = new ConcurrentQueue<string>();
        using var stopA = new CancellationTokenSource();
        using var stopOthers = new CancellationTokenSource();
        var loadA = LoadAsync(a, ackA, stopA.Token);
        var loadOthers = Task.WhenAll(LoadAsync(b, ackOthers, stopOthers.Token), LoadAsync(c, ackOthers, stopOthers.Token));
        for (var i = 0; i < 600 && (ackA.Count < 40 || ackOthers.Count < 80); i++)
        {
            await Task.Delay(50);
        }
        Assert.True(ackA.Count >= 40 && ackOthers.Count >= 80, $"load did not start: {ackA.Count} / {ackOthers.Count}");

        // Stop peer-a with its own submissions in flight while peer-b and peer-c keep writing. The bound only keeps a
        // broken stop from hanging the run; it asserts nothing about speed.
        await a.StopAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var othersAtStop = ackOthers.Count;
        Assert.False(loadOthers.IsCompleted, "the others stopped writing before peer-a's stop returned");
        await stopA.CancelAsync();
        await loadA.WaitAsync(TimeSpan.FromMinutes(3)); // every submission to the stopped peer was answered
        var appliedByA = (await a.Store.GetTransactionsInRangeAsync(0, 1_000_000)).Select(t => t.Id).ToList();
        var missing = ackA.Where(id => !appliedByA.Contains(id, StringComparer.Ordinal)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of peer-a's {ackA.Count} acknowledged transactions are not in its ledger");
        await a.DisposeAsync();

        // The others commit on without peer-a (k = 2 of 3) …
        for (var i = 0; i < 600 && ackOthers.Count < othersAtStop + 40; i++)
        {
            await Task.Delay(50);
        }
        Assert.True(ackOthers.Count >= othersAtStop + 40, "peer-b and peer-c stopped committing after peer-a stopped");
        // … and peer-a, restarted, resumes from its stored revision while they still write.
        var (restarted, _) = await consortium.StartPeerAsync("peer-a");
        var ackRestarted = new ConcurrentQueue<string>();
        using var stopRestarted = new CancellationTokenSource();
        var loadRestarted = LoadAsync(restarted, ackRestarted, stopRestarted.Token);
        for (var i = 0; i < 600 && ackRestarted.Count < 16; i++)
        {
            await Task.Delay(50);
        }
        await stopRestarted.CancelAsync();
        await stopOthers.CancelAsync();
        await Task.WhenAll(loadRestarted, loadOthers);
        Assert.True(ackRestarted.Count >= 16, "the restarted peer-a did not commit");

        var total = b.Head!.TreeSize;
        await Consortium.WaitForTreeSizeAsync(restarted, Math.Max(total, c.Head!.TreeSize));
        await Consortium.WaitForTreeSizeAsync(b, restarted.Head!.TreeSize);
        await Consortium.WaitForTreeSizeAsync(c, restarted.Head!.TreeSize);
        Assert.Equal(await Consortium.ChainAsync(b.Store), await Consortium.ChainAsync(restarted.Store));
        Assert.Equal(await Consortium.ChainAsync(c.Store), await Consortium.ChainAsync(restarted.Store));
        var stored = (await restarted.Store.GetTransactionsInRangeAsync(0, 1_000_000)).Select(t => t.Id).ToList();
        Assert.Equal(stored.Count, stored.Distinct(StringComparer.Ordinal).Count());
        var storedSet = stored.ToHashSet(StringComparer.Ordinal);
        Assert.All(ackA.Concat(ackOthers).Concat(ackRestarted), id => Assert.Contains(id, storedSet));
        Assert.Equal(await b.Store.GetOrderingRevisionAsync(), await restarted.Store.GetOrderingRevisionAsync());
        await consortium.AssertVerifiesAsync(restarted.Store);
    }
}

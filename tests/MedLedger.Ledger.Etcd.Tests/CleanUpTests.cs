using MedLedger.Ledger.Ordering;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Issue 14 item 1: each peer publishes its applied revision; clean-up deletes a peer's own envelopes every member
/// has applied and compacts etcd to the lowest applied revision, never past a member (a stopped one holds it). A
/// retried write of an envelope whose key was deleted is still applied once (the proposer's time high-water).
/// </summary>
public sealed class CleanUpTests
{
    private static readonly string[] Members = ["peer-a", "peer-b", "peer-c"];
    private static readonly Action<EtcdOrderingOptions> Often = o => o.CleanUpInterval = TimeSpan.FromMilliseconds(200);

    private static async Task UntilAsync(Func<Task<bool>> condition, string what)
    {
        for (var i = 0; i < 400; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        Assert.Fail("not reached: " + what);
    }

    private static async Task<HashSet<long>> BlockRevisionsAsync(LedgerPeer peer, long after)
    {
        var set = new HashSet<long>();
        for (var h = 1L; h <= peer.Head!.Height; h++)
        {
            var r = (await peer.Store.GetHeaderAsync(h))!.OrderingRevision;
            if (r > after)
            {
                set.Add(r);
            }
        }
        return set;
    }

    [Fact]
    public async Task Clean_up_deletes_applied_envelopes_never_passes_a_stopped_member_and_the_member_catches_up_after_restart()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var (a, orderingA) = await consortium.StartPeerAsync("peer-a", configure: Often);
        var (b, orderingB) = await consortium.StartPeerAsync("peer-b", configure: Often);
        var (c, _) = await consortium.StartPeerAsync("peer-c", configure: Often);
        var peers = new[] { a, b, c };
        await Task.WhenAll(Enumerable.Range(0, 30).Select(i => peers[i % 3].SubmitAsync(Consortium.Registration())));
        foreach (var p in peers)
        {
            await Consortium.WaitForTreeSizeAsync(p, 30);
        }
        // Every member applied everything: the envelopes are deleted and etcd is compacted.
        await UntilAsync(async () => (await orderingA.EnvelopeRevisionsAsync("peer-a", CancellationToken.None)).Count == 0
            && (await orderingB.EnvelopeRevisionsAsync("peer-b", CancellationToken.None)).Count == 0 && orderingA.CompactedRevision > 0, "envelopes deleted and compacted");
        Assert.Empty(orderingA.CleanUpProblems);

        // peer-c stops; the others go on. Nothing above peer-c's revision is deleted or compacted away.
        var stoppedAt = await c.Store.GetOrderingRevisionAsync();
        await c.DisposeAsync();
        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).SubmitAsync(Consortium.Registration())));
        await Consortium.WaitForTreeSizeAsync(b, 50);
        // Let clean-up rounds run on the two live peers: peer-c's last published revision (at most where it stopped) holds them.
        await UntilAsync(async () => await orderingA.LowestAppliedAsync(CancellationToken.None) is not null
            && await a.Store.GetOrderingRevisionAsync() > stoppedAt, "peer-a applies past peer-c");
        await Task.Delay(1_000);
        var lowest = (await orderingA.LowestAppliedAsync(CancellationToken.None))!.Value;
        Assert.True(lowest <= stoppedAt);
        Assert.True(orderingA.CompactedRevision <= lowest && orderingB.CompactedRevision <= lowest);
        var kept = (await orderingA.EnvelopeRevisionsAsync("peer-a", CancellationToken.None))
            .Concat(await orderingA.EnvelopeRevisionsAsync("peer-b", CancellationToken.None)).ToHashSet();
        // Exactly the envelopes above the lowest applied revision are still there (everything peer-c has not applied).
        Assert.Equal(await BlockRevisionsAsync(a, lowest), kept);

        var (restarted, _) = await consortium.StartPeerAsync("peer-c", configure: Often);
        await Consortium.WaitForTreeSizeAsync(restarted, 50);
        Assert.Equal(await Consortium.ChainAsync(a.Store), await Consortium.ChainAsync(restarted.Store));
        await consortium.AssertVerifiesAsync(restarted.Store);
        // Once it has caught up, clean-up moves on past its old revision.
        await UntilAsync(async () => (await orderingA.EnvelopeRevisionsAsync("peer-a", CancellationToken.None)).Count == 0
            && orderingA.CompactedRevision > stoppedAt, "clean-up resumes after the restart");
    }

    [Fact]
    public async Task A_retried_write_of_an_envelope_deleted_by_clean_up_is_not_applied_again()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, "peer-a", "peer-b");
        var (a, orderingA) = await consortium.StartPeerAsync("peer-a", configure: Often);
        var (b, _) = await consortium.StartPeerAsync("peer-b", configure: Often);
        var tx = Consortium.Registration();
        using var signing = new LedgerSigningKey(consortium.PrivateKeys["peer-a"]);
        var value = OrderingEnvelope.Create("peer-a", LedgerTransaction.NowMs(), [tx], signing).Encode();
        await Task.Delay(20); // the peer's own next envelope is later than this one

        var first = await orderingA.WriteOnceAsync(value, CancellationToken.None);
        await a.SubmitAsync(Consortium.Registration());
        await Consortium.WaitForTreeSizeAsync(b, 2);
        await UntilAsync(async () => !(await orderingA.EnvelopeRevisionsAsync("peer-a", CancellationToken.None)).Contains(first), "the envelope is deleted");

        // The key is gone, so create-once writes the same bytes again at a new revision …
        var second = await orderingA.WriteOnceAsync(value, CancellationToken.None);
        Assert.True(second > first);
        // … and both peers ignore it: a submission ordered after it commits, the transaction is there once.
        var after = await a.SubmitAsync(Consortium.Registration());
        Assert.True(after.Head.OrderingRevision > second);
        await Consortium.WaitForTreeSizeAsync(b, 3);
        Assert.Equal(3, a.Head!.TreeSize);
        Assert.Single(await a.Store.GetTransactionsByIdAsync(tx.Id));
        Assert.Single(await b.Store.GetTransactionsByIdAsync(tx.Id));
        Assert.Contains(orderingA.RefusedEnvelopes, r => r.Contains("repeats an envelope already applied", StringComparison.Ordinal));
        Assert.Equal(await Consortium.ChainAsync(a.Store), await Consortium.ChainAsync(b.Store));
    }
}

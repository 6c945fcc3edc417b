using Grpc.Core;
using MedLedger.Ledger.Ordering;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Ordering on a real 3-member etcd cluster (mutual TLS, RBAC) started by scripts/etcd-cluster.sh:
/// peer-a and peer-b are the consortium; peer-c has an etcd client certificate but is not a member.
/// </summary>
public sealed class EtcdOrderingTests
{
    private static readonly string[] EtcdUsers = ["peer-a", "peer-b", "peer-c"];

    [Fact]
    public async Task Two_peers_build_identical_chains_from_interleaved_submissions()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdUsers);
        await using var consortium = new Consortium(cluster, "peer-a", "peer-b");
        var (a, _) = await consortium.StartPeerAsync("peer-a");
        var (b, _) = await consortium.StartPeerAsync("peer-b");

        // Three rounds of concurrent submissions to both peers: envelopes from both interleave in etcd.
        for (var round = 0; round < 3; round++)
        {
            var toA = Enumerable.Range(0, 20).Select(_ => Consortium.Registration()).ToList();
            var toB = Enumerable.Range(0, 20).Select(_ => Consortium.Registration()).ToList();
            var receipts = await Task.WhenAll(toA.Select(t => a.SubmitAsync(t)).Concat(toB.Select(t => b.SubmitAsync(t))));
            Assert.All(receipts, r => Assert.True(r.Valid));
            // Each receipt verifies with the key of the peer that returned it.
            Assert.All(receipts.Take(toA.Count), r => Assert.Null(r.Verify(a.PublicKey)));
            Assert.All(receipts.Skip(toA.Count), r => Assert.Null(r.Verify(b.PublicKey)));
        }

        await Consortium.WaitForTreeSizeAsync(a, 120);
        await Consortium.WaitForTreeSizeAsync(b, 120);
        var chainA = await Consortium.ChainAsync(a.Store);
        var chainB = await Consortium.ChainAsync(b.Store);
        Assert.Equal(chainA, chainB);
        Assert.True(chainA.Count >= 6, $"expected blocks from several envelopes, got {chainA.Count}");
        // Both peers proposed blocks, so the order really interleaves their envelopes.
        var proposers = new HashSet<string>(StringComparer.Ordinal);
        for (var h = 1L; h <= chainA.Count; h++)
        {
            proposers.Add((await a.Store.GetHeaderAsync(h))!.PeerId);
        }
        Assert.Equal(["peer-a", "peer-b"], proposers.Order(StringComparer.Ordinal));
        await consortium.AssertVerifiesAsync(a.Store);
        await consortium.AssertVerifiesAsync(b.Store);
    }

    [Theory]
    [InlineData(false)] // crash before COMMIT: block 3 rolled back, re-applied after restart
    [InlineData(true)]  // crash right after COMMIT: block 3 and its revision landed, not applied again
    public async Task A_peer_restarted_mid_stream_applies_every_envelope_exactly_once(bool crashAfterCommit)
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdUsers);
        // Three members, so peer-a and peer-c keep certifying (k = 2) while peer-b is halted.
        await using var consortium = new Consortium(cluster, "peer-a", "peer-b", "peer-c");
        var (a, _) = await consortium.StartPeerAsync("peer-a");
        await consortium.StartPeerAsync("peer-c");
        var (b, _) = await consortium.StartPeerAsync("peer-b", peer =>
        {
            Action<BlockHeader> crash = h =>
            {
                if (h.Height == 3)
                {
                    throw new IOException("simulated crash at block 3");
                }
            };
            if (crashAfterCommit)
            {
                peer.AfterCommit = crash;
            }
            else
            {
                peer.BeforeCommit = crash;
            }
        });

        var submitted = new List<string>();
        for (var round = 0; round < 6; round++)
        {
            var txs = Enumerable.Range(0, 5).Select(_ => Consortium.Registration()).ToList();
            submitted.AddRange(txs.Select(t => t.Id));
            await Task.WhenAll(txs.Select(t => a.SubmitAsync(t)));
        }
        await Consortium.WaitForTreeSizeAsync(a, 30);
        Assert.True(a.Head!.Height > 3);
        // peer-b halted at block 3 instead of skipping it.
        Assert.Equal(crashAfterCommit ? 3 : 2, (await b.Store.GetLatestHeaderAsync())!.Height);
        Assert.Equal(crashAfterCommit ? 3 : 2, await ScalarAsync(b, "SELECT COUNT(*) FROM ledger_blocks"));
        await b.DisposeAsync();

        var (restarted, _) = await consortium.StartPeerAsync("peer-b");
        await Consortium.WaitForTreeSizeAsync(restarted, 30);
        Assert.Equal(await Consortium.ChainAsync(a.Store), await Consortium.ChainAsync(restarted.Store));
        var stored = await restarted.Store.GetTransactionsInRangeAsync(0, 1000);
        Assert.Equal(submitted.Order(StringComparer.Ordinal), stored.Select(t => t.Id).Order(StringComparer.Ordinal));
        Assert.Equal(30, await ScalarAsync(restarted, "SELECT COUNT(*) FROM ledger_transactions"));
        Assert.Equal(await a.Store.GetOrderingRevisionAsync(), await restarted.Store.GetOrderingRevisionAsync());
        await consortium.AssertVerifiesAsync(restarted.Store);
    }

    [Fact]
    public async Task Envelopes_not_signed_by_a_consortium_peer_are_ignored()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdUsers);
        await using var consortium = new Consortium(cluster, "peer-a", "peer-b");
        var (a, orderingA) = await consortium.StartPeerAsync("peer-a");
        await consortium.StartPeerAsync("peer-b"); // k = 2 of 2: peer-a's receipts need peer-b's signature

        // peer-c may write to etcd (its own prefix) but is not in the consortium.
        var outsiderKey = LedgerCrypto.GenerateKeyPair().PrivateKey;
        var fromOutsider = Consortium.Registration();
        await using (var outsider = new EtcdOrderingService(cluster.OptionsFor("peer-c"), consortium.StoreOf("peer-c"), "peer-c", outsiderKey, consortium.PublicKeys))
        using (var signing = new LedgerSigningKey(outsiderKey))
        {
            await outsider.WriteOnceAsync(OrderingEnvelope.Create("peer-c", LedgerTransaction.NowMs(), [fromOutsider], signing).Encode(), CancellationToken.None);
        }
        // Someone holding peer-a's etcd certificate but not its ledger key forges an envelope as peer-a.
        var forgerKey = LedgerCrypto.GenerateKeyPair().PrivateKey;
        var forged = Consortium.Registration();
        await using (var forger = new EtcdOrderingService(cluster.OptionsFor("peer-a"), consortium.StoreOf("forger"), "peer-a", forgerKey, consortium.PublicKeys))
        using (var signing = new LedgerSigningKey(forgerKey))
        {
            await forger.WriteOnceAsync(OrderingEnvelope.Create("peer-a", LedgerTransaction.NowMs(), [forged], signing).Encode(), CancellationToken.None);
        }

        // A genuine submission after both: it is ordered after them, so once it commits they were read.
        var genuine = Consortium.Registration();
        var receipt = await a.SubmitAsync(genuine);
        Assert.Equal(0, receipt.LogIndex);
        Assert.Equal(1, a.Head!.TreeSize);
        Assert.Empty(await a.Store.GetTransactionsByIdAsync(fromOutsider.Id));
        Assert.Empty(await a.Store.GetTransactionsByIdAsync(forged.Id));
        Assert.Collection(orderingA.RefusedEnvelopes,
            r => Assert.Contains("comes from peer-c, not a member of the consortium in effect", r, StringComparison.Ordinal),
            r => Assert.Contains("signature does not verify with peer-a's key", r, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ordering_continues_when_one_etcd_member_is_killed()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdUsers);
        await using var consortium = new Consortium(cluster, "peer-a", "peer-b");
        var (a, _) = await consortium.StartPeerAsync("peer-a");
        var (b, _) = await consortium.StartPeerAsync("peer-b");
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? a : b).SubmitAsync(Consortium.Registration())));

        // Member 1 is the first endpoint both peers talk to (and may be the Raft leader).
        await cluster.KillMemberAsync(1);
        var receipts = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).SubmitAsync(Consortium.Registration())));
        Assert.All(receipts, r => Assert.True(r.Valid));

        await Consortium.WaitForTreeSizeAsync(a, 30);
        await Consortium.WaitForTreeSizeAsync(b, 30);
        Assert.Equal(await Consortium.ChainAsync(a.Store), await Consortium.ChainAsync(b.Store));
    }

    [Fact]
    public async Task A_peers_client_certificate_cannot_write_under_another_peers_prefix()
    {
        await using var cluster = await EtcdCluster.StartAsync(EtcdUsers);
        await using var consortium = new Consortium(cluster, "peer-a", "peer-b");
        var keyB = consortium.PrivateKeys["peer-b"];
        await using var ordering = new EtcdOrderingService(cluster.OptionsFor("peer-b"), consortium.StoreOf("peer-b"), "peer-b", keyB, consortium.PublicKeys);
        using var signing = new LedgerSigningKey(keyB);
        var value = OrderingEnvelope.Create("peer-b", LedgerTransaction.NowMs(), [Consortium.Registration()], signing).Encode();

        // Its own prefix: allowed (so the refusal below is about the prefix, not the certificate).
        Assert.True(await ordering.WriteOnceAsync(value, CancellationToken.None) > 0);
        // peer-a's prefix: etcd RBAC (the certificate's CN is the etcd user) refuses the Txn.
        var e = await Assert.ThrowsAsync<RpcException>(() => ordering.WriteOnceAsync(value, CancellationToken.None, new EtcdOrderingOptions().Prefix + "peer-a/"));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    private static async Task<long> ScalarAsync(LedgerPeer peer, string sql)
    {
        await using var c = peer.Store.Open();
        await using var cmd = peer.Store.Command(c, sql);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}

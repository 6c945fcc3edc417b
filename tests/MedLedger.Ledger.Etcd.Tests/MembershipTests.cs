using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Consortium membership on a real 3-member etcd cluster (issue 14 item 3): the view pinned at genesis, changed only by
/// consortium.add-peer approvals of k members, and judged per height by every peer, the certifier and the verifier.
/// Peer-d's key is one no process runs, so once it is a member with k = 3 the three running peers are all needed.
/// </summary>
public sealed class MembershipTests
{
    private static readonly string[] Members = ["peer-a", "peer-b", "peer-c"];

    private static ContractRegistry Contracts() =>
        ContractRegistry.WithIdentity().Add(new ConsortiumGenesisContract()).Add(new ConsortiumAddPeerContract());

    /// <summary>Peers started here (a restart adds one); all disposed at the end.</summary>
    private sealed class Peers(Consortium consortium) : IAsyncDisposable
    {
        private readonly List<LedgerPeer> _all = [];

        public async Task<LedgerPeer> StartAsync(string peerId, int? threshold = null)
        {
            var store = consortium.StoreOf(peerId);
            var options = new LedgerOptions { PeerId = peerId, Threshold = threshold };
            foreach (var (id, key) in consortium.PublicKeys)
            {
                options.PeerKeys[id] = key;
            }
            var ordering = new EtcdOrderingService(consortium.Cluster.OptionsFor(peerId), store, peerId, consortium.PrivateKeys[peerId], consortium.PublicKeys);
            var peer = new LedgerPeer(store, consortium.PrivateKeys[peerId], options, Contracts(), ordering);
            _all.Add(peer);
            await peer.StartAsync();
            return peer;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var p in _all)
            {
                await p.DisposeAsync();
            }
        }
    }

    /// <summary>What `serve --consortium` does at start: every member submits genesis; the first ordered wins, the others conflict.</summary>
    private static async Task PinGenesisAsync(IReadOnlyList<LedgerPeer> peers)
    {
        await Task.WhenAll(peers.Select(async p =>
        {
            try
            {
                await p.SubmitAsync(p.CreateSystemTransaction(ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(p.ConfiguredConsortium)));
            }
            catch (LedgerRejectedException e)
            {
                Assert.Equal(LedgerRejectionKind.Conflict, e.Kind);
            }
        }));
        for (var i = 0; i < 400 && !peers.All(p => p.ConsortiumPinned); i++)
        {
            await Task.Delay(50);
        }
        Assert.All(peers, p => Assert.True(p.ConsortiumPinned, $"{p.PeerId} did not apply genesis"));
    }

    private static LedgerTransaction Approval(LedgerPeer approver, ConsortiumView current, ConsortiumMember candidate, int threshold) =>
        approver.CreateSystemTransaction(ConsortiumAddPeerContract.TypeName, ConsortiumAddPeerContract.Payload(current, candidate, threshold));

    [Fact]
    public async Task Genesis_is_pinned_identically_on_all_three_peers_and_a_peer_configured_with_another_consortium_halts()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var peers = new Peers(consortium);
        await using (peers)
        {
            var running = new List<LedgerPeer>();
            foreach (var m in Members)
            {
                running.Add(await peers.StartAsync(m));
            }
            Assert.All(running, p => Assert.False(p.ConsortiumPinned));
            await PinGenesisAsync(running);

            var genesisIds = new List<string?>();
            foreach (var p in running)
            {
                Assert.True(p.Consortium.SameAs(consortium.View));
                genesisIds.Add(await p.Queries.GetStateAsync(ConsortiumKeys.Genesis));
            }
            Assert.NotNull(genesisIds[0]);
            Assert.All(genesisIds, id => Assert.Equal(genesisIds[0], id));

            // Peer-c restarted with a file that names another threshold (3 of 3): the ledger pinned 2 of 3, so it halts.
            await running[2].DisposeAsync();
            var e = await Assert.ThrowsAsync<LedgerConsortiumMismatchException>(() => peers.StartAsync("peer-c", threshold: 3));
            Assert.Contains(consortium.View.Fingerprint, e.Message, StringComparison.Ordinal);
            Assert.Contains("halted", e.Message, StringComparison.Ordinal);

            // Restarted with the file it was pinned with, it runs again and certifies with the others.
            var restarted = await peers.StartAsync("peer-c");
            Assert.True(restarted.ConsortiumPinned);
            var receipt = await running[0].SubmitAsync(Consortium.Registration());
            Assert.Null(receipt.Verify(consortium.View));
        }
    }

    [Fact]
    public async Task Two_of_three_members_approving_peer_d_make_every_peer_certify_by_four_members_with_k_3_from_the_next_block()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var peers = new Peers(consortium);
        await using (peers)
        {
            var running = new List<LedgerPeer>();
            foreach (var m in Members)
            {
                running.Add(await peers.StartAsync(m));
            }
            await PinGenesisAsync(running);
            var genesis = consortium.View;
            var (_, dKey) = LedgerCrypto.GenerateKeyPair();
            var d = new ConsortiumMember("peer-d", dKey);

            // One approval alone changes nothing.
            var first = await running[0].SubmitAsync(Approval(running[0], genesis, d, 3));
            Assert.True(first.Valid);
            foreach (var p in running)
            {
                await Consortium.WaitForTreeSizeAsync(p, first.Head.TreeSize);
                Assert.True(p.Consortium.SameAs(genesis), $"{p.PeerId} changed its view after one approval");
            }
            // The same member approving twice is refused.
            var twice = await Assert.ThrowsAsync<LedgerRejectedException>(() => running[0].SubmitAsync(Approval(running[0], genesis, d, 3)));
            Assert.Equal(LedgerRejectionKind.Conflict, twice.Kind);

            // The second member's approval completes the proposal in its block; the new view certifies from the next.
            var second = await running[1].SubmitAsync(Approval(running[1], genesis, d, 3));
            Assert.True(second.Valid);
            var next = genesis.WithMember(d, 3);
            foreach (var p in running)
            {
                await Consortium.WaitForTreeSizeAsync(p, second.Head.TreeSize);
                Assert.True(p.Consortium.SameAs(next), $"{p.PeerId} did not take the 4-member view");
            }
            // The block that completed the change was still certified by the genesis view (2 of 3).
            Assert.Null(second.Verify(genesis));

            // Blocks after it need 3 of {a, b, c, d}: a, b and c all sign, so they still certify.
            var after = await running[2].SubmitAsync(Consortium.Registration());
            Assert.True(after.BlockHeight > second.BlockHeight);
            Assert.Null(after.Verify(next));
            Assert.True(next.Signers(after.Head).Count >= 3);

            // A client's history accepts the change from the two certified approvals and judges each height by its view.
            var history = new ConsortiumHistory(genesis);
            Assert.NotNull(new ConsortiumHistory(genesis).Apply([first]));
            Assert.Null(history.Apply([first, second]));
            Assert.Equal(second.BlockHeight + 1, history.Views[^1].FromHeight);
            Assert.Null(history.VerifyCertificate(after.Head));

            // The chain the server serves (GET /api/ledger/consortium) names the same change and approvals.
            var chain = await ConsortiumChain.LoadAsync(running[0].Store);
            Assert.NotNull(chain);
            var change = Assert.Single(chain.Changes);
            Assert.Equal(second.BlockHeight + 1, change.FromHeight);
            Assert.Equal([first.TransactionId, second.TransactionId], change.Approvals.Select(a => a.Id));
            Assert.Empty(chain.Pending);

            // With peer-c stopped, two of four members sign: no longer a certificate (the view really changed).
            await running[2].DisposeAsync();
            var blocked = running[0].SubmitAsync(Consortium.Registration());
            var notCertified = await Assert.ThrowsAsync<LedgerNotCertifiedException>(() => blocked);
            Assert.Contains("2 of the 3 member signatures", notCertified.Message, StringComparison.Ordinal);

            // Every peer's ledger verifies, each block's certificate checked by the view at its height.
            await Consortium.WaitForTreeSizeAsync(running[1], running[0].Head!.TreeSize);
            foreach (var p in running.Take(2))
            {
                var result = await new LedgerVerifier(p.Store, consortium.PublicKeys, Contracts(), consortium: genesis).VerifyAsync();
                Assert.True(result.Ok, result.Summary);
                Assert.NotNull(result.UncertifiedFrom);
                Assert.True(result.UncertifiedFrom > after.BlockHeight);
            }
            var stopped = await new LedgerVerifier(consortium.StoreOf("peer-c"), consortium.PublicKeys, Contracts(), consortium: genesis).VerifyAsync();
            Assert.True(stopped.Ok, stopped.Summary);
            Assert.Contains("now 3 of 4 members", stopped.Summary, StringComparison.Ordinal);

            // Restarting peer-c after the change: its file still names the genesis view, the ledger gives the current one;
            // it catches up and signs, and the stalled block reaches its certificate.
            var restarted = await peers.StartAsync("peer-c");
            Assert.True(restarted.Consortium.SameAs(next));
            var last = await running[1].SubmitAsync(Consortium.Registration());
            Assert.Null(last.Verify(next));
            await Consortium.WaitForTreeSizeAsync(restarted, last.Head.TreeSize);
            var final = await new LedgerVerifier(restarted.Store, consortium.PublicKeys, Contracts(), consortium: genesis).VerifyAsync();
            Assert.True(final.Ok, final.Summary);
        }
    }
}

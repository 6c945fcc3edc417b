using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Ordering;
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

        public void Track(LedgerPeer peer) => _all.Add(peer);

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

    [Fact]
    public async Task A_new_organisations_peer_admitted_by_k_members_joins_by_pulling_and_its_envelopes_count_while_unadmitted_ones_are_ignored_by_all()
    {
        await using var cluster = await EtcdCluster.StartAsync([.. Members, "peer-d", "peer-e"]);
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
            var (dPrivate, dPublic) = LedgerCrypto.GenerateKeyPair();
            var (ePrivate, _) = LedgerCrypto.GenerateKeyPair();
            var d = new ConsortiumMember("peer-d", dPublic);

            // Before its admission peer-d (its own etcd certificate, its own key) writes an envelope: nobody applies it.
            var tooEarly = Consortium.Registration();
            await WriteEnvelopeAsync(consortium, "peer-d", dPrivate, tooEarly);

            // Two of three members approve peer-d with k = 3 of 4.
            await running[0].SubmitAsync(Approval(running[0], genesis, d, 3));
            var completed = await running[1].SubmitAsync(Approval(running[1], genesis, d, 3));
            var next = genesis.WithMember(d, 3);
            foreach (var p in running)
            {
                await Consortium.WaitForTreeSizeAsync(p, completed.Head.TreeSize);
                Assert.True(p.Consortium.SameAs(next), $"{p.PeerId} did not take the 4-member view");
                Assert.Empty(await p.Store.GetTransactionsByIdAsync(tooEarly.Id));
            }

            // peer-d starts with an empty store and the genesis file (a, b, c): it learns its membership from the
            // certified blocks it replays, then follows etcd, where the members now accept its envelopes.
            var dPeer = await StartAdmittedAfterGenesisAsync(consortium, peers, "peer-d", dPrivate, running[0].Store);
            await Consortium.WaitForTreeSizeAsync(dPeer, completed.Head.TreeSize);
            for (var i = 0; i < 200 && !dPeer.Consortium.SameAs(next) && dPeer.Halted is null; i++)
            {
                await Task.Delay(50);
            }
            Assert.Null(dPeer.Halted);
            Assert.True(dPeer.Consortium.SameAs(next));
            Assert.Empty(await dPeer.Store.GetTransactionsByIdAsync(tooEarly.Id));

            // Its own submissions are ordered and certified by 3 of the 4 members; everyone's reach everyone.
            var fromD = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => dPeer.SubmitAsync(Consortium.Registration())));
            var fromMembers = await Task.WhenAll(running.Select(p => p.SubmitAsync(Consortium.Registration())));
            Assert.All(fromD.Concat(fromMembers), r => Assert.Null(r.Verify(next)));
            Assert.All(fromD, r => Assert.Equal("peer-d", r.Head.PeerId));

            // peer-e was never approved: its envelope is ignored by all four, and started as a joiner it halts after the replay.
            var unadmitted = Consortium.Registration();
            await WriteEnvelopeAsync(consortium, "peer-e", ePrivate, unadmitted);
            var last = await running[2].SubmitAsync(Consortium.Registration());
            Assert.Null(last.Verify(next));
            var all = running.Append(dPeer).ToList();
            foreach (var p in all)
            {
                await Consortium.WaitForTreeSizeAsync(p, last.Head.TreeSize);
                Assert.Empty(await p.Store.GetTransactionsByIdAsync(unadmitted.Id));
            }
            var ePeer = await StartAdmittedAfterGenesisAsync(consortium, peers, "peer-e", ePrivate, running[0].Store);
            for (var i = 0; i < 400 && ePeer.Halted is null; i++)
            {
                await Task.Delay(50);
            }
            var notMember = Assert.IsType<LedgerNotMemberException>(ePeer.Halted);
            Assert.Contains("peer-e is not a member of the consortium in effect", notMember.Message, StringComparison.Ordinal);

            // Same chain everywhere; each ledger verifies with every block's certificate judged by the view at its height.
            var chain = await Consortium.ChainAsync(running[0].Store);
            var keys = new Dictionary<string, byte[]>(consortium.PublicKeys, StringComparer.Ordinal) { ["peer-d"] = dPublic };
            foreach (var p in all)
            {
                Assert.Equal(chain, await Consortium.ChainAsync(p.Store));
                var result = await new LedgerVerifier(p.Store, keys, Contracts(), consortium: genesis).VerifyAsync();
                Assert.True(result.Ok, result.Summary);
            }
        }
    }

    /// <summary>Writes one envelope under the peer's own prefix with its own etcd certificate, as its ordering service would.</summary>
    private static async Task WriteEnvelopeAsync(Consortium consortium, string peerId, byte[] privateKey, LedgerTransaction tx)
    {
        var store = consortium.StoreOf(peerId + "-writer");
        await using var writer = new EtcdOrderingService(consortium.Cluster.OptionsFor(peerId), store, peerId, privateKey, consortium.PublicKeys);
        using var signing = new LedgerSigningKey(privateKey);
        await writer.WriteOnceAsync(OrderingEnvelope.Create(peerId, LedgerTransaction.NowMs(), [tx], signing).Encode(), CancellationToken.None);
    }

    /// <summary>What `serve --consortium --join` does for a peer the genesis file does not name: configured with the genesis members only.</summary>
    private static async Task<LedgerPeer> StartAdmittedAfterGenesisAsync(Consortium consortium, Peers peers, string peerId, byte[] privateKey, LedgerStore member)
    {
        var store = consortium.StoreOf(peerId);
        var options = new LedgerOptions { PeerId = peerId, AdmittedAfterGenesis = true };
        foreach (var (id, key) in consortium.PublicKeys)
        {
            options.PeerKeys[id] = key;
        }
        var self = new ConsortiumMember(peerId, LedgerCrypto.PublicKeyFromPrivate(privateKey));
        var etcd = new EtcdOrderingService(consortium.Cluster.OptionsFor(peerId), store, peerId, privateKey, consortium.PublicKeys);
        var pulled = new PulledBlocksOrdering(new CertifiedStoreBlocks(member), etcd, store, consortium.View, self);
        var peer = new LedgerPeer(store, privateKey, options, Contracts(), pulled);
        peers.Track(peer);
        await peer.StartAsync();
        return peer;
    }

    /// <summary>A member's certified blocks read from its store (as GET /api/ledger/replay serves them), each judged by the view at its height.</summary>
    private sealed class CertifiedStoreBlocks(LedgerStore store) : IBlockSource
    {
        public async Task<IReadOnlyList<PulledBlock>> PullAsync(long fromHeight, CancellationToken ct)
        {
            var chain = await ConsortiumChain.LoadAsync(store, ct);
            var blocks = new List<PulledBlock>();
            for (var h = fromHeight; h < fromHeight + 5; h++)
            {
                var header = await store.GetHeaderAsync(h, ct);
                var view = chain?.Views.Last(v => v.FromHeight <= h).View;
                if (header is null || view is null || view.VerifyCertificate(header) is not null)
                {
                    break;
                }
                var txs = await store.GetTransactionsInRangeAsync(header.FirstIndex, header.TreeSize, ct);
                blocks.Add(new PulledBlock(header, txs.Select(t => new PulledTransaction(t.Transaction.SigningBytes, t.Transaction.Signature, t.Valid, t.Reason)).ToList()));
            }
            return blocks;
        }
    }
}

using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Ordering;

namespace MedLedger.Ledger.Etcd.Tests;

/// <summary>
/// Commit certificates over a real 3-member etcd cluster (issue 14 items 3–4): three peers, k = 2. Every receipt
/// carries k member signatures, a stopped peer does not stop certification and catches up, and a peer running
/// altered contract code is caught by the honest peers' evidence and never reaches a certificate.
/// </summary>
public sealed class CertificateTests
{
    private static readonly string[] Members = ["peer-a", "peer-b", "peer-c"];

    [Fact]
    public async Task Three_peers_certify_every_block_with_two_of_three_signatures_and_agree_on_every_header()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var peers = new List<LedgerPeer>();
        foreach (var m in Members)
        {
            peers.Add((await consortium.StartPeerAsync(m)).Peer);
        }
        var view = consortium.View;
        Assert.Equal(2, view.Threshold);

        var receipts = new List<LedgerReceipt>();
        for (var round = 0; round < 3; round++)
        {
            receipts.AddRange(await Task.WhenAll(peers.SelectMany(p => Enumerable.Range(0, 8).Select(_ => p.SubmitAsync(Consortium.Registration())))));
        }
        Assert.All(receipts, r =>
        {
            Assert.True(r.Valid);
            Assert.Null(r.Verify(view));
            Assert.True(view.Signers(r.Head).Count >= 2);
            Assert.Equal(2, r.Head.Version);
            Assert.True(r.Head.OrderingRevision > 0);
        });

        // A head stripped to one member's signature is not certified, whichever member it is.
        var sample = receipts[0];
        foreach (var s in sample.Head.Certificate!)
        {
            var stripped = sample with { Head = sample.Head with { Certificate = [s] } };
            Assert.Contains("1 distinct consortium members; 2 of 3", stripped.Verify(view), StringComparison.Ordinal);
        }
        // A signature counted twice is still one member.
        var doubled = sample with { Head = sample.Head with { Certificate = [sample.Head.Certificate[0], sample.Head.Certificate[0]] } };
        Assert.NotNull(doubled.Verify(view));

        foreach (var p in peers)
        {
            await Consortium.WaitForTreeSizeAsync(p, receipts.Count);
        }
        var chain = await Consortium.ChainAsync(peers[0].Store);
        foreach (var p in peers)
        {
            Assert.Equal(chain, await Consortium.ChainAsync(p.Store));
            await consortium.WaitUntilCertifiedAsync(p.Store);
            Assert.Empty(await p.Queries.GetEvidenceAsync());
            var result = await new LedgerVerifier(p.Store, consortium.PublicKeys, ContractRegistry.WithIdentity(), consortium: view).VerifyAsync();
            Assert.True(result.Ok, result.Summary);
            Assert.Null(result.UncertifiedFrom);
        }
        // The receipt a peer serves later from its store carries the certificate too.
        Assert.Null((await peers[2].Queries.GetReceiptAsync(receipts[0].TransactionId))!.Verify(view));
    }

    [Fact]
    public async Task With_one_peer_stopped_the_other_two_keep_certifying_and_the_restarted_peer_catches_up_and_is_certified()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var (a, _) = await consortium.StartPeerAsync("peer-a");
        var (b, _) = await consortium.StartPeerAsync("peer-b");
        var (c, _) = await consortium.StartPeerAsync("peer-c");
        var view = consortium.View;
        await Task.WhenAll(Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? a : c).SubmitAsync(Consortium.Registration())));
        await Consortium.WaitForTreeSizeAsync(c, 6);
        await c.DisposeAsync();

        var whileDown = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => (i % 2 == 0 ? a : b).SubmitAsync(Consortium.Registration())));
        Assert.All(whileDown, r => Assert.Null(r.Verify(view)));
        Assert.All(whileDown, r => Assert.DoesNotContain(r.Head.Certificate!, s => s.PeerId == "peer-c"));

        var (restarted, _) = await consortium.StartPeerAsync("peer-c");
        await Consortium.WaitForTreeSizeAsync(restarted, 26);
        Assert.Equal(await Consortium.ChainAsync(a.Store), await Consortium.ChainAsync(restarted.Store));
        // The restarted peer matched the signatures published while it was down (parked until it applied those blocks).
        await consortium.WaitUntilCertifiedAsync(restarted.Store);
        // …and its own signatures over the blocks it caught up on reach the others.
        var last = restarted.Head!.Height;
        for (var i = 0; i < 200 && !(await a.Store.GetCertificateAsync(last)).Any(s => s.PeerId == "peer-c"); i++)
        {
            await Task.Delay(50);
        }
        Assert.Contains(await a.Store.GetCertificateAsync(last), s => s.PeerId == "peer-c");
        var result = await new LedgerVerifier(restarted.Store, consortium.PublicKeys, ContractRegistry.WithIdentity(), consortium: view).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
        Assert.Null(result.UncertifiedFrom);
    }

    [Fact]
    public async Task A_peer_with_altered_contract_code_is_caught_by_evidence_and_never_reaches_a_certificate()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, Members);
        var (a, _) = await consortium.StartPeerAsync("peer-a");
        var (b, _) = await consortium.StartPeerAsync("peer-b");
        var altered = new ContractRegistry().Add(new ExtraKeyRegisterKeys()).Add(new VerifyContract()).Add(new RotateKeysContract())
            .Add(new StandingContract()).Add(new OrganizationStandingContract());
        var (bad, _) = await consortium.StartPeerAsync("peer-c", contracts: altered, certificateTimeout: TimeSpan.FromSeconds(2));
        var view = consortium.View;

        var honest = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => (i % 2 == 0 ? a : b).SubmitAsync(Consortium.Registration())));
        Assert.All(honest, r => Assert.Null(r.Verify(view)));

        // peer-c computes other state roots, so other headers: its submissions commit locally but are never certified.
        var fromBad = Consortium.Registration();
        var e = await Assert.ThrowsAsync<LedgerNotCertifiedException>(() => bad.SubmitAsync(fromBad));
        Assert.Equal(fromBad.Id, e.TransactionId);
        var badReceipt = (await bad.Queries.GetReceiptAsync(fromBad.Id))!;
        Assert.NotNull(badReceipt.Verify(view));
        Assert.Null(badReceipt.Verify(bad.PublicKey)); // its own signature is fine; it is just alone

        foreach (var honestPeer in new[] { a, b })
        {
            await Consortium.WaitForTreeSizeAsync(honestPeer, 11);
            List<LedgerEvidence> evidence = [];
            for (var i = 0; i < 200 && evidence.Count == 0; i++)
            {
                evidence = [.. await honestPeer.Queries.GetEvidenceAsync()];
                await Task.Delay(evidence.Count == 0 ? 50 : 0);
            }
            var first = Assert.Single(evidence.GroupBy(x => x.PeerId)).First();
            Assert.Equal("peer-c", first.PeerId);
            // Non-repudiable: peer-c's own key signed header bytes this peer did not compute at that height.
            Assert.True(LedgerCrypto.Verify(consortium.PublicKeys["peer-c"], first.TheirHeaderBytes, first.TheirSignature));
            Assert.NotEqual(first.OurHeaderHash, System.Security.Cryptography.SHA256.HashData(first.TheirHeaderBytes));
            Assert.Equal(first.Height, new SignedHeader(first.TheirHeaderBytes, first.TheirSignature).Height());
            Assert.Equal(first.OurHeaderHash, (await honestPeer.Store.GetHeaderAsync(first.Height))!.Hash());
            // The honest chain stays certified by the two honest members, and peer-c is in none of its certificates.
            await consortium.WaitUntilCertifiedAsync(honestPeer.Store);
            for (var h = 1L; h <= honestPeer.Head!.Height; h++)
            {
                Assert.DoesNotContain(await honestPeer.Store.GetCertificateAsync(h), s => s.PeerId == "peer-c");
            }
        }
        Assert.Equal(await Consortium.ChainAsync(a.Store), await Consortium.ChainAsync(b.Store));
        Assert.NotEqual(await Consortium.ChainAsync(a.Store), await Consortium.ChainAsync(bad.Store));
    }

    [Fact]
    public async Task The_same_envelope_written_twice_is_ordered_and_applied_once()
    {
        await using var cluster = await EtcdCluster.StartAsync(Members);
        await using var consortium = new Consortium(cluster, "peer-a", "peer-b");
        var (a, orderingA) = await consortium.StartPeerAsync("peer-a");
        await consortium.StartPeerAsync("peer-b");
        var tx = Consortium.Registration();
        using var signing = new LedgerSigningKey(consortium.PrivateKeys["peer-a"]);
        var value = OrderingEnvelope.Create("peer-a", LedgerTransaction.NowMs(), [tx], signing).Encode();

        // A retry after a lost reply writes the same bytes again: create-once finds the key and writes nothing.
        var first = await orderingA.WriteOnceAsync(value, CancellationToken.None);
        var second = await orderingA.WriteOnceAsync(value, CancellationToken.None);
        Assert.Equal(first, second);
        var after = await a.SubmitAsync(Consortium.Registration());
        Assert.Equal(2, after.Head.TreeSize);
        Assert.Single(await a.Store.GetTransactionsByIdAsync(tx.Id));
    }
}

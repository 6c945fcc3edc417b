namespace MedLedger.Ledger.Tests;

/// <summary>What a client accepts as a certified head: k distinct members of the consortium it pinned, nothing less.</summary>
public sealed class ConsortiumViewTests : IDisposable
{
    private readonly List<(string Id, LedgerSigningKey Key)> _peers;
    private readonly ConsortiumView _view;

    public ConsortiumViewTests()
    {
        _peers = new[] { "hospital-a", "hospital-b", "insurer-c" }.Select(id => (id, new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey))).ToList();
        _view = new ConsortiumView(_peers.Select(p => new ConsortiumMember(p.Id, p.Key.PublicKey)));
    }

    public void Dispose()
    {
        foreach (var p in _peers)
        {
            p.Key.Dispose();
        }
    }

    private static BlockHeader Header(long treeSize = 10) =>
        BlockHeader.CreateV2(3, new byte[32], 2, treeSize, Enumerable.Repeat((byte)1, 32).ToArray(), new byte[32], 1_700_000_000_000, "hospital-a", 17,
            "hospital-a", new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey)) with { Certificate = null };

    private PeerSignature Sign(BlockHeader h, int peer) => new(_peers[peer].Id, _peers[peer].Key.Sign(h.SigningBytes()));

    [Fact]
    public void Three_members_need_two_and_four_need_three()
    {
        Assert.Equal(2, _view.Threshold);
        Assert.Equal(1, ConsortiumView.MajorityOf(1));
        Assert.Equal(3, ConsortiumView.MajorityOf(4));
        Assert.Equal(["hospital-a", "hospital-b", "insurer-c"], _view.Members.Select(m => m.PeerId));
    }

    [Fact]
    public void Two_distinct_members_certify_a_header()
    {
        var h = Header();
        var certified = h with { Certificate = [Sign(h, 0), Sign(h, 2)] };
        Assert.Null(_view.VerifyCertificate(certified));
        Assert.Equal(["hospital-a", "insurer-c"], _view.Signers(certified));
    }

    [Fact]
    public void One_member_alone_does_not_certify_even_when_it_signs_twice()
    {
        var h = Header();
        var sig = Sign(h, 1);
        var reason = _view.VerifyCertificate(h with { Certificate = [sig, sig, Sign(h, 1)] });
        Assert.Equal("the head carries valid signatures of 1 distinct consortium members; 2 of 3 are needed", reason);
        Assert.NotNull(_view.VerifyCertificate(h with { Signature = sig.Signature }));
    }

    [Fact]
    public void A_signature_by_a_non_member_or_over_another_header_or_under_another_members_name_counts_for_nothing()
    {
        var h = Header();
        using var outsider = new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey);
        var outsiderSig = new PeerSignature("pharmacy-x", outsider.Sign(h.SigningBytes()));
        var otherHeader = Header(treeSize: 11);
        var overOther = Sign(otherHeader, 2);
        var stolenName = new PeerSignature("hospital-b", Sign(h, 0).Signature);
        var cert = h with { Certificate = [Sign(h, 0), outsiderSig, overOther, stolenName, new PeerSignature("insurer-c", new byte[64]), new PeerSignature(null!, null!)] };
        Assert.Equal(["hospital-a"], _view.Signers(cert));
        Assert.NotNull(_view.VerifyCertificate(cert));
    }

    [Fact]
    public void A_certified_header_whose_fields_were_changed_is_no_longer_certified()
    {
        var h = Header();
        var certified = h with { Certificate = [Sign(h, 0), Sign(h, 1)] };
        Assert.NotNull(_view.VerifyCertificate(certified with { TreeSize = 11 }));
        Assert.NotNull(_view.VerifyCertificate(certified with { OrderingRevision = 18 }));
        Assert.NotNull(_view.VerifyCertificate(certified with { Version = 9 }));
    }

    [Fact]
    public void The_consortium_of_one_accepts_the_peers_plain_signature_as_before()
    {
        var (priv, pub) = LedgerCrypto.GenerateKeyPair();
        using var key = new LedgerSigningKey(priv);
        var bytes = BlockHeader.ComputeSigningBytes(1, 4, new byte[32], 1, 4, new byte[32], new byte[32], 5, "peer-1", 0);
        var v1 = new BlockHeader(4, new byte[32], 1, 4, new byte[32], new byte[32], 5, "peer-1", key.Sign(bytes));
        var single = ConsortiumView.Single("peer-1", pub);
        Assert.Null(single.VerifyCertificate(v1));
        Assert.Equal("head signature does not verify with the peer key", ConsortiumView.Single("peer-1", LedgerCrypto.GenerateKeyPair().PublicKey).VerifyCertificate(v1));
        // A three-member consortium does not take one plain signature as a certificate.
        Assert.NotNull(_view.VerifyCertificate(v1));
    }

    [Fact]
    public void A_consortium_refuses_duplicate_members_shared_keys_bad_keys_and_minority_thresholds()
    {
        var k = _peers[0].Key.PublicKey;
        Assert.Throws<ArgumentException>(() => new ConsortiumView([]));
        Assert.Throws<ArgumentException>(() => new ConsortiumView([new("a", k), new("a", _peers[1].Key.PublicKey)]));
        Assert.Throws<ArgumentException>(() => new ConsortiumView([new("a", k), new("b", k)]));
        Assert.Throws<ArgumentException>(() => new ConsortiumView([new("a", new byte[65])]));
        Assert.Throws<ArgumentException>(() => new ConsortiumView([new("a b", k)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsortiumView(_view.Members, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsortiumView(_view.Members, 4));
        Assert.Equal(3, new ConsortiumView(_view.Members, 3).Threshold);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsortiumView(_view.Members.Take(2).Append(new ConsortiumMember("d", LedgerCrypto.GenerateKeyPair().PublicKey)).Append(new ConsortiumMember("e", LedgerCrypto.GenerateKeyPair().PublicKey)), 2));
    }
}

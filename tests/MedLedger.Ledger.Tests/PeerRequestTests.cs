namespace MedLedger.Ledger.Tests;

/// <summary>The peer-signed request a joining member sends (docs/ledger.md "Joining"): one byte layout, pinned by a vector.</summary>
public sealed class PeerRequestTests
{
    [Fact]
    public void The_signed_bytes_are_the_domain_tag_peer_method_path_and_time_in_canonical_encoding()
    {
        // Method upper-cased; path and query exactly as sent; time in Unix milliseconds (big-endian int64).
        var bytes = PeerRequest.SigningBytes("peer-d", "get", "/api/ledger/replay?from=1&count=100", 1_767_225_600_000);
        Assert.Equal(Vector, Convert.ToHexStringLower(bytes));
    }

    // u32 BE length + UTF-8 per string, then the int64: "medledger.ledger.peer-request.v1", "peer-d", "GET", the path, the time.
    private const string Vector =
        "000000206d65646c65646765722e6c65646765722e706565722d726571756573742e763100000006706565722d6400000003474554000000232f6170692f6c65646765722f7265706c61793f66726f6d3d3126636f756e743d3130300000019b76daa800";

    [Fact]
    public void A_member_signing_this_request_now_is_accepted_and_every_other_case_is_refused()
    {
        var view = MakeView(out var keys);
        const string Path = "/api/ledger/replay?from=1&count=10";
        var now = 1_767_225_600_000L;
        using var d = new LedgerSigningKey(keys["peer-d"]);
        var (peer, time, signature) = PeerRequest.Sign("peer-d", "GET", Path, now, d);
        Assert.Null(PeerRequest.Check(peer, time, signature, "GET", Path, now + 1000, view));

        // Unauthenticated (401): missing headers, a stale or future time, another path, the member's id with another key.
        Assert.False(PeerRequest.Check(null, null, null, "GET", Path, now, view)!.Value.NotMember);
        Assert.Contains("minutes", PeerRequest.Check(peer, time, signature, "GET", Path, now + (long)TimeSpan.FromMinutes(6).TotalMilliseconds, view)!.Value.Reason, StringComparison.Ordinal);
        Assert.NotNull(PeerRequest.Check(peer, time, signature, "GET", Path, now - (long)TimeSpan.FromMinutes(6).TotalMilliseconds, view));
        Assert.False(PeerRequest.Check(peer, time, signature, "GET", "/api/ledger/replay?from=2&count=10", now, view)!.Value.NotMember);
        using var other = new LedgerSigningKey(LedgerCrypto.GenerateKeyPair().PrivateKey);
        var (_, t2, forged) = PeerRequest.Sign("peer-d", "GET", Path, now, other);
        Assert.False(PeerRequest.Check("peer-d", t2, forged, "GET", Path, now, view)!.Value.NotMember);
        Assert.NotNull(PeerRequest.Check(peer, time, "not base64!", "GET", Path, now, view));
        Assert.NotNull(PeerRequest.Check(peer, "-5", signature, "GET", Path, now, view));
        // Known but not a member (403): a key the consortium does not hold.
        var (p3, t3, s3) = PeerRequest.Sign("peer-x", "GET", Path, now, other);
        Assert.True(PeerRequest.Check(p3, t3, s3, "GET", Path, now, view)!.Value.NotMember);
    }

    private static ConsortiumView MakeView(out Dictionary<string, byte[]> privateKeys)
    {
        privateKeys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var members = new List<ConsortiumMember>();
        foreach (var id in new[] { "peer-a", "peer-b", "peer-d" })
        {
            var (priv, pub) = LedgerCrypto.GenerateKeyPair();
            privateKeys[id] = priv;
            members.Add(new ConsortiumMember(id, pub));
        }
        return new ConsortiumView(members, 2);
    }
}

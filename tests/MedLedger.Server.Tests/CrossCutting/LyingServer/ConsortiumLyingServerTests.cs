using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 14 item 3, client side, from the attacker's side: heads are trusted only with k valid signatures of distinct
/// members of the consortium the client pinned. The embedded server certifies with its one key, so the k-of-n cases pin
/// a 3-member consortium (the real peer plus two test-held keys) and the lying server rewrites the head into a v2 header
/// certified by whichever keys the case needs.
/// </summary>
public sealed class ConsortiumLyingServerTests : SdkTestBase, IDisposable
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly LedgerSigningKey _b = new(LedgerCrypto.GenerateKeyPair().PrivateKey);
    private readonly LedgerSigningKey _c = new(LedgerCrypto.GenerateKeyPair().PrivateKey);
    private readonly LedgerSigningKey _outsider = new(LedgerCrypto.GenerateKeyPair().PrivateKey);

    public void Dispose()
    {
        _b.Dispose();
        _c.Dispose();
        _outsider.Dispose();
    }

    private LedgerSigningKey PeerSigningKey() => LyingServer.OperatorPeerKey(Host);

    private (MedLedgerClient Client, LyingServer Liar) NewClient(LedgerTrustOptions? trust = null) => LyingServer.ClientFor(Host, trust);

    /// <summary>The real peer ("peer-1" by default) plus hospital-b and insurer-c, threshold 2.</summary>
    private async Task<(ConsortiumView View, string PeerId)> ThreeMembersAsync()
    {
        var (probe, _) = NewClient();
        using var owned = probe;
        var real = await probe.PeerAsync();
        var view = new ConsortiumView(
            [new ConsortiumMember(real.PeerId, real.PublicKey), new ConsortiumMember("hospital-b", _b.PublicKey), new ConsortiumMember("insurer-c", _c.PublicKey)], 2);
        return (view, real.PeerId);
    }

    /// <summary>A signed-in client trusting <paramref name="consortium"/>, with no remembered head yet (signed in by another client: sign-in checks v1 receipts).</summary>
    private async Task<(MedLedgerClient Client, LyingServer Liar)> SignedInAsync(ConsortiumView consortium)
    {
        var user = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var (first, _) = NewClient();
        using var owned = first;
        await first.LoginWithDevOutboxAsync(user.Email, user.Password);
        var (client, liar) = NewClient(new LedgerTrustOptions { Consortium = consortium });
        client.Restore(first.Tokens!, first.Keys);
        return (client, liar);
    }

    /// <summary>The honest head as a v2 header at <paramref name="revision"/>, with one certificate signature per signer.</summary>
    private static BlockHeader CertifiedV2(BlockHeader honest, long revision, params (string Id, LedgerSigningKey Key)[] signers)
    {
        var unsigned = honest with { Version = 2, OrderingRevision = revision, Signature = [], Certificate = null };
        var bytes = unsigned.SigningBytes();
        var certificate = signers.Select(s => new PeerSignature(s.Id, s.Key.Sign(bytes))).ToList();
        return unsigned with { Signature = certificate.Count > 0 ? certificate[0].Signature : [], Certificate = certificate };
    }

    private static JsonNode Json(BlockHeader h) => JsonSerializer.SerializeToNode(h, Web)!;

    private static Func<HttpRequestMessage, JsonNode, JsonNode?> HeadAs(Func<BlockHeader, BlockHeader> rewrite) =>
        (req, honest) => req.RequestUri!.AbsolutePath == "/api/ledger/head" ? Json(rewrite(honest.Deserialize<BlockHeader>(Web)!)) : null;

    [Fact]
    public async Task The_server_presents_its_consortium_anonymously_and_a_client_without_a_pin_trusts_it_on_first_use()
    {
        using var anonymous = Host.CreateClient();
        var info = await anonymous.GetFromJsonAsyncSafe<ConsortiumInfo>("/api/ledger/consortium");
        var (client, _) = NewClient();
        using var owned = client;
        var peer = await client.PeerAsync();

        Assert.Equal(1, info.Threshold);
        var member = Assert.Single(info.Members);
        Assert.Equal(peer.PeerId, member.PeerId);
        Assert.Equal(peer.PublicKey, member.PublicKey);
        Assert.Equal(ConsortiumView.Single(peer.PeerId, peer.PublicKey).Fingerprint, info.Fingerprint);
        Assert.Equal(info.Fingerprint, (await client.CheckConsortiumAsync()).Fingerprint);
    }

    [Fact]
    public async Task A_head_certified_by_a_key_outside_the_pinned_consortium_is_refused()
    {
        var user = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var (client, liar) = NewClient();
        using var owned = client;
        await client.LoginWithDevOutboxAsync(user.Email, user.Password);
        var peerId = (await client.PeerAsync()).PeerId;
        var before = (await client.RememberedHeadAsync())!;
        // The outsider signs under the real peer's id and under its own: neither counts.
        liar.Lie = HeadAs(h => CertifiedV2(h, 0, (peerId, _outsider), ("outsider", _outsider)));

        var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.VerifyCurrentHeadAsync());
        Assert.Contains("not certified by the pinned consortium: head signature does not verify with the peer key", e.Message, StringComparison.Ordinal);
        Assert.Equal(before.Hash(), (await client.RememberedHeadAsync())!.Hash());

        liar.Lie = null;
        Assert.Equal(2, (await client.VerifyCurrentHeadAsync()).Version);
    }

    [Fact]
    public async Task A_pinned_three_member_consortium_refuses_a_head_with_one_member_signature_and_accepts_two()
    {
        using var peerKey = PeerSigningKey();
        var (three, peerId) = await ThreeMembersAsync();
        var (client, liar) = await SignedInAsync(three);
        using var owned = client;

        // The embedded peer's own v1 head: one signature, 2 of 3 needed.
        var v1 = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.VerifyCurrentHeadAsync());
        Assert.Contains("valid signatures of 1 distinct consortium members; 2 of 3 are needed", v1.Message, StringComparison.Ordinal);

        var refusals = new Func<BlockHeader, BlockHeader>[]
        {
            h => CertifiedV2(h, 7, (peerId, peerKey)),
            // One member signing twice is still one member.
            h => CertifiedV2(h, 7, ("hospital-b", _b), ("hospital-b", _b)),
            // A member's signature filed under another member's id counts for nothing.
            h => CertifiedV2(h, 7, (peerId, peerKey), ("insurer-c", _b)),
            h => CertifiedV2(h, 7, (peerId, peerKey), ("outsider", _outsider)),
        };
        foreach (var rewrite in refusals)
        {
            liar.Lie = HeadAs(rewrite);
            var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.VerifyCurrentHeadAsync());
            Assert.Contains("2 of 3 are needed", e.Message, StringComparison.Ordinal);
        }
        Assert.Null(await client.RememberedHeadAsync());

        liar.Lie = HeadAs(h => CertifiedV2(h, 7, ("insurer-c", _c), (peerId, peerKey)));
        var accepted = await client.VerifyCurrentHeadAsync();
        Assert.Equal(2, accepted.Version);
        Assert.Equal(7, accepted.OrderingRevision);
        Assert.Equal(accepted.Hash(), (await client.RememberedHeadAsync())!.Hash());
        Assert.Equal(new[] { "insurer-c", peerId }, three.Signers(accepted));
    }

    [Fact]
    public async Task A_certified_v2_head_whose_ordering_revision_was_tampered_with_is_refused()
    {
        using var peerKey = PeerSigningKey();
        var (three, peerId) = await ThreeMembersAsync();
        var (client, liar) = await SignedInAsync(three);
        using var owned = client;
        liar.Lie = HeadAs(h => CertifiedV2(h, 7, (peerId, peerKey), ("hospital-b", _b)) with { OrderingRevision = 8 });

        var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.VerifyCurrentHeadAsync());
        Assert.Contains("valid signatures of 0 distinct consortium members", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_colluding_majority_certifying_a_second_head_at_one_height_is_caught_as_a_fork_showing_both()
    {
        var (three, _) = await ThreeMembersAsync();
        var (client, liar) = await SignedInAsync(three);
        using var owned = client;
        liar.Lie = HeadAs(h => CertifiedV2(h, 7, ("hospital-b", _b), ("insurer-c", _c)));
        var remembered = await client.VerifyCurrentHeadAsync();

        // hospital-b and insurer-c are a majority: they can certify another root at the same height and size.
        var forged = CertifiedV2(remembered with { RootHash = RandomNumberGenerator.GetBytes(32) }, 7, ("hospital-b", _b), ("insurer-c", _c));
        Assert.Null(three.VerifyCertificate(forged));
        liar.Lie = (req, honest) => req.RequestUri!.AbsolutePath == "/api/ledger/head" ? Json(forged) : null;
        var e = await Assert.ThrowsAsync<LedgerForkException>(() => client.VerifyCurrentHeadAsync());
        Assert.Contains(LedgerForkException.Describe(remembered), e.Message, StringComparison.Ordinal);
        Assert.Contains(LedgerForkException.Describe(forged), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_v1_head_after_a_certified_v2_head_is_refused_as_a_fork()
    {
        using var peerKey = PeerSigningKey();
        var (three, peerId) = await ThreeMembersAsync();
        var single = ConsortiumView.Single(peerId, three.KeyOf(peerId)!);
        var (client, liar) = await SignedInAsync(single);
        using var owned = client;
        // The server writes v2 headers: the client remembers one.
        var v2 = await client.VerifyCurrentHeadAsync();
        Assert.Equal(2, v2.Version);
        await World.RegisterAsync(MedLedger.Client.Role.Patient);

        // The next head served as v1: validly signed by the peer and consistent with the log, but a chain never goes back to v1.
        liar.Lie = HeadAs(h =>
        {
            var v1 = h with { Version = 1, OrderingRevision = 0, Signature = [], Certificate = null };
            return v1 with { Signature = peerKey.Sign(v1.SigningBytes()) };
        });
        var e = await Assert.ThrowsAsync<LedgerForkException>(() => client.VerifyCurrentHeadAsync());
        Assert.Contains($"after a v2 header at block {v2.Height}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_presenting_another_consortium_than_the_pinned_one_is_refused_naming_both_fingerprints()
    {
        var (three, _) = await ThreeMembersAsync();
        var (client, _) = NewClient(new LedgerTrustOptions { Consortium = three });
        using var owned = client;
        var (honest, liar) = NewClient();
        using var ownedHonest = honest;
        var real = await honest.CheckConsortiumAsync();

        var e = await Assert.ThrowsAsync<ConsortiumChangedException>(() => client.CheckConsortiumAsync());
        Assert.Contains(three.Fingerprint, e.Message, StringComparison.Ordinal);
        Assert.Contains(real.Fingerprint, e.Message, StringComparison.Ordinal);
        Assert.Equal(three.Fingerprint, e.PinnedFingerprint);
        Assert.Equal(real.Fingerprint, e.PresentedFingerprint);

        // The trust-on-first-use client later sees the server add a member it controls: refused too.
        liar.Lie = (req, answer) =>
        {
            if (req.RequestUri!.AbsolutePath != "/api/ledger/consortium")
            {
                return null;
            }
            var lie = answer.DeepClone();
            lie["members"]!.AsArray().Add(JsonSerializer.SerializeToNode(new PeerInfo("operator-2", _outsider.PublicKey), Web));
            lie["threshold"] = 2;
            return lie;
        };
        var changed = await Assert.ThrowsAsync<ConsortiumChangedException>(() => honest.CheckConsortiumAsync());
        Assert.Equal(real.Fingerprint, changed.PinnedFingerprint);

        // A pinned peer key alone is the consortium of one: the honest server matches it.
        var (single, _) = NewClient(new LedgerTrustOptions { Peer = await honest.PeerAsync() });
        using var ownedSingle = single;
        Assert.Equal(real.Fingerprint, (await single.CheckConsortiumAsync()).Fingerprint);
    }

    [Fact]
    public async Task A_receipt_whose_head_is_certified_only_by_a_non_member_is_refused()
    {
        var user = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var (client, liar) = NewClient();
        using var owned = client;
        await client.LoginWithDevOutboxAsync(user.Email, user.Password);
        var path = $"/api/ledger/keys/{client.UserId}";
        liar.Lie = (req, honest) =>
        {
            if (req.RequestUri!.AbsolutePath != path)
            {
                return null;
            }
            var lie = honest.DeepClone();
            var head = honest["receipt"]!["head"]!.Deserialize<BlockHeader>(Web)!;
            lie["receipt"]!["head"] = Json(CertifiedV2(head, 0, ("outsider", _outsider)));
            lie["receipt"]!.AsObject().Remove("headerHash");
            return lie;
        };

        var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.GetVerifiedPublicKeysAsync(client.UserId));
        Assert.Contains("does not verify", e.Message, StringComparison.Ordinal);
    }
}

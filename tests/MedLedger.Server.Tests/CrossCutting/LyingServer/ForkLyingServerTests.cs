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
/// Issue 14 item 5, from the attacker's side: the operator holds the only peer key (here taken from the test host's data
/// folder) and signs a second history for one client — a head with the same size and another root, a receipt under such
/// a head, or a larger head whose history does not extend what the client verified. The client refuses each with both
/// heads shown and stops trusting the server; honest traffic across many writes keeps verifying; a client restarted on
/// the same file view store (the CLI's) still refuses the fork; a server presenting another peer key is refused.
/// </summary>
public sealed class ForkLyingServerTests : SdkTestBase
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private LedgerSigningKey PeerSigningKey() => LyingServer.OperatorPeerKey(Host);

    private (MedLedgerClient Client, LyingServer Liar) NewClient(LedgerTrustOptions? trust = null) => LyingServer.ClientFor(Host, trust);

    private async Task<(MedLedgerClient Client, LyingServer Liar)> SignedInAsync(LedgerTrustOptions? trust = null)
    {
        var user = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var (client, liar) = NewClient(trust);
        await client.LoginWithDevOutboxAsync(user.Email, user.Password);
        return (client, liar);
    }

    /// <summary>The same header with another root (and block height when given), signed with the operator's peer key.</summary>
    private static BlockHeader Forge(LedgerSigningKey key, BlockHeader honest, byte[] root) => LyingServer.SignAsOperator(key, honest with { RootHash = root });

    private static JsonNode Json(BlockHeader h) => JsonSerializer.SerializeToNode(h, Web)!;

    private static void AssertBothHeadsShown(LedgerForkException e, BlockHeader remembered, BlockHeader forged)
    {
        Assert.Contains(LedgerForkException.Describe(remembered), e.Message, StringComparison.Ordinal);
        Assert.Contains(LedgerForkException.Describe(forged), e.Message, StringComparison.Ordinal);
        Assert.Equal(remembered.RootHash, e.Remembered!.RootHash);
        Assert.Equal(forged.RootHash, e.Presented!.RootHash);
    }

    [Fact]
    public async Task A_head_with_the_same_size_and_another_root_is_refused_showing_both_and_the_server_is_no_longer_trusted()
    {
        using var key = PeerSigningKey();
        var (client, liar) = await SignedInAsync();
        using var owned = client;
        var remembered = await client.VerifyCurrentHeadAsync();
        var forged = Forge(key, remembered, RandomNumberGenerator.GetBytes(32));
        liar.Lie = (req, honest) => req.RequestUri!.AbsolutePath == "/api/ledger/head" ? Json(forged) : null;

        var e = await Assert.ThrowsAsync<LedgerForkException>(() => client.VerifyCurrentHeadAsync());
        AssertBothHeadsShown(e, remembered, forged);

        // Honest answers from now on do not win the client back.
        liar.Lie = null;
        await Assert.ThrowsAsync<LedgerForkException>(() => client.GetVerifiedPublicKeysAsync(client.UserId));
        Assert.Equal(remembered.RootHash, (await client.RememberedHeadAsync())!.RootHash);
    }

    [Fact]
    public async Task A_receipt_under_a_forked_head_of_the_same_size_is_refused()
    {
        using var key = PeerSigningKey();
        // Other users' writes first, so the receipt's inclusion proof has siblings the operator can rewrite.
        for (var i = 0; i < 3; i++)
        {
            await World.RegisterAsync(MedLedger.Client.Role.Patient);
        }
        var (client, liar) = await SignedInAsync();
        using var owned = client;
        await client.GetVerifiedPublicKeysAsync(client.UserId);
        var remembered = (await client.RememberedHeadAsync())!;
        var receiptPath = $"/api/ledger/keys/{client.UserId}";
        BlockHeader? forged = null;
        liar.Lie = (req, honest) =>
        {
            if (req.RequestUri!.AbsolutePath != receiptPath)
            {
                return null;
            }
            // A second history: one sibling subtree replaced, the root recomputed so the inclusion proof still holds.
            var receipt = honest["receipt"]!.Deserialize<LedgerReceipt>(Web)!;
            var proof = receipt.InclusionProof.ToList();
            proof[^1] = RandomNumberGenerator.GetBytes(32);
            var root = RootFromInclusion(receipt.LogIndex, receipt.Head.TreeSize, receipt.LeafHash, proof);
            forged = Forge(key, receipt.Head, root);
            var lie = honest.DeepClone();
            lie["receipt"]!["inclusionProof"] = JsonSerializer.SerializeToNode(proof, Web);
            lie["receipt"]!["head"] = Json(forged);
            lie["receipt"]!.AsObject().Remove("headerHash");
            return lie;
        };

        var e = await Assert.ThrowsAsync<LedgerForkException>(() => client.GetVerifiedPublicKeysAsync(client.UserId));
        Assert.NotNull(forged);
        AssertBothHeadsShown(e, remembered, forged);
    }

    [Fact]
    public async Task A_larger_head_whose_history_does_not_extend_the_remembered_one_is_refused()
    {
        using var key = PeerSigningKey();
        var (client, liar) = await SignedInAsync();
        using var owned = client;
        var remembered = await client.VerifyCurrentHeadAsync();
        for (var i = 0; i < 3; i++)
        {
            await World.RegisterAsync(MedLedger.Client.Role.Patient);
        }
        BlockHeader? forged = null;
        liar.Lie = (req, honest) =>
        {
            if (req.RequestUri!.AbsolutePath != "/api/ledger/head")
            {
                return null;
            }
            forged = Forge(key, honest.Deserialize<BlockHeader>(Web)!, RandomNumberGenerator.GetBytes(32));
            return Json(forged);
        };

        var e = await Assert.ThrowsAsync<LedgerForkException>(() => client.VerifyCurrentHeadAsync());
        Assert.True(forged!.TreeSize > remembered.TreeSize);
        AssertBothHeadsShown(e, remembered, forged);
        Assert.Contains("consistency proof", e.Message, StringComparison.Ordinal);
        Assert.Contains(liar.Sent, r => r.PathAndQuery == $"/api/ledger/consistency?from={remembered.TreeSize}&to={forged.TreeSize}");
    }

    [Fact]
    public async Task The_honest_server_keeps_verifying_across_many_concurrent_writes_and_the_view_advances()
    {
        var (client, liar) = await SignedInAsync();
        using var owned = client;
        var first = await client.VerifyCurrentHeadAsync();
        var others = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => World.RegisterAsync(MedLedger.Client.Role.Patient)));
        // Receipts from many blocks, checked concurrently and out of order: older ones must be proven prefixes of the view.
        await Task.WhenAll(Enumerable.Reverse(others).Select(u => client.GetVerifiedPublicKeysAsync(u.Id)));
        await Task.WhenAll(others.Select(u => client.GetVerifiedPublicKeysAsync(u.Id)));
        var last = await client.VerifyCurrentHeadAsync();

        Assert.True(last.TreeSize > first.TreeSize);
        Assert.Equal(last.RootHash, (await client.RememberedHeadAsync())!.RootHash);
        Assert.Contains(liar.Sent, r => r.PathAndQuery.StartsWith("/api/ledger/consistency?", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_client_restarted_on_the_same_file_view_store_still_refuses_the_fork()
    {
        using var key = PeerSigningKey();
        var folder = Path.Combine(Path.GetTempPath(), "medledger-view-" + Guid.NewGuid().ToString("N"));
        try
        {
            var user = await World.RegisterAsync(MedLedger.Client.Role.Patient);
            BlockHeader remembered;
            PeerInfo peer;
            {
                var (first, _) = NewClient(new LedgerTrustOptions { ViewStore = new FileLedgerViewStore(folder) });
                using var c = first;
                await first.LoginWithDevOutboxAsync(user.Email, user.Password);
                remembered = await first.VerifyCurrentHeadAsync();
                peer = await first.PeerAsync();
            }

            var (client, liar) = NewClient(new LedgerTrustOptions { Peer = peer, ViewStore = new FileLedgerViewStore(folder) });
            using var owned = client;
            await client.LoginWithDevOutboxAsync(user.Email, user.Password);
            var forged = Forge(key, remembered, RandomNumberGenerator.GetBytes(32));
            liar.Lie = (req, honest) => req.RequestUri!.AbsolutePath == "/api/ledger/head" ? Json(forged) : null;
            var e = await Assert.ThrowsAsync<LedgerForkException>(() => client.VerifyCurrentHeadAsync());
            AssertBothHeadsShown(e, remembered, forged);

            // A third start remembers the fork itself: with only honest answers, its sign-in (which checks the
            // user's key registration receipt) is already refused.
            var (third, _) = NewClient(new LedgerTrustOptions { Peer = peer, ViewStore = new FileLedgerViewStore(folder) });
            using var ownedThird = third;
            var again = await Assert.ThrowsAsync<LedgerForkException>(() => third.LoginWithDevOutboxAsync(user.Email, user.Password));
            AssertBothHeadsShown(again, remembered, forged);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_server_presenting_another_peer_key_than_the_pinned_one_is_refused_naming_both_fingerprints()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var otherKey = LedgerCrypto.PublicKeyFromPrivate(ec.ExportParameters(true).D!);
        var (honest, _) = NewClient();
        using var ownedHonest = honest;
        var real = await honest.PeerAsync();
        var (client, _) = NewClient(new LedgerTrustOptions { Peer = new PeerInfo(real.PeerId, otherKey) });
        using var owned = client;

        var e = await Assert.ThrowsAsync<PeerKeyChangedException>(() => client.CheckPeerKeyAsync());
        Assert.Contains(MedLedgerClient.PeerFingerprint(otherKey), e.Message, StringComparison.Ordinal);
        Assert.Contains(MedLedgerClient.PeerFingerprint(real.PublicKey), e.Message, StringComparison.Ordinal);
        Assert.Equal(real.PublicKey, (await honest.CheckPeerKeyAsync()).PublicKey);
    }

    /// <summary>RFC 9162 section 2.1.3.2: the root an inclusion path leads to.</summary>
    private static byte[] RootFromInclusion(long index, long size, byte[] leaf, IReadOnlyList<byte[]> proof)
    {
        long fn = index, sn = size - 1;
        var r = leaf;
        foreach (var p in proof)
        {
            if ((fn & 1) == 1 || fn == sn)
            {
                r = SHA256.HashData([1, .. p, .. r]);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = SHA256.HashData([1, .. r, .. p]);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return r;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 14 items 3 and 5, client side: the SDK follows consortium membership changes only on the ledger's word. A
/// real <see cref="LedgerPeer"/> in the test (run as "peer-a", the operator's peer) records consortium.genesis for a, b, c
/// (3 of 3) and the add-peer approvals that bring in d (3 of 4); the test holds every member's key and certifies the
/// receipts the way the consortium would. The lying server presents those changes (or forgeries of them) as
/// <c>/api/ledger/consortium</c> and serves heads of that ledger.
/// </summary>
public sealed class ConsortiumChangeLyingServerTests : SdkTestBase, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-change-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly (byte[] PrivateKey, byte[] PublicKey) _a = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _b = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _c = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _d = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _x = LedgerCrypto.GenerateKeyPair();
    private readonly List<LedgerPeer> _peers = [];
    private long _nonce = 1;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Directory.CreateDirectory(_dir);
    }

    public new async Task DisposeAsync()
    {
        foreach (var peer in _peers)
        {
            await peer.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
        await base.DisposeAsync();
    }

    private ConsortiumView Abc => new([new("peer-a", _a.PublicKey), new("peer-b", _b.PublicKey), new("peer-c", _c.PublicKey)], 3);

    private ConsortiumView Abcd => Abc.WithMember(new ConsortiumMember("peer-d", _d.PublicKey), 3);

    private (string Id, byte[] Key) A => ("peer-a", _a.PrivateKey);
    private (string Id, byte[] Key) B => ("peer-b", _b.PrivateKey);
    private (string Id, byte[] Key) C => ("peer-c", _c.PrivateKey);
    private (string Id, byte[] Key) D => ("peer-d", _d.PrivateKey);

    /// <summary>A ledger whose blocks "peer-a" cuts, with <paramref name="genesis"/> pinned by its first transaction.</summary>
    private async Task<LedgerPeer> LedgerAsync(ConsortiumView genesis)
    {
        var store = LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, $"ledger-{_peers.Count}.db")}");
        var peer = new LedgerPeer(store, _a.PrivateKey, new LedgerOptions { PeerId = "peer-a" },
            ContractRegistry.WithIdentity().Add(new ConsortiumGenesisContract()).Add(new ConsortiumAddPeerContract()));
        _peers.Add(peer);
        await peer.StartAsync();
        await peer.SubmitAsync(As(A, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(genesis)));
        return peer;
    }

    private LedgerTransaction As((string Id, byte[] Key) member, string type, IReadOnlyDictionary<string, string> payload) =>
        LedgerTransaction.Create(type, LedgerTransaction.SystemActorPrefix + member.Id, _nonce++, LedgerTransaction.NowMs(), payload, member.Key);

    private LedgerTransaction Approve((string Id, byte[] Key) member, ConsortiumView current, ConsortiumMember candidate) =>
        As(member, ConsortiumAddPeerContract.TypeName, ConsortiumAddPeerContract.Payload(current, candidate, 3));

    /// <summary>The receipt with its head certified by exactly <paramref name="signers"/> (the peer's own signature only if listed).</summary>
    private static LedgerReceipt Certified(LedgerReceipt receipt, params (string Id, byte[] Key)[] signers) =>
        receipt with { Head = Certified(receipt.Head, signers) };

    private static BlockHeader Certified(BlockHeader head, params (string Id, byte[] Key)[] signers)
    {
        var bytes = head.SigningBytes();
        return head with { Certificate = signers.Select(s => new PeerSignature(s.Id, LedgerCrypto.Sign(s.Key, bytes))).ToList() };
    }

    /// <summary>The honest change: a, b and c approve d (3 of 3), each receipt certified by a, b and c; then one more block.</summary>
    private async Task<(IReadOnlyList<LedgerReceipt> Approvals, LedgerReceipt After)> HonestChangeAsync(LedgerPeer ledger)
    {
        var abc = Abc;
        var d = new ConsortiumMember("peer-d", _d.PublicKey);
        var approvals = new List<LedgerReceipt>();
        foreach (var member in new[] { A, B, C })
        {
            approvals.Add(Certified(await ledger.SubmitAsync(Approve(member, abc, d)), A, B, C));
        }
        // A later block (peer-a proposes a fifth member), certified by b, c and d: 3 of the new view, 2 of the old one.
        var after = await ledger.SubmitAsync(Approve(A, Abcd, new ConsortiumMember("peer-e", _x.PublicKey)));
        return (approvals, Certified(after, B, C, D));
    }

    private static ConsortiumInfo Presented(ConsortiumView current, ConsortiumView genesis, params ConsortiumChangeInfo[] changes) =>
        ConsortiumInfo.Of(current) with { Genesis = ToInfo(genesis), Changes = changes };

    private static ConsortiumViewInfo ToInfo(ConsortiumView view) =>
        new(view.Threshold, view.Fingerprint, view.Members.Select(m => new PeerInfo(m.PeerId, m.PublicKey)).ToList());

    private ConsortiumChangeInfo Change(IReadOnlyList<LedgerReceipt> approvals, long? fromHeight = null, string? fingerprint = null) =>
        new(fromHeight ?? approvals.Max(a => a.BlockHeight) + 1, fingerprint ?? Abcd.Fingerprint, approvals);

    /// <summary>The liar answers /api/ledger/consortium with <paramref name="consortium"/> and /api/ledger/head with <paramref name="head"/>.</summary>
    private static Func<HttpRequestMessage, JsonNode, JsonNode?> Serving(ConsortiumInfo consortium, BlockHeader? head = null) =>
        Serving(JsonSerializer.SerializeToNode(consortium, Web)!, head);

    private static Func<HttpRequestMessage, JsonNode, JsonNode?> Serving(JsonNode consortium, BlockHeader? head = null) =>
        (req, _) => req.RequestUri!.AbsolutePath switch
        {
            "/api/ledger/consortium" => consortium.DeepClone(),
            "/api/ledger/head" when head is not null => JsonSerializer.SerializeToNode(head, Web),
            _ => null,
        };

    /// <summary>A signed-in client (signed in by another client: sign-in checks the real server's receipts) trusting <paramref name="trust"/>.</summary>
    private async Task<(MedLedgerClient Client, LyingServer Liar)> SignedInAsync(LedgerTrustOptions trust)
    {
        var user = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var (first, _) = LyingServer.ClientFor(Host);
        using var owned = first;
        await first.LoginWithDevOutboxAsync(user.Email, user.Password);
        var (client, liar) = LyingServer.ClientFor(Host, trust);
        client.Restore(first.Tokens!, first.Keys);
        return (client, liar);
    }

    [Fact]
    public async Task An_honest_change_is_followed_and_a_head_certified_by_the_new_view_verifies_where_the_old_view_refuses_it()
    {
        var ledger = await LedgerAsync(Abc);
        var (approvals, after) = await HonestChangeAsync(ledger);
        var honest = Presented(Abcd, Abc, Change(approvals));
        Assert.Contains("2 distinct consortium members; 3 of 3", Abc.VerifyCertificate(after.Head), StringComparison.Ordinal);

        // Pinned genesis, the change checked up front: two views, the new one from the block after the last approval.
        var store = new InMemoryLedgerViewStore();
        var (client, liar) = await SignedInAsync(new LedgerTrustOptions { Consortium = Abc, ViewStore = store });
        using var owned = client;
        liar.Lie = Serving(honest, after.Head);
        Assert.Equal(Abc.Fingerprint, (await client.CheckConsortiumAsync()).Fingerprint);
        var history = await client.ConsortiumHistoryAsync();
        Assert.Equal(new long[] { 1, approvals[^1].BlockHeight + 1 }, history.Views.Select(v => v.FromHeight));
        Assert.True(Abcd.SameAs(history.Current));
        Assert.Null(await client.ReceiptErrorAsync(after));
        Assert.Equal(after.Head.Hash(), (await client.VerifyCurrentHeadAsync()).Hash());
        Assert.Single(await store.LoadChangesAsync(Abc.Fingerprint, default));

        // A client that never asked: the head fails under the genesis view, so it follows the server's changes and accepts.
        var (late, lateLiar) = await SignedInAsync(new LedgerTrustOptions { Consortium = Abc });
        using var ownedLate = late;
        lateLiar.Lie = Serving(honest, after.Head);
        Assert.Equal(after.Head.Hash(), (await late.VerifyCurrentHeadAsync()).Hash());

        // Trust on first use pins the genesis the server presents (not its current view) and follows the change.
        var (firstUse, firstUseLiar) = LyingServer.ClientFor(Host);
        using var ownedFirstUse = firstUse;
        firstUseLiar.Lie = Serving(honest);
        Assert.Equal(Abc.Fingerprint, (await firstUse.ConsortiumAsync()).Fingerprint);
        Assert.True(Abcd.SameAs((await firstUse.ConsortiumHistoryAsync()).Current));

        // A client sharing the store remembers the change without asking the server.
        var (remembering, _) = LyingServer.ClientFor(Host, new LedgerTrustOptions { Consortium = Abc, ViewStore = store });
        using var ownedRemembering = remembering;
        Assert.Null(await remembering.ReceiptErrorAsync(after));

        // A server that hides the change entirely: the same head is judged by the old view, where b and c are 2 of 3.
        var (hidden, hiddenLiar) = await SignedInAsync(new LedgerTrustOptions { Consortium = Abc });
        using var ownedHidden = hidden;
        hiddenLiar.Lie = Serving(Presented(Abc, Abc), after.Head);
        var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => hidden.VerifyCurrentHeadAsync());
        Assert.Contains("valid signatures of 2 distinct consortium members; 3 of 3 are needed", e.Message, StringComparison.Ordinal);
        Assert.Single((await hidden.ConsortiumHistoryAsync()).Views);
        Assert.Null(await hidden.RememberedHeadAsync());
    }

    /// <summary>Refused with both fingerprints, naming <paramref name="reason"/>; the client's history stays at the genesis.</summary>
    private Task RefusedAsync(ConsortiumInfo presented, string reason, BlockHeader? head = null) =>
        RefusedAsync(JsonSerializer.SerializeToNode(presented, Web)!, reason, head);

    private async Task RefusedAsync(JsonNode presented, string reason, BlockHeader? head = null)
    {
        var store = new InMemoryLedgerViewStore();
        var (client, liar) = LyingServer.ClientFor(Host, new LedgerTrustOptions { Consortium = Abc, ViewStore = store });
        using var owned = client;
        liar.Lie = Serving(presented, head);
        var e = await Assert.ThrowsAsync<ConsortiumChangedException>(() => client.CheckConsortiumAsync());
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"CONSORTIUM CHANGED: pinned {Abc.Fingerprint}, server presents ", e.Message, StringComparison.Ordinal);
        Assert.Single((await client.ConsortiumHistoryAsync()).Views);
        Assert.Empty(await store.LoadChangesAsync(Abc.Fingerprint, default));
    }

    [Fact]
    public async Task A_change_with_fewer_than_k_approvals_or_certified_only_by_the_operators_peer_is_refused()
    {
        var ledger = await LedgerAsync(Abc);
        var abc = Abc;
        var d = new ConsortiumMember("peer-d", _d.PublicKey);
        var byA = await ledger.SubmitAsync(Approve(A, abc, d));
        var byB = await ledger.SubmitAsync(Approve(B, abc, d));
        var byC = await ledger.SubmitAsync(Approve(C, abc, d));

        await RefusedAsync(Presented(Abcd, abc, Change([Certified(byA, A, B, C), Certified(byB, A, B, C)])),
            "the change carries approvals of 2 distinct members; 3 of 3 are needed");
        // The same approval twice is still one member.
        await RefusedAsync(Presented(Abcd, abc, Change([Certified(byA, A, B, C), Certified(byA, A, B, C), Certified(byB, A, B, C)])),
            "approvals of 2 distinct members");
        // The receipts exactly as the operator's peer signed them: its one signature is not 3 of 3.
        await RefusedAsync(Presented(Abcd, abc, Change([byA, byB, byC])), "valid signatures of 1 distinct consortium members; 3 of 3 are needed");
        // The operator's peer plus a key it made up and filed under a member's id.
        var madeUp = ("peer-b", _x.PrivateKey);
        await RefusedAsync(Presented(Abcd, abc, Change([Certified(byA, A, madeUp), Certified(byB, A, madeUp), Certified(byC, A, madeUp)])),
            "valid signatures of 1 distinct consortium members");
        // Honest approvals under a wrong label: the server cannot rename the view or move its first block.
        var all = new[] { Certified(byA, A, B, C), Certified(byB, A, B, C), Certified(byC, A, B, C) };
        await RefusedAsync(Presented(Abcd, abc, Change(all, fingerprint: new string('0', 32))), $"the approvals make consortium {Abcd.Fingerprint}, not 0000");
        await RefusedAsync(Presented(Abcd, abc, Change(all, fromHeight: 2)), "not 2");
        // No change at all, but a current view with the operator's second key in it.
        var withOperator = abc.WithMember(new ConsortiumMember("operator-2", _x.PublicKey), 3);
        await RefusedAsync(Presented(withOperator, abc), "not reachable from the pinned one by the 0 verified membership change(s)");
    }

    [Fact]
    public async Task Approvals_by_a_non_member_or_recorded_invalid_or_malformed_are_refused_and_a_refused_change_is_never_skipped()
    {
        var d = new ConsortiumMember("peer-d", _d.PublicKey);
        // The operator's own ledger, whose genesis names its extra peer x: x's approval is valid there, never for abc.
        var abcx = new ConsortiumView([.. Abc.Members, new ConsortiumMember("peer-x", _x.PublicKey)], 3);
        var rogue = await LedgerAsync(abcx);
        var rogueApprovals = new List<LedgerReceipt>();
        foreach (var member in new[] { ("peer-x", _x.PrivateKey), A, B })
        {
            rogueApprovals.Add(Certified(await rogue.SubmitAsync(As(member, ConsortiumAddPeerContract.TypeName,
                ConsortiumAddPeerContract.Payload(abcx, d, 3))), A, B, C));
        }
        await RefusedAsync(Presented(Abcd, Abc, Change(rogueApprovals)), "peer peer-x is not a member of the consortium");

        var ledger = await LedgerAsync(Abc);
        var byA = Certified(await ledger.SubmitAsync(Approve(A, Abc, d)), A, B, C);
        var twice = (await Assert.ThrowsAsync<LedgerRejectedException>(() => ledger.SubmitAsync(Approve(A, Abc, d)))).Receipt!;
        var byB = Certified(await ledger.SubmitAsync(Approve(B, Abc, d)), A, B, C);
        var byC = Certified(await ledger.SubmitAsync(Approve(C, Abc, d)), A, B, C);
        await RefusedAsync(Presented(Abcd, Abc, Change([byA, Certified(twice, A, B, C), byB, byC])), "was recorded as invalid");
        // A verdict flipped to valid no longer matches its leaf.
        await RefusedAsync(Presented(Abcd, Abc, Change([byA, Certified(twice, A, B, C) with { Valid = true }, byB, byC])), "leaf hash");
        var headless = JsonSerializer.SerializeToNode(Presented(Abcd, Abc, Change([byA, byB, byC])), Web)!;
        headless["changes"]![0]!["approvals"]![1]!["head"] = null;
        await RefusedAsync(headless, "receipt is incomplete");

        // Met while verifying a head, a refused change is as loud: the client does not carry on under the old view.
        var after = Certified(await ledger.SubmitAsync(Approve(A, Abcd, new ConsortiumMember("peer-e", _x.PublicKey))), B, C, D);
        var (client, liar) = await SignedInAsync(new LedgerTrustOptions { Consortium = Abc });
        using var owned = client;
        liar.Lie = Serving(Presented(Abcd, Abc, Change([byA, byB])), after.Head);
        var e = await Assert.ThrowsAsync<ConsortiumChangedException>(() => client.VerifyCurrentHeadAsync());
        Assert.Contains("3 of 3 are needed", e.Message, StringComparison.Ordinal);
        Assert.Null(await client.RememberedHeadAsync());
    }

    [Fact]
    public async Task A_server_that_later_presents_a_different_earlier_change_or_drops_one_is_refused()
    {
        var ledger = await LedgerAsync(Abc);
        var (approvals, _) = await HonestChangeAsync(ledger);
        var store = new InMemoryLedgerViewStore();
        var (client, liar) = LyingServer.ClientFor(Host, new LedgerTrustOptions { Consortium = Abc, ViewStore = store });
        using var owned = client;
        liar.Lie = Serving(Presented(Abcd, Abc, Change(approvals)));
        await client.CheckConsortiumAsync();

        // Dropping the accepted change: the current view the server presents is no longer the one the client reached.
        liar.Lie = Serving(Presented(Abc, Abc));
        var dropped = await Assert.ThrowsAsync<ConsortiumChangedException>(() => client.CheckConsortiumAsync());
        Assert.Equal(Abcd.Fingerprint, dropped.PinnedFingerprint);
        Assert.Equal(Abc.Fingerprint, dropped.PresentedFingerprint);

        // Rewriting it (another first block) before adding a second one: refused, the remembered one stands.
        var withE = Abcd.WithMember(new ConsortiumMember("peer-e", _x.PublicKey), 3);
        liar.Lie = Serving(Presented(withE, Abc, Change(approvals, fromHeight: 99), Change(approvals)));
        var rewritten = await Assert.ThrowsAsync<ConsortiumChangedException>(() => client.CheckConsortiumAsync());
        Assert.Contains("membership change 1 is not the one this client accepted", rewritten.Message, StringComparison.Ordinal);
        Assert.Single(await store.LoadChangesAsync(Abc.Fingerprint, default));
    }
}

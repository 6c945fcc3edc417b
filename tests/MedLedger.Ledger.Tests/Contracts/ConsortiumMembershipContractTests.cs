using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests.Contracts;

/// <summary>
/// consortium.genesis and consortium.add-peer (issue 14 item 3) on a real peer and SQLite file, and the client's
/// <see cref="ConsortiumHistory"/> that accepts a new view only from certified, valid approvals by k members.
/// The embedded peer ("peer-a") cuts the blocks; other members' approvals are system events signed with their keys.
/// </summary>
public sealed class ConsortiumMembershipContractTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-members-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly (byte[] PrivateKey, byte[] PublicKey) _a = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _b = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _c = LedgerCrypto.GenerateKeyPair();
    private readonly (byte[] PrivateKey, byte[] PublicKey) _d = LedgerCrypto.GenerateKeyPair();
    private LedgerPeer _peer = null!;
    private long _nonce = 1;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var store = LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, "ledger.db")}");
        _peer = new LedgerPeer(store, _a.PrivateKey, new LedgerOptions { PeerId = "peer-a" },
            ContractRegistry.WithIdentity().Add(new ConsortiumGenesisContract()).Add(new ConsortiumAddPeerContract()));
        await _peer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _peer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }

    private ConsortiumView Abc => new([new("peer-a", _a.PublicKey), new("peer-b", _b.PublicKey), new("peer-c", _c.PublicKey)], 2);

    private LedgerTransaction As(string peerId, byte[] privateKey, string type, IReadOnlyDictionary<string, string> payload) =>
        LedgerTransaction.Create(type, LedgerTransaction.SystemActorPrefix + peerId, _nonce++, LedgerTransaction.NowMs(), payload, privateKey);

    private async Task<LedgerRejection> RefusedAsync(LedgerTransaction tx) =>
        (await Assert.ThrowsAsync<LedgerRejectedException>(() => _peer.SubmitAsync(tx))).Rejection;

    private async Task<ConsortiumView?> PinnedAsync()
    {
        var members = await _peer.Queries.ScanStateAsync(ConsortiumKeys.MemberPrefix);
        var k = await _peer.Queries.GetStateAsync(ConsortiumKeys.Threshold);
        return k is null ? null : new ConsortiumView(members.Select(m => new ConsortiumMember(m.Key[ConsortiumKeys.MemberPrefix.Length..], Convert.FromBase64String(m.Value))), int.Parse(k, System.Globalization.CultureInfo.InvariantCulture));
    }

    private Dictionary<string, string> AddD(ConsortiumView current, int threshold = 3) =>
        ConsortiumAddPeerContract.Payload(current, new ConsortiumMember("peer-d", _d.PublicKey), threshold);

    [Fact]
    public async Task Genesis_pins_the_consortium_once_and_a_later_genesis_is_a_conflict()
    {
        Assert.Null(await PinnedAsync());
        var receipt = await _peer.SubmitAsync(As("peer-b", _b.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        Assert.True(receipt.Valid);
        Assert.True(Abc.SameAs((await PinnedAsync())!));

        var again = await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        Assert.Equal(LedgerRejectionKind.Conflict, again.Kind);
        Assert.Contains(receipt.TransactionId, again.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Genesis_signed_by_a_peer_it_does_not_name_or_with_another_key_or_malformed_pins_nothing()
    {
        var outsider = await RefusedAsync(As("peer-d", _d.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        Assert.Equal(LedgerRejectionKind.Forbidden, outsider.Kind);
        var wrongKey = await RefusedAsync(As("peer-b", _d.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        Assert.Equal(LedgerRejectionKind.BadSignature, wrongKey.Kind);

        var minority = ConsortiumGenesisContract.Payload(Abc);
        minority["threshold"] = "1";
        Assert.Equal(LedgerRejectionKind.Malformed, (await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, minority))).Kind);
        var missing = ConsortiumGenesisContract.Payload(Abc);
        missing.Remove("key.2");
        Assert.Equal(LedgerRejectionKind.Malformed, (await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, missing))).Kind);
        Assert.Null(await PinnedAsync());
    }

    [Fact]
    public async Task A_peer_joins_when_k_distinct_members_approved_the_same_proposal_and_not_before()
    {
        await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        var abc = Abc;

        Assert.True((await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc)))).Valid);
        Assert.True(abc.SameAs((await PinnedAsync())!));
        var twice = await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc)));
        Assert.Equal(LedgerRejectionKind.Conflict, twice.Kind);
        // An approval of a different proposal (another threshold) does not count towards this one.
        var other = AddD(abc, 4);
        Assert.True((await _peer.SubmitAsync(As("peer-c", _c.PrivateKey, ConsortiumAddPeerContract.TypeName, other))).Valid);
        Assert.True(abc.SameAs((await PinnedAsync())!));

        Assert.True((await _peer.SubmitAsync(As("peer-b", _b.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc)))).Valid);
        var abcd = (await PinnedAsync())!;
        Assert.Equal(["peer-a", "peer-b", "peer-c", "peer-d"], abcd.Members.Select(m => m.PeerId));
        Assert.Equal(3, abcd.Threshold);
        Assert.Equal(_d.PublicKey, abcd.KeyOf("peer-d"));

        // The other proposal named the old view: its remaining approvals can no longer complete it.
        var stale = await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, other));
        Assert.Equal(LedgerRejectionKind.Conflict, stale.Kind);
        Assert.Contains("already a member", (await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abcd)))).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approvals_by_non_members_with_wrong_keys_for_existing_keys_or_minority_thresholds_are_refused()
    {
        Assert.Equal(LedgerRejectionKind.Forbidden, (await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(Abc)))).Kind);
        await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        var abc = Abc;

        Assert.Equal(LedgerRejectionKind.Forbidden, (await RefusedAsync(As("peer-d", _d.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc)))).Kind);
        Assert.Equal(LedgerRejectionKind.BadSignature, (await RefusedAsync(As("peer-b", _d.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc)))).Kind);
        Assert.Equal(LedgerRejectionKind.Malformed, (await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc, 2)))).Kind);
        var reusedKey = ConsortiumAddPeerContract.Payload(abc, new ConsortiumMember("peer-d", _b.PublicKey), 3);
        Assert.Equal(LedgerRejectionKind.Malformed, (await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, reusedKey))).Kind);
        var wrongView = AddD(abc);
        wrongView["view"] = new string('0', 32);
        Assert.Equal(LedgerRejectionKind.Conflict, (await RefusedAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, wrongView))).Kind);
        Assert.True(abc.SameAs((await PinnedAsync())!));
    }

    /// <summary>Receipts the embedded peer gives carry its one signature; <paramref name="also"/> add other members' signatures over the same header.</summary>
    private static LedgerReceipt CertifiedBy(LedgerReceipt receipt, params (string PeerId, byte[] PrivateKey)[] also)
    {
        var bytes = receipt.Head.SigningBytes();
        var certificate = new List<PeerSignature> { new(receipt.Head.PeerId, receipt.Head.Signature) };
        certificate.AddRange(also.Select(s => new PeerSignature(s.PeerId, LedgerCrypto.Sign(s.PrivateKey, bytes))));
        return receipt with { Head = receipt.Head with { Certificate = certificate } };
    }

    [Fact]
    public async Task A_client_history_takes_the_new_view_from_k_certified_approvals_and_uses_it_from_the_next_block()
    {
        await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        var abc = Abc;
        var first = CertifiedBy(await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc))), ("peer-c", _c.PrivateKey));
        var second = CertifiedBy(await _peer.SubmitAsync(As("peer-c", _c.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc))), ("peer-b", _b.PrivateKey));

        var history = new ConsortiumHistory(abc);
        Assert.Contains("1 distinct members; 2 of 3", history.Apply([first]), StringComparison.Ordinal);
        Assert.Contains("1 distinct members", history.Apply([first, first]), StringComparison.Ordinal);
        Assert.Single(history.Views);

        Assert.Null(history.Apply([second, first]));
        Assert.Equal(2, history.Views.Count);
        Assert.True((await PinnedAsync())!.SameAs(history.Current));
        Assert.Same(abc, history.ViewAt(second.BlockHeight));
        Assert.Equal(4, history.ViewAt(second.BlockHeight + 1).Members.Count);
        Assert.Equal(second.BlockHeight + 1, history.Views[1].FromHeight);
    }

    [Fact]
    public async Task A_client_history_refuses_uncertified_invalid_or_foreign_approvals_and_stays_unchanged()
    {
        await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumGenesisContract.TypeName, ConsortiumGenesisContract.Payload(Abc)));
        var abc = Abc;
        var byA = await _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc)));
        var byB = await _peer.SubmitAsync(As("peer-b", _b.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc, 4)));
        var invalid = (await Assert.ThrowsAsync<LedgerRejectedException>(() =>
            _peer.SubmitAsync(As("peer-a", _a.PrivateKey, ConsortiumAddPeerContract.TypeName, AddD(abc))))).Receipt!;
        var history = new ConsortiumHistory(abc);

        // Only peer-a signed these heads: one signature is not the 2 of 3 the view needs.
        Assert.Contains("valid signatures of 1 distinct", history.Apply([byA, byB]), StringComparison.Ordinal);
        // Certified by a peer that is not a member (peer-d signing for itself) counts for nothing.
        Assert.Contains("valid signatures of 1 distinct", history.Apply([CertifiedBy(byA, ("peer-d", _d.PrivateKey))]), StringComparison.Ordinal);
        Assert.Equal("the approvals name different proposals", history.Apply([CertifiedBy(byA, ("peer-c", _c.PrivateKey)), CertifiedBy(byB, ("peer-c", _c.PrivateKey))]));
        Assert.Contains("recorded as invalid", history.Apply([CertifiedBy(invalid, ("peer-c", _c.PrivateKey))]), StringComparison.Ordinal);
        // A receipt whose verdict was flipped no longer matches its leaf.
        Assert.Contains("leaf hash", history.Apply([CertifiedBy(invalid, ("peer-c", _c.PrivateKey)) with { Valid = true }]), StringComparison.Ordinal);
        var genesis = CertifiedBy(await _peer.Queries.GetReceiptAsync((await _peer.Store.GetTransactionsInRangeAsync(0, 1))[0].Id) ?? throw new InvalidOperationException(), ("peer-b", _b.PrivateKey));
        Assert.Contains("not an approval", history.Apply([genesis]), StringComparison.Ordinal);
        Assert.Single(history.Views);
    }

    [Fact]
    public void A_view_round_trips_through_its_canonical_bytes_and_anything_else_is_refused()
    {
        var abc = Abc;
        Assert.True(abc.SameAs(ConsortiumView.FromCanonicalBytes(abc.CanonicalBytes())));
        var bytes = abc.CanonicalBytes();
        Assert.Throws<FormatException>(() => ConsortiumView.FromCanonicalBytes(bytes.Append((byte)0).ToArray()));
        Assert.Throws<FormatException>(() => ConsortiumView.FromCanonicalBytes(bytes[..^1]));
        Assert.Throws<FormatException>(() => ConsortiumView.FromCanonicalBytes([]));
        // Members out of order: the same view, but not its one canonical encoding.
        var w = new MedLedger.Crypto.CanonicalWriter(ConsortiumView.Domain).Int64(2).Int64(3);
        foreach (var m in abc.Members.Reverse())
        {
            w.String(m.PeerId).Bytes(m.PublicKey);
        }
        Assert.Throws<FormatException>(() => ConsortiumView.FromCanonicalBytes(w.ToArray()));
        var minority = new MedLedger.Crypto.CanonicalWriter(ConsortiumView.Domain).Int64(1).Int64(3);
        foreach (var m in abc.Members)
        {
            minority.String(m.PeerId).Bytes(m.PublicKey);
        }
        Assert.Throws<FormatException>(() => ConsortiumView.FromCanonicalBytes(minority.ToArray()));
    }
}

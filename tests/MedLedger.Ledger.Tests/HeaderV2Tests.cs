using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// Block header v2 on the embedded peer (issue 14): old v1 ledger files keep working and continue in v2, the
/// verifier allows the v1→v2 switch once and never back, receipts carry a one-signature certificate, the verifier
/// checks certificates against a consortium view, and a contract that throws gets a deterministic invalid verdict.
/// </summary>
public sealed class HeaderV2Tests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-v2-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly byte[] _peerKey = LedgerCrypto.GenerateKeyPair().PrivateKey;

    public HeaderV2Tests() => Directory.CreateDirectory(_dir);

    private LedgerStore NewStore() => LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + ".db")}");

    private async Task<LedgerPeer> PeerAsync(LedgerStore store, ContractRegistry? contracts = null)
    {
        var peer = new LedgerPeer(store, _peerKey, new LedgerOptions { PeerId = "peer-a" }, contracts);
        await peer.StartAsync();
        return peer;
    }

    private static async Task ExecAsync(LedgerStore store, string sql, params object?[] args)
    {
        await using var c = store.Open();
        await using var cmd = store.Command(c, sql, args);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Rewrites blocks <paramref name="from"/>..<paramref name="to"/> as v1 headers signed by the peer key, relinking the chain.</summary>
    private async Task RewriteAsV1Async(LedgerStore store, long from, long to)
    {
        using var key = new LedgerSigningKey(_peerKey);
        var previous = from == 1 ? new byte[32] : (await store.GetHeaderAsync(from - 1))!.Hash();
        for (var h = from; h <= to; h++)
        {
            var v2 = (await store.GetHeaderAsync(h))!;
            var v1 = BlockHeader.Create(h, previous, v2.TransactionCount, v2.TreeSize, v2.RootHash, v2.StateRoot, v2.TimeMs, v2.PeerId, key);
            await ExecAsync(store, "UPDATE ledger_blocks SET previous_hash = @p0, header_hash = @p1, signature = @p2, version = 1, ordering_revision = 0 WHERE height = @p3",
                previous, v1.Hash(), v1.Signature, h);
            previous = v1.Hash();
        }
    }

    [Fact]
    public async Task A_ledger_written_with_v1_headers_by_the_old_schema_reopens_continues_in_v2_and_verifies()
    {
        var store = NewStore();
        await using (var peer = await PeerAsync(store))
        {
            for (var i = 0; i < 3; i++)
            {
                await peer.SubmitAsync(new TestUser($"u-old-{i}").Register());
            }
        }
        // What an older MedLedger left behind: v1 headers, and a ledger_blocks table without the v2 columns.
        await RewriteAsV1Async(store, 1, 3);
        await ExecAsync(store, "ALTER TABLE ledger_blocks DROP COLUMN version");
        await ExecAsync(store, "ALTER TABLE ledger_blocks DROP COLUMN ordering_revision");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        await using var reopened = await PeerAsync(store);
        Assert.Equal(1, reopened.Head!.Version);
        Assert.Equal(3, reopened.Head.Height);
        var oldReceipt = (await reopened.Queries.GetReceiptAsync((await store.GetTransactionsInRangeAsync(0, 1))[0].Id))!;
        Assert.Equal(1, oldReceipt.Head.Version);
        Assert.Null(oldReceipt.Verify(reopened.PublicKey));
        Assert.Null(oldReceipt.Verify(ConsortiumView.Single("peer-a", reopened.PublicKey)));

        var receipt = await reopened.SubmitAsync(new TestUser("u-new").Register());
        Assert.Equal(4, receipt.BlockHeight);
        Assert.Equal(2, receipt.Head.Version);
        Assert.Equal(0, receipt.Head.OrderingRevision);
        Assert.Equal((await store.GetHeaderAsync(3))!.Hash(), receipt.Head.PreviousHash);
        Assert.Equal(2, (await store.GetHeaderAsync(4))!.Version);
        Assert.Equal(1, (await store.GetHeaderAsync(3))!.Version);

        var result = await new LedgerVerifier(store, reopened.PeerKeys, reopened.Contracts, consortium: reopened.Consortium).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
        Assert.Null(result.UncertifiedFrom);
    }

    [Fact]
    public async Task A_chain_that_goes_back_from_v2_to_v1_is_refused_by_the_verifier()
    {
        var store = NewStore();
        await using var peer = await PeerAsync(store);
        for (var i = 0; i < 3; i++)
        {
            await peer.SubmitAsync(new TestUser($"u-{i}").Register());
        }
        Assert.True((await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync()).Ok);

        // Block 3 re-signed as a v1 header by the genuine peer key: every signature and link holds, the version does not.
        await RewriteAsV1Async(store, 3, 3);
        var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.False(result.Ok);
        Assert.Equal(3, result.BlockHeight);
        Assert.Contains("goes back from v2 to v1", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repeated_orderer_revision_is_refused_as_an_envelope_applied_twice()
    {
        var store = NewStore();
        await using var peer = await PeerAsync(store);
        for (var i = 0; i < 3; i++)
        {
            await peer.SubmitAsync(new TestUser($"u-{i}").Register());
        }
        using var key = new LedgerSigningKey(_peerKey);
        var previous = new byte[32];
        foreach (var (h, revision) in new[] { (1L, 7L), (2L, 9L), (3L, 9L) })
        {
            var old = (await store.GetHeaderAsync(h))!;
            var v2 = BlockHeader.CreateV2(h, previous, old.TransactionCount, old.TreeSize, old.RootHash, old.StateRoot, old.TimeMs, old.PeerId, revision, "peer-a", key);
            await ExecAsync(store, "UPDATE ledger_blocks SET previous_hash = @p0, header_hash = @p1, signature = @p2, ordering_revision = @p3 WHERE height = @p4",
                previous, v2.Hash(), v2.Signature, revision, h);
            previous = v2.Hash();
        }
        var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.False(result.Ok);
        Assert.Equal(3, result.BlockHeight);
        Assert.Contains("orderer revision 9 does not follow 9", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Embedded_receipts_and_heads_carry_a_one_signature_certificate_that_verifies_with_the_single_consortium()
    {
        var store = NewStore();
        await using var peer = await PeerAsync(store);
        Assert.Equal(1, peer.Consortium.Threshold);
        Assert.Single(peer.Consortium.Members);

        var receipt = await peer.SubmitAsync(new TestUser("u-alice").Register());
        var single = ConsortiumView.Single("peer-a", peer.PublicKey);
        Assert.Equal(2, receipt.Head.Version);
        var signature = Assert.Single(receipt.Head.Certificate!);
        Assert.Equal("peer-a", signature.PeerId);
        Assert.Null(receipt.Verify(single));
        Assert.Null(receipt.Verify(peer.PublicKey));
        // Another key under the same name is not this consortium.
        Assert.NotNull(receipt.Verify(ConsortiumView.Single("peer-a", LedgerCrypto.GenerateKeyPair().PublicKey)));

        // The same certificate from the store: the head, a header by height, a stored receipt, a proof's signed head.
        Assert.Null(single.VerifyCertificate(peer.Head!));
        Assert.Null(single.VerifyCertificate((await peer.Queries.GetHeadAsync())!));
        Assert.Null(single.VerifyCertificate((await peer.Queries.GetBlockAsync(1))!.Header));
        Assert.Null((await peer.Queries.GetReceiptAsync(receipt.TransactionId))!.Verify(single));
        Assert.Null(single.VerifyCertificate((await peer.Queries.GetTransactionAsync(receipt.TransactionId))!.SignedHead!));
        // The embedded peer writes no certificate rows: its header signature is the certificate.
        Assert.Empty(await peer.Queries.GetCertificateAsync(1));
        Assert.Empty(await peer.Queries.GetEvidenceAsync());
    }

    [Fact]
    public async Task The_verifier_with_a_consortium_view_notes_an_uncertified_tail_and_fails_a_gap_before_certified_blocks()
    {
        var store = NewStore();
        await using var peer = await PeerAsync(store);
        for (var i = 0; i < 3; i++)
        {
            await peer.SubmitAsync(new TestUser($"u-{i}").Register());
        }
        var (otherPrivate, otherPublic) = LedgerCrypto.GenerateKeyPair();
        var (_, thirdPublic) = LedgerCrypto.GenerateKeyPair();
        var view = new ConsortiumView([new("peer-a", peer.PublicKey), new("peer-b", otherPublic), new("peer-c", thirdPublic)]);
        Assert.Equal(2, view.Threshold);
        LedgerVerifier Verifier() => new(store, peer.PeerKeys, peer.Contracts, consortium: view);

        // Only peer-a's own signature on every block: the whole chain is the uncertified tail, reported, not failed.
        var tail = await Verifier().VerifyAsync();
        Assert.True(tail.Ok, tail.Summary);
        Assert.Equal(1, tail.UncertifiedFrom);
        Assert.Contains("blocks 1-3 are not certified yet", tail.Summary, StringComparison.Ordinal);

        using var otherKey = new LedgerSigningKey(otherPrivate);
        async Task CoSignAsync(long h)
        {
            var header = (await store.GetHeaderAsync(h))!;
            await ExecAsync(store, "INSERT INTO ledger_certificates (height, peer_id, signature) VALUES (@p0, 'peer-a', @p1)", h, header.Signature);
            await ExecAsync(store, "INSERT INTO ledger_certificates (height, peer_id, signature) VALUES (@p0, 'peer-b', @p1)", h, otherKey.Sign(header.SigningBytes()));
        }
        await CoSignAsync(1);
        var shorter = await Verifier().VerifyAsync();
        Assert.True(shorter.Ok, shorter.Summary);
        Assert.Equal(2, shorter.UncertifiedFrom);

        // Block 3 certified while block 2 is not: not a tail, a hole.
        await CoSignAsync(3);
        var gap = await Verifier().VerifyAsync();
        Assert.False(gap.Ok);
        Assert.Equal(2, gap.BlockHeight);
        Assert.Contains("not certified by 2 of the 3", gap.Summary, StringComparison.Ordinal);

        await CoSignAsync(2);
        var all = await Verifier().VerifyAsync();
        Assert.True(all.Ok, all.Summary);
        Assert.Null(all.UncertifiedFrom);
        Assert.Null(view.VerifyCertificate((await peer.Queries.GetHeadAsync())!));
    }

    private sealed class ThrowingContract : LedgerContract
    {
        public const string TypeName = "test.throws";
        public override string Type => TypeName;
        public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) => null;
        public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context) => null;
        public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context) =>
            throw new NotSupportedException("a contract bug");
    }

    [Fact]
    public async Task A_contract_that_throws_gets_a_deterministic_invalid_verdict_and_the_chain_goes_on()
    {
        var store = NewStore();
        var contracts = ContractRegistry.WithIdentity().Add(new ThrowingContract());
        await using var peer = await PeerAsync(store, contracts);
        var user = new TestUser("u-bug");
        await peer.SubmitAsync(user.Register());

        var e = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(user.Tx(ThrowingContract.TypeName, new() { ["x"] = "1" })));
        Assert.Equal("contract error: NotSupportedException", e.Reason);
        Assert.NotNull(e.Receipt);
        Assert.False(e.Receipt.Valid);
        Assert.True((await peer.SubmitAsync(new TestUser("u-after").Register())).Valid);
        var result = await new LedgerVerifier(store, peer.PeerKeys, contracts).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, true);
        }
        catch (IOException)
        {
        }
    }
}

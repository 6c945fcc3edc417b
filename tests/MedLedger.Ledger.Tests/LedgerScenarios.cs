using System.Data.Common;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Merkle;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

/// <summary>End-to-end peer behaviour, run against SQLite and PostgreSQL by the derived classes.</summary>
public abstract class LedgerScenarios
{
    private readonly byte[] _peerKey = LedgerCrypto.GenerateKeyPair().PrivateKey;

    protected abstract Task<LedgerStore> NewStoreAsync();

    private static LedgerOptions Options(int nonceRowsPerWrite = 4096, int indexRowsPerWrite = 4096, int indexChunk = 512) =>
        new() { PeerId = "peer-a", NonceRowsPerWrite = nonceRowsPerWrite, IndexRowsPerWrite = indexRowsPerWrite, IndexChunkTransactions = indexChunk };

    private async Task<(LedgerPeer Peer, ManualOrdering Ordering)> ManualPeerAsync(LedgerStore store, int nonceRowsPerWrite = 4096, int indexRowsPerWrite = 4096)
    {
        var ordering = new ManualOrdering();
        var peer = new LedgerPeer(store, _peerKey, Options(nonceRowsPerWrite, indexRowsPerWrite), ContractRegistry.WithIdentity(), ordering);
        await peer.StartAsync();
        return (peer, ordering);
    }

    private async Task<LedgerPeer> PeerAsync(LedgerStore store, int nonceRowsPerWrite = 4096, int indexRowsPerWrite = 4096, int indexChunk = 512)
    {
        var peer = new LedgerPeer(store, _peerKey, Options(nonceRowsPerWrite, indexRowsPerWrite, indexChunk));
        await peer.StartAsync();
        return peer;
    }

    /// <summary>Submits <paramref name="tx"/> into a block whose COMMIT fails (a crash between write and commit): the submitter gets an exception.</summary>
    private static async Task SubmitWithFailedCommitAsync(LedgerPeer peer, LedgerTransaction tx)
    {
        peer.BeforeCommit = _ => throw new IOException("simulated crash between write and commit");
        await Assert.ThrowsAsync<InvalidOperationException>(() => peer.SubmitAsync(tx));
        peer.BeforeCommit = null;
    }

    private static async Task ExecAsync(LedgerStore store, string sql, params object?[] args)
    {
        await using var c = store.Open();
        await using var cmd = store.Command(c, sql, args);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<T> ScalarAsync<T>(LedgerStore store, string sql, params object?[] args)
    {
        await using var c = store.Open();
        await using var cmd = store.Command(c, sql, args);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Identity_register_rotate_verify_with_receipts_and_key_transparency()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        var alice = new TestUser("u-alice");
        var admin = new TestUser("u-admin", IdentityRoles.PlatformAdmin);

        var registerTx = alice.Register();
        var receipt = await peer.SubmitAsync(registerTx);
        Assert.True(receipt.Valid);
        Assert.Null(receipt.Verify(peer.PublicKey));
        Assert.NotNull(receipt.Verify(LedgerCrypto.GenerateKeyPair().PublicKey)); // another peer's key
        Assert.Equal(registerTx.Id, receipt.TransactionId);

        var keys = await peer.Queries.GetRegisteredKeysAsync("u-alice");
        Assert.NotNull(keys);
        Assert.True(keys.IsCurrentSigningKey(alice.SigningPublic));
        Assert.True(keys.IsCurrentEncryptionKey(alice.EncryptionPublic));
        Assert.Equal(1, keys.Version);
        Assert.Null(await peer.Queries.GetRegisteredKeysAsync("u-nobody"));

        // Registering again is a recorded, provable refusal that changes nothing.
        var again = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(alice.Register()));
        Assert.Equal(LedgerRejectionKind.Conflict, again.Kind);
        Assert.NotNull(again.Receipt);
        Assert.False(again.Receipt.Valid);
        Assert.Null(again.Receipt.Verify(peer.PublicKey));

        // The exact same signed bytes again: a replay.
        var replay = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(registerTx));
        Assert.Equal(LedgerRejectionKind.Replay, replay.Kind);

        // Rotation is signed by the current key; afterwards the old key no longer acts for alice.
        var oldSigning = alice.Signing;
        await peer.SubmitAsync(alice.Rotate());
        keys = await peer.Queries.GetRegisteredKeysAsync("u-alice");
        Assert.Equal(2, keys!.Version);
        Assert.True(keys.IsCurrentSigningKey(alice.SigningPublic));
        var stale = LedgerTransaction.Create(RotateKeysContract.TypeName, "u-alice", 1, 1, new Dictionary<string, string>
        {
            ["userId"] = "u-alice",
            ["signingKey"] = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey),
            ["encryptionKey"] = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey),
        }, oldSigning);
        var staleEx = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(stale));
        Assert.Equal(LedgerRejectionKind.BadSignature, staleEx.Kind);

        // An unverified admin may not verify; once the peer approves them, they may.
        await peer.SubmitAsync(admin.Register());
        var early = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(admin.Verify(alice)));
        Assert.Equal(LedgerRejectionKind.Forbidden, early.Kind);
        await peer.SubmitAsync(peer.CreateSystemTransaction(VerifyContract.TypeName, new Dictionary<string, string>
        {
            ["subjectId"] = "u-admin", ["subjectKind"] = "user", ["decision"] = "approved",
        }));
        await peer.SubmitAsync(admin.Verify(alice));
        Assert.Equal("approved", (await peer.Queries.GetRegisteredKeysAsync("u-alice"))!.Verification);
        Assert.Equal("u-admin", await peer.Queries.GetStateAsync(IdentityKeys.VerifiedBy("user", "u-alice")));

        // A system event claiming a peer but signed by someone else.
        var fakeSystem = LedgerTransaction.Create(VerifyContract.TypeName, "peer:peer-a", 5, 1, new Dictionary<string, string>
        {
            ["subjectId"] = "u-alice", ["subjectKind"] = "user", ["decision"] = "rejected",
        }, alice.Signing);
        Assert.Equal(LedgerRejectionKind.BadSignature, (await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(fakeSystem))).Kind);

        // Refused before ordering: nothing recorded.
        var before = peer.Head!.TreeSize;
        var forged = new LedgerTransaction(registerTx.Type, registerTx.ActorId, 99, registerTx.TimestampMs, registerTx.SignerPublicKey, registerTx.Payload, registerTx.Signature);
        var forgedEx = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(forged));
        Assert.Equal(LedgerRejectionKind.BadSignature, forgedEx.Kind);
        Assert.Null(forgedEx.Receipt);
        var freeText = alice.Tx("identity.verify", new() { ["subjectId"] = "u-x", ["note"] = "Jane Doe has flu" });
        Assert.Equal(LedgerRejectionKind.Malformed, (await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(freeText))).Kind);
        Assert.Equal(LedgerRejectionKind.Malformed, (await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(alice.Tx("records.unknown", new())))).Kind);
        Assert.Equal(before, peer.Head!.TreeSize);

        var verification = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.True(verification.Ok, verification.Summary);
    }

    [Fact]
    public async Task Writes_within_a_block_are_seen_by_later_transactions_of_that_block()
    {
        var store = await NewStoreAsync();
        var (peer, ordering) = await ManualPeerAsync(store);
        await using var _ = peer;
        var alice = new TestUser("u-alice");
        var first = alice.Register();
        var second = new TestUser("u-alice").Register(); // another key pair claiming the same id
        var dupNonce = LedgerTransaction.Create(first.Type, first.ActorId, first.Nonce, first.TimestampMs + 1, first.Payload, alice.Signing);
        var t1 = peer.SubmitAsync(first);
        await ordering.CutAsync(1);
        await t1;
        var bob = new TestUser("u-bob");
        var t2 = peer.SubmitAsync(bob.Register());
        var t3 = peer.SubmitAsync(second);
        var t4 = peer.SubmitAsync(dupNonce);
        var bobAgain = new TestUser("u-bob").Register();
        var t5 = peer.SubmitAsync(bobAgain);
        await ordering.CutAsync(4);
        var r2 = await t2;
        Assert.Equal(LedgerRejectionKind.Conflict, (await Assert.ThrowsAsync<LedgerRejectedException>(() => t3)).Kind);
        Assert.Equal(LedgerRejectionKind.Replay, (await Assert.ThrowsAsync<LedgerRejectedException>(() => t4)).Kind);
        // bob registered earlier in this same block: the second registration sees it.
        var ex5 = await Assert.ThrowsAsync<LedgerRejectedException>(() => t5);
        Assert.Equal(LedgerRejectionKind.Conflict, ex5.Kind);
        Assert.Equal(r2.BlockHeight, ex5.Receipt!.BlockHeight);
        Assert.Equal(2, peer.Head!.Height);
        Assert.Equal(5, peer.Head.TreeSize);
        var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
    }

    [Fact]
    public async Task Concurrent_submitters_share_blocks_and_stored_proofs_match_the_reference()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        var users = Enumerable.Range(0, 120).Select(i => new TestUser($"u-{i}")).ToList();
        var receipts = await Task.WhenAll(users.Select(u => Task.Run(() => peer.SubmitAsync(u.Register()))));
        Assert.All(receipts, r => Assert.Null(r.Verify(peer.PublicKey)));
        Assert.True(peer.Head!.Height < 120, $"expected group commit, got {peer.Head.Height} blocks for 120 transactions");
        Assert.Equal(120, receipts.Select(r => r.LogIndex).Distinct().Count());
        // Some more blocks so there are several historic sizes.
        foreach (var u in users.Take(6))
        {
            await peer.SubmitAsync(u.Rotate());
        }
        var head = peer.Head;
        var all = await store.GetTransactionsInRangeAsync(0, head.TreeSize);
        var leaves = all.Select(t => t.LeafHash).ToList();
        Assert.Equal(head.RootHash, Rfc6962.RootHash(leaves));
        var q = peer.Queries;
        var sizes = new List<long> { 1, 2, 3, 63, 64, 65, 100, head.TreeSize };
        for (var h = 1; h <= head.Height; h += Math.Max(1, (int)head.Height / 5))
        {
            sizes.Add((await q.GetBlockAsync(h))!.Header.TreeSize);
        }
        foreach (var size in sizes.Distinct())
        {
            Assert.Equal(Rfc6962.RootHash(leaves.Take((int)size).ToList()), await q.GetRootAsync(size));
            foreach (var index in new[] { 0, size / 2, size - 1 })
            {
                var p = (await q.GetTransactionAtAsync(index, size))!;
                Assert.Equal(Rfc6962.InclusionProof(leaves, index, size), p.InclusionProof);
                Assert.True(Rfc6962.VerifyInclusion(index, size, p.Transaction.LeafHash, p.InclusionProof, p.RootHash));
            }
            foreach (var old in new[] { 0, 1, size / 3, size })
            {
                var c = await q.GetConsistencyProofAsync(old, size);
                Assert.Equal(Rfc6962.ConsistencyProof(leaves, old, size), c.Proof);
                Assert.True(Rfc6962.VerifyConsistency(old, size, c.OldRoot, c.NewRoot, c.Proof));
            }
        }
        // By id, default size = head, with the signed head.
        var byId = (await q.GetTransactionAsync(receipts[7].TransactionId))!;
        Assert.Equal(head.TreeSize, byId.TreeSize);
        Assert.Equal(head.Hash(), byId.SignedHead!.Hash());
        Assert.True(Rfc6962.VerifyInclusion(byId.Transaction.LogIndex, byId.TreeSize, byId.Transaction.LeafHash, byId.InclusionProof, byId.SignedHead.RootHash));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => q.GetTransactionAsync(receipts[7].TransactionId, receipts[7].LogIndex));
        Assert.Null(await q.GetTransactionAsync("00"));
        var fromStore = (await q.GetReceiptAsync(receipts[3].TransactionId))!;
        Assert.Null(fromStore.Verify(peer.PublicKey));
        // A receipt survives JSON (what the CLI and SDK exchange) and still verifies.
        var json = System.Text.Json.JsonSerializer.Serialize(fromStore);
        Assert.Null(System.Text.Json.JsonSerializer.Deserialize<LedgerReceipt>(json)!.Verify(peer.PublicKey));
        var block = (await q.GetBlockAsync(receipts[0].BlockHeight))!;
        Assert.Contains(receipts[0].TransactionId, block.TransactionIds);

        // "Transactions about me": only u-5's own.
        var about = await q.GetTransactionsAboutAsync("u-5");
        Assert.Equal(2, about.Count);
        Assert.All(about, t => Assert.Equal("u-5", t.Transaction.ActorId));
        Assert.True(about[0].LogIndex > about[1].LogIndex);
    }

    [Fact]
    public async Task A_receipt_read_again_carries_its_block_as_stored_now_and_remembered_proofs_still_hold()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        var receipts = new List<LedgerReceipt>();
        foreach (var i in Enumerable.Range(0, 6))
        {
            receipts.Add(await peer.SubmitAsync(new TestUser($"u-{i}").Register()));
        }
        // Queries as a consortium peer holds them (blocks not final): the embedded peer's own remember the block too.
        var q = new LedgerQueries(store);
        var first = (await q.GetReceiptAsync(receipts[2].TransactionId))!;
        Assert.Equal(["peer-a"], first.Head.Certificate!.Select(s => s.PeerId));

        // A member's signature stored after the first read, as a consortium certificate completes after its block: the
        // transaction and its proof are remembered, the block is not, so the second read carries the signature.
        await ExecAsync(store, "INSERT INTO ledger_certificates (height, peer_id, signature) VALUES (@p0, @p1, @p2)",
            first.BlockHeight, "peer-b", System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        var again = (await q.GetReceiptAsync(receipts[2].TransactionId))!;
        Assert.Equal(["peer-b"], again.Head.Certificate!.Select(s => s.PeerId));
        // Every member's row, in member order; a member with evidence against it is left out of the certificate.
        await ExecAsync(store, "INSERT INTO ledger_certificates (height, peer_id, signature) VALUES (@p0, @p1, @p2)",
            first.BlockHeight, "peer-c", System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        Assert.Equal(["peer-b", "peer-c"], (await q.GetReceiptAsync(receipts[2].TransactionId))!.Head.Certificate!.Select(s => s.PeerId));
        await ExecAsync(store, "INSERT INTO ledger_evidence (peer_id, height, their_header_bytes, their_signature, our_header_hash, found_at_ms) VALUES (@p0, @p1, @p2, @p3, @p4, @p5)",
            "peer-b", first.BlockHeight, new byte[] { 1 }, new byte[] { 2 }, new byte[32], 0L);
        Assert.Equal(["peer-c"], (await q.GetReceiptAsync(receipts[2].TransactionId))!.Head.Certificate!.Select(s => s.PeerId));
        await ExecAsync(store, "DELETE FROM ledger_evidence");
        Assert.Equal(first.InclusionProof, again.InclusionProof);
        Assert.Equal(first.LeafHash, again.LeafHash);
        Assert.Equal(first.Head.Hash(), again.Head.Hash());

        // Later blocks change neither a receipt's block nor a consistency proof between sizes already committed.
        var size = peer.Head!.TreeSize;
        var before = await q.GetConsistencyProofAsync(2, size);
        await peer.SubmitAsync(new TestUser("u-late").Register());
        var after = await q.GetConsistencyProofAsync(2, size);
        Assert.Equal(before.Proof, after.Proof);
        Assert.True(Rfc6962.VerifyConsistency(2, size, after.OldRoot, after.NewRoot, after.Proof));
        Assert.Equal((await q.GetRootAsync(size)), after.NewRoot);
        var third = (await q.GetReceiptAsync(receipts[2].TransactionId))!;
        Assert.Equal(first.Head.TreeSize, third.Head.TreeSize);
        Assert.True(Rfc6962.VerifyInclusion(third.LogIndex, third.Head.TreeSize, third.LeafHash, third.InclusionProof, third.Head.RootHash));
        // A size the log has not reached is refused every time, whatever was asked before.
        var head = peer.Head!.TreeSize;
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => q.GetConsistencyProofAsync(2, head + 1));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => q.GetConsistencyProofAsync(2, head + 1));
    }

    [Fact]
    public async Task The_embedded_peer_remembers_a_receipts_block_and_its_receipts_still_verify()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        var early = await peer.SubmitAsync(new TestUser("e-0").Register());
        var first = (await peer.Queries.GetReceiptAsync(early.TransactionId))!;
        // A row no embedded peer ever writes (only a consortium's certifier does): the embedded peer's queries answer from
        // the block they read at first, the header its own signature certified, without reading the store again.
        await ExecAsync(store, "INSERT INTO ledger_certificates (height, peer_id, signature) VALUES (@p0, @p1, @p2)",
            first.BlockHeight, "peer-b", System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));
        var again = (await peer.Queries.GetReceiptAsync(early.TransactionId))!;
        Assert.Equal(["peer-a"], again.Head.Certificate!.Select(s => s.PeerId));
        Assert.Equal(first.Head.Hash(), again.Head.Hash());
        Assert.True(again.Head.VerifySignature(peer.PublicKey));
        Assert.True(Rfc6962.VerifyInclusion(again.LogIndex, again.Head.TreeSize, again.LeafHash, again.InclusionProof, again.Head.RootHash));
        // Queries that treat blocks as open (a consortium peer's) read the row; later blocks get receipts of their own.
        Assert.Equal(["peer-b"], (await new LedgerQueries(store).GetReceiptAsync(early.TransactionId))!.Head.Certificate!.Select(s => s.PeerId));
        var late = await peer.SubmitAsync(new TestUser("e-1").Register());
        var lateReceipt = (await peer.Queries.GetReceiptAsync(late.TransactionId))!;
        Assert.True(lateReceipt.BlockHeight > first.BlockHeight);
        Assert.Equal(late.Head.Hash(), lateReceipt.Head.Hash());
        Assert.Equal(lateReceipt.Head.Hash(), (await peer.Queries.GetReceiptAsync(late.TransactionId))!.Head.Hash());
    }

    [Fact]
    public async Task The_consistency_memo_stays_within_its_capacity_and_proofs_asked_after_it_refills_still_verify()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => peer.SubmitAsync(new TestUser($"m-{i}").Register())));
        var q = peer.Queries;
        var size = peer.Head!.TreeSize;
        var asked = 0;
        // Every pair of sizes up to the head: more pairs than the memo holds.
        for (var n = 1L; n <= size; n++)
        {
            for (var o = 0L; o <= n; o++)
            {
                var p = await q.GetConsistencyProofAsync(o, n);
                asked++;
                Assert.True(q.RememberedConsistencyProofs <= LedgerQueries.MemoCapacity, $"{q.RememberedConsistencyProofs} remembered after {asked} asked");
                if (n == size && o % 10 == 0)
                {
                    // Asked after the memo started again: computed afresh, still the log's proof.
                    Assert.True(Rfc6962.VerifyConsistency(o, n, p.OldRoot, p.NewRoot, p.Proof));
                    Assert.Equal(await q.GetRootAsync(o), p.OldRoot);
                }
            }
        }
        Assert.True(asked > LedgerQueries.MemoCapacity, $"only {asked} pairs asked");
    }

    [Fact]
    public async Task Restart_continues_the_same_chain_and_a_crash_before_commit_loses_nothing_acknowledged()
    {
        var store = await NewStoreAsync();
        var acknowledged = new List<LedgerReceipt>();
        BlockHeader firstHead;
        await using (var peer = await PeerAsync(store))
        {
            foreach (var i in Enumerable.Range(0, 5))
            {
                acknowledged.Add(await peer.SubmitAsync(new TestUser($"u-{i}").Register()));
            }
            firstHead = peer.Head!;
            var crashAt = firstHead.Height + 1;
            peer.BeforeCommit = h =>
            {
                if (h.Height == crashAt)
                {
                    throw new IOException("simulated crash between write and commit");
                }
            };
            var lost = new TestUser("u-lost").Register();
            await Assert.ThrowsAsync<InvalidOperationException>(() => peer.SubmitAsync(lost));
            Assert.Equal(firstHead.Height, peer.Head!.Height);
            Assert.Empty(await store.GetTransactionsByIdAsync(lost.Id));
            Assert.Equal(firstHead.Height, (await store.GetLatestHeaderAsync())!.Height);
            peer.BeforeCommit = null;
            // The peer keeps going after the failed block.
            acknowledged.Add(await peer.SubmitAsync(new TestUser("u-after").Register()));
        }
        await using (var again = await PeerAsync(store))
        {
            Assert.Equal(acknowledged[^1].BlockHeight, again.Head!.Height);
            var more = await again.SubmitAsync(new TestUser("u-restarted").Register());
            Assert.Equal(acknowledged[^1].BlockHeight + 1, more.BlockHeight);
            foreach (var r in acknowledged)
            {
                Assert.Null((await again.Queries.GetReceiptAsync(r.TransactionId))!.Verify(again.PublicKey));
            }
            var c = await again.Queries.GetConsistencyProofAsync(firstHead.TreeSize, again.Head.TreeSize);
            Assert.True(Rfc6962.VerifyConsistency(firstHead.TreeSize, again.Head.TreeSize, firstHead.RootHash, again.Head.RootHash, c.Proof));
            var result = await new LedgerVerifier(store, again.PeerKeys, again.Contracts).VerifyAsync();
            Assert.True(result.Ok, result.Summary);
        }
        // Start-up is idempotent: the tables already exist.
        await store.InitializeAsync();
    }

    [Fact]
    public async Task After_a_restart_every_committed_transaction_replayed_is_refused_and_state_written_before_is_read()
    {
        var store = await NewStoreAsync();
        var alice = new TestUser("u-alice");
        var registration = alice.Register();
        var others = Enumerable.Range(0, 40).Select(i => new TestUser($"u-{i}").Register()).ToList();
        await using (var peer = await PeerAsync(store))
        {
            await peer.SubmitAsync(registration);
            await Task.WhenAll(others.Select(t => peer.SubmitAsync(t)));
        }
        await using (var again = await PeerAsync(store))
        {
            // This process never saw these nonces spent: only what it rebuilt from the store refuses them.
            foreach (var tx in others.Prepend(registration))
            {
                var replay = await Assert.ThrowsAsync<LedgerRejectedException>(() => again.SubmitAsync(tx));
                Assert.Equal(LedgerRejectionKind.Replay, replay.Kind);
            }
            // A fresh nonce reads the state written before the restart: alice is already registered.
            var twice = await Assert.ThrowsAsync<LedgerRejectedException>(() => again.SubmitAsync(alice.Register()));
            Assert.Equal(LedgerRejectionKind.Conflict, twice.Kind);
            Assert.True((await again.SubmitAsync(new TestUser("u-new").Register())).Valid);
            var result = await new LedgerVerifier(store, again.PeerKeys, again.Contracts).VerifyAsync();
            Assert.True(result.Ok, result.Summary);
        }
    }

    [Fact]
    public async Task Spent_nonces_without_their_rows_yet_stay_spent_across_a_restart_and_are_written_together()
    {
        var store = await NewStoreAsync();
        var users = Enumerable.Range(0, 5).Select(i => new TestUser($"u-n{i}")).ToList();
        var first = users[0].Register();
        async Task ReplayRefusedAsync(LedgerPeer peer) =>
            Assert.Equal(LedgerRejectionKind.Replay, (await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(first))).Kind);
        const string rowCount = "SELECT COUNT(*) FROM ledger_nonces";
        const string mark = "SELECT revision FROM ledger_ordering WHERE orderer = 'nonce-rows-from'";
        await using (var peer = await PeerAsync(store, nonceRowsPerWrite: 4))
        {
            await peer.SubmitAsync(first);
            await peer.SubmitAsync(users[1].Register());
            Assert.Equal(0L, await ScalarAsync<long>(store, rowCount));
            await ReplayRefusedAsync(peer);
        }
        // A new peer rebuilds them from the transactions; the recorded replay among them spends nothing twice.
        await using (var peer = await PeerAsync(store, nonceRowsPerWrite: 4))
        {
            await ReplayRefusedAsync(peer);
            await peer.SubmitAsync(users[2].Register());
            Assert.Equal(0L, await ScalarAsync<long>(store, rowCount));
            await peer.SubmitAsync(users[3].Register());
            // The fourth spent nonce: all four rows and the mark at the end of that block, in one transaction.
            Assert.Equal(4L, await ScalarAsync<long>(store, rowCount));
            Assert.Equal(peer.Head!.TreeSize, await ScalarAsync<long>(store, mark));
            await ReplayRefusedAsync(peer);
            await peer.SubmitAsync(users[4].Register());
            var clean = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
            Assert.True(clean.Ok, clean.Summary);
            await peer.StopAsync();

            // A mark that claims rows nobody wrote (users[4]'s nonce has none yet) is caught.
            await ExecAsync(store, "UPDATE ledger_ordering SET revision = 1000000 WHERE orderer = 'nonce-rows-from'");
            var tampered = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
            Assert.False(tampered.Ok);
            Assert.Contains("1 nonce rows are missing", tampered.Summary, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Transactions_without_their_index_rows_yet_are_found_by_id_and_subject_across_a_restart_and_indexed_together()
    {
        var store = await NewStoreAsync();
        var alice = new TestUser("u-ix-alice");
        var bob = new TestUser("u-ix-bob");
        const string idRows = "SELECT COUNT(*) FROM ledger_tx_ids";
        const string subjectRows = "SELECT COUNT(*) FROM ledger_subjects";
        const string mark = "SELECT revision FROM ledger_ordering WHERE orderer = 'index-rows-from'";
        var aliceTxs = new List<LedgerTransaction>();
        async Task<long> SubmitAsync(LedgerPeer peer, LedgerTransaction tx, TestUser? about = null)
        {
            if (about == alice)
            {
                aliceTxs.Add(tx);
            }
            return (await peer.SubmitAsync(tx)).LogIndex;
        }
        // What a patient's "about me" page and a receipt lookup see, newest first, paged two at a time.
        async Task AssertFoundAsync(LedgerPeer? peer)
        {
            foreach (var tx in aliceTxs)
            {
                var byId = await store.GetTransactionsByIdAsync(tx.Id);
                Assert.Equal(tx.Id, Assert.Single(byId).Id);
            }
            var pages = new List<string>();
            var before = long.MaxValue;
            while (true)
            {
                var page = await store.GetTransactionsBySubjectAsync(alice.Id, before, 2);
                pages.AddRange(page.Select(t => t.Id));
                if (page.Count < 2)
                {
                    break;
                }
                before = page[^1].LogIndex;
            }
            Assert.Equal(aliceTxs.Select(t => t.Id).Reverse(), pages);
            var searched = await store.SearchTransactionsAsync(new TransactionFilter(Subject: alice.Id), long.MaxValue, 100);
            Assert.Equal(aliceTxs.Select(t => t.Id).Reverse(), searched.Select(t => t.Id));
            Assert.Empty(await store.GetTransactionsByIdAsync("no-such-id"));
            if (peer is not null)
            {
                Assert.Equal(aliceTxs.Select(t => t.Id).Reverse(), (await peer.Queries.GetTransactionsAboutAsync(alice.Id, null, 50)).Select(t => t.Id));
            }
        }

        await using (var peer = await PeerAsync(store, indexRowsPerWrite: 5))
        {
            await SubmitAsync(peer, alice.Register(), alice);
            await SubmitAsync(peer, bob.Register());
            await SubmitAsync(peer, alice.Rotate(), alice);
            Assert.Equal(0L, await ScalarAsync<long>(store, idRows));
            Assert.Equal(0L, await ScalarAsync<long>(store, subjectRows));
            await AssertFoundAsync(peer);
        }
        // No writer in this process now: the same lookups scan the rows past the mark (what another process does).
        await AssertFoundAsync(null);
        var verified = await new LedgerVerifier(store, new Dictionary<string, byte[]> { ["peer-a"] = LedgerCrypto.PublicKeyFromPrivate(_peerKey) }, ContractRegistry.WithIdentity()).VerifyAsync();
        Assert.True(verified.Ok, verified.Summary);

        // A new peer rebuilds the tail from the rows' subjects column.
        await using (var peer = await PeerAsync(store, indexRowsPerWrite: 5))
        {
            var size = peer.Head!.TreeSize;
            await AssertFoundAsync(peer);
            Assert.Equal(0L, await ScalarAsync<long>(store, idRows));
            while (peer.Head!.TreeSize < 5)
            {
                await SubmitAsync(peer, alice.Rotate(), alice);
            }
            // Five committed without rows make a batch; the next block writes all their rows and moves the mark past them.
            Assert.Equal(0L, await ScalarAsync<long>(store, idRows));
            await SubmitAsync(peer, alice.Rotate(), alice);
            Assert.Equal(5L, await ScalarAsync<long>(store, mark));
            Assert.Equal(5L, await ScalarAsync<long>(store, idRows));
            Assert.True(await ScalarAsync<long>(store, subjectRows) >= 5);
            // One more past the new mark: the pages now cross from memory into the index.
            await SubmitAsync(peer, alice.Rotate(), alice);
            Assert.True(size < peer.Head!.TreeSize);
            await AssertFoundAsync(peer);
            var clean = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
            Assert.True(clean.Ok, clean.Summary);
            await peer.StopAsync();
        }
        await AssertFoundAsync(null);

        // A mark that claims rows nobody wrote is caught (the last transaction has none yet).
        await ExecAsync(store, "UPDATE ledger_ordering SET revision = 1000000 WHERE orderer = 'index-rows-from'");
        var tampered = await new LedgerVerifier(store, new Dictionary<string, byte[]> { ["peer-a"] = LedgerCrypto.PublicKeyFromPrivate(_peerKey) }, ContractRegistry.WithIdentity()).VerifyAsync();
        Assert.False(tampered.Ok);
        Assert.Contains("the subject index (ledger_subjects", tampered.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_index_batch_is_written_one_key_range_per_block_and_one_cut_short_by_a_restart_is_written_again()
    {
        var store = await NewStoreAsync();
        var users = Enumerable.Range(0, 11).Select(i => new TestUser($"u-chunk{i}")).ToList();
        var txs = users.Select(u => u.Register()).ToList();
        const string idRows = "SELECT COUNT(*) FROM ledger_tx_ids";
        const string mark = "SELECT revision FROM ledger_ordering WHERE orderer = 'index-rows-from'";
        async Task AssertFoundAsync(int count)
        {
            for (var i = 0; i < txs.Count; i++)
            {
                Assert.Equal(i < count ? 1 : 0, (await store.GetTransactionsByIdAsync(txs[i].Id)).Count);
                Assert.Equal(i < count ? 1 : 0, (await store.GetTransactionsBySubjectAsync(users[i].Id, long.MaxValue, 10)).Count);
                Assert.Equal(i < count ? 1 : 0, (await store.SearchTransactionsAsync(new TransactionFilter(Subject: users[i].Id), long.MaxValue, 10)).Count);
            }
        }
        await using (var peer = await PeerAsync(store, indexRowsPerWrite: 6, indexChunk: 2))
        {
            foreach (var tx in txs.Take(6))
            {
                await peer.SubmitAsync(tx);
            }
            Assert.Equal(6, peer.Head!.TreeSize);
            // Six committed make a batch of three key ranges; the next block writes the first.
            Assert.Equal(0L, await ScalarAsync<long>(store, idRows));
            await peer.SubmitAsync(txs[6]);
            Assert.Equal(0L, await ScalarAsync<long>(store, mark));
            Assert.Equal(2L, await ScalarAsync<long>(store, idRows));
            await AssertFoundAsync(7);
            var midway = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
            Assert.True(midway.Ok, midway.Summary);
        }
        // Restarted with the batch cut short: its rows past the mark are ignored, and the next batch writes them again.
        await AssertFoundAsync(7);
        await using (var peer = await PeerAsync(store, indexRowsPerWrite: 6, indexChunk: 2))
        {
            await AssertFoundAsync(7);
            // A batch of the seven in four ranges: the mark moves with the block that writes the fourth.
            await peer.SubmitAsync(txs[7]);
            await peer.SubmitAsync(txs[8]);
            await peer.SubmitAsync(txs[9]);
            Assert.Equal(0L, await ScalarAsync<long>(store, mark));
            await AssertFoundAsync(10);
            await peer.SubmitAsync(txs[10]);
            Assert.Equal(7L, await ScalarAsync<long>(store, mark));
            Assert.Equal(7L, await ScalarAsync<long>(store, idRows));
            await AssertFoundAsync(11);
            var clean = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
            Assert.True(clean.Ok, clean.Summary);
        }
        await AssertFoundAsync(11);
    }

    [Fact]
    public async Task A_subject_search_for_two_names_with_a_space_between_matches_no_transaction_mentioning_both()
    {
        var store = await NewStoreAsync();
        var alice = new TestUser("u-sp-alice");
        await using (var peer = await PeerAsync(store))
        {
            await peer.SubmitAsync(alice.Register());
            // Peer-signed: its subjects column is " peer:peer-a u-sp-alice ".
            await peer.SubmitAsync(peer.CreateSystemTransaction(StandingContract.TypeName, new Dictionary<string, string>
            {
                ["subjectId"] = alice.Id, ["standing"] = StandingContract.Active,
            }));
            await AssertAsync();
        }
        // Without the writer the rows' subjects column is searched: still only whole names.
        await AssertAsync();

        async Task AssertAsync()
        {
            Assert.Equal(2, (await store.SearchTransactionsAsync(new TransactionFilter(Subject: alice.Id), long.MaxValue, 10)).Count);
            foreach (var crafted in new[] { "peer:peer-a " + alice.Id, "peer:peer-a u-sp", " ", "" })
            {
                Assert.Empty(await store.SearchTransactionsAsync(new TransactionFilter(Subject: crafted), long.MaxValue, 10));
                Assert.Empty(await store.GetTransactionsBySubjectAsync(crafted, long.MaxValue, 10));
            }
        }
    }

    [Fact]
    public async Task Index_rows_written_with_a_block_that_fails_to_commit_are_written_again_with_the_next_batch()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store, indexRowsPerWrite: 2);
        var first = new TestUser("u-ib0").Register();
        var second = new TestUser("u-ib1").Register();
        var third = new TestUser("u-ib2").Register();
        var fourth = new TestUser("u-ib3").Register();
        await peer.SubmitAsync(first);
        // The second block fails: nothing of it is found, and it starts no batch.
        await SubmitWithFailedCommitAsync(peer, second);
        // Between the failed COMMIT and the next block the writer is replaced; the committed one is still found.
        Assert.Equal(first.Id, Assert.Single(await store.GetTransactionsByIdAsync(first.Id)).Id);
        Assert.Empty(await store.GetTransactionsByIdAsync(second.Id));
        Assert.True((await peer.SubmitAsync(second)).Valid);
        // Two committed make a batch; the block that takes it up fails, so its rows are not there either.
        await SubmitWithFailedCommitAsync(peer, third);
        Assert.Equal(0L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM ledger_tx_ids"));
        Assert.Equal(0L, await ScalarAsync<long>(store, "SELECT revision FROM ledger_ordering WHERE orderer = 'index-rows-from'"));
        // The next block writes them: the replaced writer found the batch due from the committed transactions.
        Assert.True((await peer.SubmitAsync(third)).Valid);
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM ledger_tx_ids"));
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT revision FROM ledger_ordering WHERE orderer = 'index-rows-from'"));
        Assert.True((await peer.SubmitAsync(fourth)).Valid);
        foreach (var tx in new[] { first, second, third, fourth })
        {
            Assert.Equal(tx.Id, Assert.Single(await store.GetTransactionsByIdAsync(tx.Id)).Id);
        }
        var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
    }

    [Fact]
    public async Task A_ledger_from_before_index_rows_were_batched_moves_its_ids_to_their_table_and_keeps_every_lookup()
    {
        var store = await NewStoreAsync();
        var users = Enumerable.Range(0, 4).Select(i => new TestUser($"u-old{i}")).ToList();
        var txs = users.Select(u => u.Register()).ToList();
        await using (var peer = await PeerAsync(store, indexRowsPerWrite: 1))
        {
            foreach (var tx in txs)
            {
                await peer.SubmitAsync(tx);
            }
        }
        // What the previous version left: every subject row, ids indexed on ledger_transactions, no ledger_tx_ids rows,
        // no mark, no column. (A registration's only subject is its actor; the last batch's rows were not written yet.)
        var indexed = await ScalarAsync<long>(store, "SELECT revision FROM ledger_ordering WHERE orderer = 'index-rows-from'");
        foreach (var tx in txs.Skip((int)indexed))
        {
            await ExecAsync(store, "INSERT INTO ledger_subjects (subject, log_index) VALUES (@p0, @p1)", tx.ActorId, (long)txs.IndexOf(tx));
        }
        await ExecAsync(store, "DELETE FROM ledger_tx_ids");
        await ExecAsync(store, "DELETE FROM ledger_ordering WHERE orderer = 'index-rows-from'");
        await ExecAsync(store, "ALTER TABLE ledger_transactions DROP COLUMN subjects");
        await ExecAsync(store, "CREATE INDEX ix_ledger_transactions_tx_id ON ledger_transactions (tx_id)");

        await using (var peer = await PeerAsync(store, indexRowsPerWrite: 3))
        {
            Assert.Equal(peer.Head!.TreeSize, await ScalarAsync<long>(store, "SELECT revision FROM ledger_ordering WHERE orderer = 'index-rows-from'"));
            Assert.Equal(peer.Head!.TreeSize, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM ledger_tx_ids"));
            var later = new TestUser("u-new").Register();
            await peer.SubmitAsync(later);
            foreach (var tx in txs.Append(later))
            {
                Assert.Equal(tx.Id, Assert.Single(await store.GetTransactionsByIdAsync(tx.Id)).Id);
                Assert.Equal(tx.Id, Assert.Single(await store.GetTransactionsBySubjectAsync(tx.ActorId, long.MaxValue, 10)).Id);
            }
            var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
            Assert.True(result.Ok, result.Summary);
        }
    }

    [Fact]
    public async Task A_ledger_whose_merkle_nodes_are_keyed_by_level_moves_them_to_append_order_and_every_proof_still_verifies()
    {
        var store = await NewStoreAsync();
        var txs = Enumerable.Range(0, 11).Select(i => new TestUser($"u-tree{i}").Register()).ToList();
        await using (var peer = await PeerAsync(store))
        {
            foreach (var group in txs.Chunk(3))
            {
                await Task.WhenAll(group.Select(tx => peer.SubmitAsync(tx)));
            }
        }
        var nodes = await ScalarAsync<long>(store, "SELECT COUNT(*) FROM ledger_tree_nodes");
        Assert.True(nodes >= 7, $"{nodes} nodes");
        // What the previous version left: nodes keyed (level, idx) in ledger_merkle_nodes, and an index on tree_size.
        var blob = store is SqliteLedgerStore ? "BLOB" : "BYTEA";
        await ExecAsync(store, $"CREATE TABLE ledger_merkle_nodes (level BIGINT NOT NULL, idx BIGINT NOT NULL, hash {blob} NOT NULL, PRIMARY KEY (level, idx))");
        await ExecAsync(store, "INSERT INTO ledger_merkle_nodes (level, idx, hash) SELECT node & 63, (((node >> 6) + 1) >> CAST(node & 63 AS INTEGER)) - 1, hash FROM ledger_tree_nodes");
        await ExecAsync(store, "DROP TABLE ledger_tree_nodes");
        await ExecAsync(store, "CREATE INDEX ix_ledger_blocks_tree_size ON ledger_blocks (tree_size)");

        await using (var peer = await PeerAsync(store))
        {
            Assert.Equal(0L, await ScalarAsync<long>(store, store.TableExistsSql, "ledger_merkle_nodes"));
            Assert.Equal(nodes, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM ledger_tree_nodes"));
            var later = new TestUser("u-tree-later").Register();
            await peer.SubmitAsync(later);
            var head = peer.Head!;
            var leaves = new List<byte[]>();
            for (var i = 0L; i < head.TreeSize; i++)
            {
                var proof = (await peer.Queries.GetTransactionAtAsync(i, head.TreeSize))!;
                Assert.True(Rfc6962.VerifyInclusion(i, head.TreeSize, proof.Transaction.LeafHash, proof.InclusionProof, head.RootHash), $"inclusion of {i}");
                leaves.Add(proof.Transaction.LeafHash);
            }
            for (var old = 1L; old < head.TreeSize; old++)
            {
                var c = await peer.Queries.GetConsistencyProofAsync(old, head.TreeSize);
                Assert.Equal(Rfc6962.RootHash(leaves[..(int)old]), c.OldRoot);
                Assert.True(Rfc6962.VerifyConsistency(old, head.TreeSize, c.OldRoot, head.RootHash, c.Proof), $"consistency from {old}");
            }
            var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
            Assert.True(result.Ok, result.Summary);
        }
    }

    [Fact]
    public async Task A_header_is_found_by_the_tree_size_its_block_ends_at_and_no_header_by_a_size_no_block_ends_at()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        foreach (var group in Enumerable.Range(0, 12).Select(i => new TestUser($"u-size{i}").Register()).Chunk(4))
        {
            await Task.WhenAll(group.Select(tx => peer.SubmitAsync(tx)));
        }
        var headers = new List<BlockHeader>();
        for (var h = 0L; h <= peer.Head!.Height; h++)
        {
            if (await store.GetHeaderAsync(h) is { } header)
            {
                headers.Add(header);
            }
        }
        Assert.Contains(headers, h => h.TransactionCount > 1);
        for (var size = 0L; size <= peer.Head.TreeSize + 2; size++)
        {
            var expected = headers.FirstOrDefault(h => h.TreeSize == size);
            var found = await store.GetHeaderByTreeSizeAsync(size);
            Assert.Equal(expected?.Height, found?.Height);
            Assert.Equal(expected?.RootHash, found?.RootHash);
        }
    }

    [Fact]
    public async Task Nonce_rows_written_with_a_block_that_fails_to_commit_are_written_again_with_the_next_batch()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store, nonceRowsPerWrite: 2);
        var first = new TestUser("u-b0").Register();
        var second = new TestUser("u-b1").Register();
        await peer.SubmitAsync(first);
        // The second spent nonce makes the batch due: its rows go into the block that then fails.
        await SubmitWithFailedCommitAsync(peer, second);
        Assert.Equal(0L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM ledger_nonces"));
        Assert.True((await peer.SubmitAsync(second)).Valid);
        Assert.Equal(2L, await ScalarAsync<long>(store, "SELECT COUNT(*) FROM ledger_nonces"));
        Assert.Equal(peer.Head!.TreeSize, await ScalarAsync<long>(store, "SELECT revision FROM ledger_ordering WHERE orderer = 'nonce-rows-from'"));
        foreach (var replay in new[] { first, second })
        {
            Assert.Equal(LedgerRejectionKind.Replay, (await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(replay))).Kind);
        }
        var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
    }

    [Fact]
    public async Task A_transaction_whose_block_failed_to_commit_is_accepted_when_submitted_again_and_only_once()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        await peer.SubmitAsync(new TestUser("u-first").Register());
        var tx = new TestUser("u-retry").Register();
        await SubmitWithFailedCommitAsync(peer, tx);
        Assert.True((await peer.SubmitAsync(tx)).Valid);
        var replay = await Assert.ThrowsAsync<LedgerRejectedException>(() => peer.SubmitAsync(tx));
        Assert.Equal(LedgerRejectionKind.Replay, replay.Kind);
    }

    /// <summary>Puts "text" under the note's key, or deletes the key when the transaction carries no text.</summary>
    private sealed class NoteContract : LedgerContract
    {
        public override string Type => "test.note";

        public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context) => null;

        public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
        {
            var key = "test/note/" + tx.Get("noteId");
            if (tx.Get("text") is { } text)
            {
                state.Put(key, text);
            }
            else
            {
                state.Delete(key);
            }
        }
    }

    [Fact]
    public async Task A_state_key_deleted_in_a_later_block_reads_as_absent_and_the_chain_verifies()
    {
        var store = await NewStoreAsync();
        await using var peer = new LedgerPeer(store, _peerKey, Options(), ContractRegistry.WithIdentity().Add(new NoteContract()));
        await peer.StartAsync();
        var alice = new TestUser("u-alice");
        await peer.SubmitAsync(alice.Register());
        await peer.SubmitAsync(alice.Tx("test.note", new() { ["noteId"] = "n1", ["text"] = "first" }));
        await peer.SubmitAsync(alice.Tx("test.note", new() { ["noteId"] = "n2", ["text"] = "kept" }));
        Assert.Equal("first", await store.GetStateAsync("test/note/n1"));
        await peer.SubmitAsync(alice.Tx("test.note", new() { ["noteId"] = "n1" }));
        Assert.Null(await store.GetStateAsync("test/note/n1"));
        Assert.Equal("kept", await store.GetStateAsync("test/note/n2"));
        await peer.SubmitAsync(alice.Tx("test.note", new() { ["noteId"] = "n1", ["text"] = "again" }));
        Assert.Equal("again", await store.GetStateAsync("test/note/n1"));
        var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
    }

    [Fact]
    public async Task A_commit_with_unknown_outcome_is_reconciled_from_the_store()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        await peer.SubmitAsync(new TestUser("u-0").Register());
        peer.AfterCommit = _ => throw new IOException("connection lost while COMMIT was acknowledged");
        var landed = new TestUser("u-1").Register();
        await Assert.ThrowsAsync<InvalidOperationException>(() => peer.SubmitAsync(landed));
        peer.AfterCommit = null;
        // It did land; the next block must follow it rather than collide with it.
        Assert.NotNull(await peer.Queries.GetReceiptAsync(landed.Id));
        var next = await peer.SubmitAsync(new TestUser("u-2").Register());
        Assert.Equal(3, next.BlockHeight);
        Assert.Equal(2, next.LogIndex);
        Assert.Null(next.Verify(peer.PublicKey));
        var result = await new LedgerVerifier(store, peer.PeerKeys, peer.Contracts).VerifyAsync();
        Assert.True(result.Ok, result.Summary);
    }

    /// <summary>Three blocks: [alice, bob], [alice rotates, peer records alice's standing], [bob again (invalid), carol].</summary>
    private async Task<(LedgerStore Store, LedgerPeer Peer)> ThreeBlocksAsync()
    {
        var store = await NewStoreAsync();
        // Every block writes its nonce and index rows, so the tampering cases below can delete them.
        var (peer, ordering) = await ManualPeerAsync(store, nonceRowsPerWrite: 1, indexRowsPerWrite: 1);
        var alice = new TestUser("u-alice");
        var bob = new TestUser("u-bob");
        async Task Block(params LedgerTransaction[] txs)
        {
            var tasks = txs.Select(t => peer.SubmitAsync(t)).ToList();
            await ordering.CutAsync(txs.Length);
            foreach (var t in tasks)
            {
                try
                {
                    await t;
                }
                catch (LedgerRejectedException)
                {
                }
            }
        }
        await Block(alice.Register(), bob.Register());
        // A peer-signed system event (organization verifications need an admin's own signature now).
        await Block(alice.Rotate(), peer.CreateSystemTransaction(StandingContract.TypeName, new Dictionary<string, string>
        {
            ["subjectId"] = "u-alice", ["standing"] = StandingContract.Active,
        }));
        await Block(new TestUser("u-bob").Register(), new TestUser("u-carol").Register());
        return (store, peer);
    }

    public static TheoryData<string, string> Tampering => new()
    {
        { "tx-bytes", "transaction 1 " },
        { "tx-signature", "signature does not verify" },
        { "tx-verdict", "leaf hash does not match" },
        { "tx-column", "indexed columns" },
        { "header", "block 2: stored header hash" },
        { "header-and-hash", "block 2: header signature" },
        { "block-signature", "block 2: header signature does not verify" },
        { "deleted-block", "block 2 is missing" },
        { "reordered-pair", "block 1: Merkle root does not match" },
        { "state-row", "state row 'identity/user/u-alice/role'" },
        { "state-row-added", "state row 'identity/user/u-mallory/role'" },
        { "nonce-deleted", "nonce rows are missing" },
        { "merkle-node", "Merkle nodes at level 1" },
        { "merkle-node-key", "Merkle node key 257 names no perfect subtree" },
        { "subject-deleted", "subject index" },
        { "tx-id-deleted", "transaction id index (ledger_tx_ids, 3 rows below the index mark, expected 4)" },
        { "tx-id-added", "transaction id index (ledger_tx_ids) has a row" },
        { "subjects-column", "transaction 2 (id " },
    };

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task Verifier_names_the_first_tampered_item(string tamper, string expected)
    {
        var (store, peer) = await ThreeBlocksAsync();
        await using var _ = peer;
        var verifier = new LedgerVerifier(store, peer.PeerKeys, peer.Contracts);
        var clean = await verifier.VerifyAsync();
        Assert.True(clean.Ok, clean.Summary);
        Assert.Contains("3 blocks, 6 transactions (1 recorded invalid)", clean.Summary);
        await peer.StopAsync();

        switch (tamper)
        {
            case "tx-bytes":
                var bytes = await ScalarAsync<byte[]>(store, "SELECT tx_bytes FROM ledger_transactions WHERE log_index = 1");
                bytes[^1] ^= 0x01; // last character of the last payload value (the role)
                await ExecAsync(store, "UPDATE ledger_transactions SET tx_bytes = @p0 WHERE log_index = 1", bytes);
                break;
            case "tx-signature":
                var sig = await ScalarAsync<byte[]>(store, "SELECT signature FROM ledger_transactions WHERE log_index = 3");
                sig[5] ^= 0x40;
                await ExecAsync(store, "UPDATE ledger_transactions SET signature = @p0 WHERE log_index = 3", sig);
                break;
            case "tx-verdict":
                await ExecAsync(store, "UPDATE ledger_transactions SET valid = 1, reason = NULL WHERE log_index = 4");
                break;
            case "tx-column":
                await ExecAsync(store, "UPDATE ledger_transactions SET actor_id = 'u-mallory' WHERE log_index = 0");
                break;
            case "header":
                await ExecAsync(store, "UPDATE ledger_blocks SET time_ms = time_ms + 1 WHERE height = 2");
                break;
            case "header-and-hash":
                // A forger who also recomputes the stored hash still cannot sign.
                var h = (await store.GetHeaderAsync(2))!;
                var forged = h with { TimeMs = h.TimeMs + 1 };
                await ExecAsync(store, "UPDATE ledger_blocks SET time_ms = @p0, header_hash = @p1 WHERE height = 2", forged.TimeMs, forged.Hash());
                break;
            case "block-signature":
                var bsig = await ScalarAsync<byte[]>(store, "SELECT signature FROM ledger_blocks WHERE height = 2");
                bsig[^1] ^= 0x01;
                await ExecAsync(store, "UPDATE ledger_blocks SET signature = @p0 WHERE height = 2", bsig);
                break;
            case "deleted-block":
                await ExecAsync(store, "DELETE FROM ledger_blocks WHERE height = 2");
                break;
            case "reordered-pair":
                await ExecAsync(store, "UPDATE ledger_transactions SET log_index = -1 WHERE log_index = 0");
                await ExecAsync(store, "UPDATE ledger_transactions SET log_index = 0 WHERE log_index = 1");
                await ExecAsync(store, "UPDATE ledger_transactions SET log_index = 1 WHERE log_index = -1");
                break;
            case "state-row":
                await ExecAsync(store, "UPDATE ledger_state SET state_value = 'PlatformAdmin' WHERE state_key = 'identity/user/u-alice/role'");
                break;
            case "state-row-added":
                await ExecAsync(store, "INSERT INTO ledger_state (state_key, state_value, height) VALUES ('identity/user/u-mallory/role', 'PlatformAdmin', 3)");
                break;
            case "nonce-deleted":
                await ExecAsync(store, "DELETE FROM ledger_nonces WHERE actor_id = 'u-bob'");
                break;
            case "subject-deleted":
                await ExecAsync(store, "DELETE FROM ledger_subjects WHERE subject = 'u-alice' AND log_index = 2");
                break;
            case "tx-id-deleted":
                await ExecAsync(store, "DELETE FROM ledger_tx_ids WHERE log_index = 2");
                break;
            case "tx-id-added":
                // A row past the mark that names a transaction nobody committed there (it would be found by that id).
                await ExecAsync(store, "INSERT INTO ledger_tx_ids (tx_key, log_index) VALUES (42, 1000)");
                break;
            case "subjects-column":
                // What "about me" lookups read before the rows are indexed: a subject taken out of the stored column.
                await ExecAsync(store, "UPDATE ledger_transactions SET subjects = ' ' WHERE log_index = 2");
                break;
            case "merkle-node":
                await ExecAsync(store, "UPDATE ledger_tree_nodes SET hash = @p0 WHERE node = @p1", new byte[32], new MerkleNodeKey(1, 0).StoreKey);
                break;
            case "merkle-node-key":
                // Last leaf 4, level 1: no pair ends at leaf 4, so no proof could ever ask for it.
                await ExecAsync(store, "INSERT INTO ledger_tree_nodes (node, hash) VALUES (@p0, @p1)", 4L * 64 + 1, new byte[32]);
                break;
            default:
                throw new ArgumentException(tamper);
        }
        var result = await verifier.VerifyAsync();
        Assert.False(result.Ok, tamper);
        Assert.Contains(expected, result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receipts_fail_verification_when_any_part_is_altered()
    {
        var store = await NewStoreAsync();
        await using var peer = await PeerAsync(store);
        var users = Enumerable.Range(0, 9).Select(i => new TestUser($"u-{i}")).ToList();
        var receipts = await Task.WhenAll(users.Select(u => peer.SubmitAsync(u.Register())));
        var r = receipts.OrderBy(x => x.LogIndex).ElementAt(4);
        Assert.Null(r.Verify(peer.PublicKey));
        var other = receipts.First(x => x.TransactionId != r.TransactionId);
        var flipped = (byte[])r.LeafHash.Clone();
        flipped[0] ^= 1;
        var badProof = r.InclusionProof.Select(p => (byte[])p.Clone()).ToList();
        if (badProof.Count > 0)
        {
            badProof[0][3] ^= 1;
        }
        var altered = new List<LedgerReceipt>
        {
            r with { LeafHash = flipped },
            r with { Valid = false },
            r with { LogIndex = r.LogIndex + 1 },
            r with { TransactionId = other.TransactionId },
            r with { TransactionBytes = other.TransactionBytes, TransactionSignature = other.TransactionSignature },
            r with { Head = r.Head with { RootHash = flipped } },
            r with { Head = other.Head.Height == r.Head.Height ? r.Head with { TimeMs = r.Head.TimeMs + 1 } : other.Head },
            r with { TransactionBytes = [.. r.TransactionBytes, 0] },
            r with { InclusionProof = null! },
        };
        if (badProof.Count > 0)
        {
            altered.Add(r with { InclusionProof = badProof });
        }
        foreach (var a in altered)
        {
            Assert.NotNull(a.Verify(peer.PublicKey));
        }
    }

    [Fact]
    public async Task Verifier_reports_failed_anchor_checks()
    {
        var (store, peer) = await ThreeBlocksAsync();
        await using var _ = peer;
        var carol = (await peer.Queries.GetTransactionsAboutAsync("u-carol")).Single();
        var verifier = new LedgerVerifier(store, peer.PeerKeys, peer.Contracts,
            tx => tx.ActorId == "u-carol" ? "blob for key bundle missing" : null);
        var result = await verifier.VerifyAsync();
        Assert.False(result.Ok);
        Assert.Equal(carol.LogIndex, result.LogIndex);
        Assert.Contains("blob for key bundle missing", result.Summary, StringComparison.Ordinal);
    }
}

public sealed class SqliteLedgerTests : LedgerScenarios, IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-ledger-" + Guid.NewGuid().ToString("N")[..10]);

    protected override async Task<LedgerStore> NewStoreAsync()
    {
        Directory.CreateDirectory(_dir);
        var path = _lastPath = Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + ".db");
        // The application's EF Core owns other tables in the same file.
        await using (var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "CREATE TABLE app_users (id TEXT PRIMARY KEY); INSERT INTO app_users VALUES ('x');";
            await cmd.ExecuteNonQueryAsync();
        }
        return LedgerStore.Sqlite($"Data Source={path}");
    }

    [Fact]
    public async Task Blocks_respect_the_size_limit_and_commit_while_the_application_writes_the_same_file()
    {
        var store = await NewStoreAsync();
        var options = new LedgerOptions { PeerId = "peer-a", MaxBlockTransactions = 10 };
        await using var peer = new LedgerPeer(store, LedgerCrypto.GenerateKeyPair().PrivateKey, options);
        await peer.StartAsync();
        var path = _lastPath!;
        // Another connection (as EF Core would) holds the write lock for a while; the ledger waits, not fails.
        await using var app = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path}");
        await app.OpenAsync();
        await using (var begin = app.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE; INSERT INTO app_users VALUES ('y');";
            await begin.ExecuteNonQueryAsync();
        }
        var submissions = Enumerable.Range(0, 60).Select(i => Task.Run(() => peer.SubmitAsync(new TestUser($"u-{i}").Register()))).ToList();
        await Task.Delay(300);
        Assert.All(submissions, t => Assert.False(t.IsCompleted));
        await using (var commit = app.CreateCommand())
        {
            commit.CommandText = "COMMIT";
            await commit.ExecuteNonQueryAsync();
        }
        var receipts = await Task.WhenAll(submissions);
        Assert.Equal(60, peer.Head!.TreeSize);
        for (var h = 1; h <= peer.Head.Height; h++)
        {
            Assert.InRange((await peer.Queries.GetBlockAsync(h))!.Header.TransactionCount, 1, 10);
        }
        Assert.All(receipts, r => Assert.Null(r.Verify(peer.PublicKey)));
    }

    [Fact]
    public async Task Committed_blocks_reach_the_database_file_through_the_background_checkpoint()
    {
        var store = await NewStoreAsync();
        var path = _lastPath!;
        await using var peer = new LedgerPeer(store, LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions { PeerId = "peer-a" });
        await peer.StartAsync();
        foreach (var i in Enumerable.Range(0, 20))
        {
            await peer.SubmitAsync(new TestUser($"u-{i}").Register());
        }
        // The committer's connection never checkpoints (and 20 small blocks are far below any automatic
        // threshold), so the rows can only be in the main file (not just the log) if the background
        // checkpointer copied them. A copy of the main file alone shows what is there.
        var copy = Path.Combine(_dir, "main-file-only.db");
        var inMainFile = 0L;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (inMainFile < 20 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            File.Copy(path, copy, overwrite: true);
            try
            {
                await using var c = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={copy};Pooling=False");
                await c.OpenAsync();
                await using var cmd = c.CreateCommand();
                cmd.CommandText = "SELECT count(*) FROM ledger_transactions";
                inMainFile = (long)(await cmd.ExecuteScalarAsync())!;
            }
            catch (Microsoft.Data.Sqlite.SqliteException)
            {
                // Copied before the tables reached the file, or mid-checkpoint: look again.
            }
        }
        Assert.Equal(20, inMainFile);
        Assert.True(peer.CheckpointsDone > 0);
    }

    [Fact]
    public async Task A_log_written_while_a_background_checkpoint_ran_starts_again_from_its_beginning_after_the_committer_catches_up()
    {
        var store = await NewStoreAsync();
        var wal = _lastPath! + "-wal";
        await using var writer = store.Open(writer: true);
        void Write(int i)
        {
            using var tx = writer.BeginTransaction();
            using var cmd = writer.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = $"INSERT INTO app_users VALUES ('u-{i}-{new string('x', 3000)}')";
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
        // The WAL header's checkpoint sequence number goes up each time SQLite starts the log again (fileformat.html).
        int Restarts()
        {
            using var f = new FileStream(wal, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var header = new byte[16];
            f.ReadExactly(header);
            return System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(12));
        }
        for (var i = 0; i < 20; i++)
        {
            Write(i);
        }
        var before = Restarts();
        // Under load blocks commit while the background checkpoint copies, so it ends short of the log's end. A reader's
        // snapshot taken before two more blocks holds it back there the same way here.
        await using (var reader = store.Open())
        {
            await using var snapshot = ((Microsoft.Data.Sqlite.SqliteConnection)reader).BeginTransaction(deferred: true);
            await using (var read = reader.CreateCommand())
            {
                read.Transaction = snapshot;
                read.CommandText = "SELECT COUNT(*) FROM app_users";
                Assert.Equal(21L, (long)(await read.ExecuteScalarAsync())!);
            }
            Write(100);
            Write(101);
            // Held back by two blocks' frames: few enough for the committer to copy between two blocks.
            Assert.True(store.Checkpoint());
        }
        Write(103);
        Assert.Equal(before, Restarts());
        var grown = new FileInfo(wal).Length;

        store.CatchUpCheckpoint(writer);
        Write(102);
        Assert.Equal(before + 1, Restarts());
        Assert.Equal(grown, new FileInfo(wal).Length);

        // A reader that holds the checkpoint back by more than CatchUpFrames: the committer is not asked to copy the rest
        // (that could stall a block for as long as the background copy takes).
        await using (var reader = store.Open())
        {
            await using var snapshot = ((Microsoft.Data.Sqlite.SqliteConnection)reader).BeginTransaction(deferred: true);
            await using (var read = reader.CreateCommand())
            {
                read.Transaction = snapshot;
                read.CommandText = "SELECT COUNT(*) FROM app_users";
                await read.ExecuteScalarAsync();
            }
            using (var tx = writer.BeginTransaction())
            {
                using var cmd = writer.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200) " +
                    "INSERT INTO app_users SELECT 'bulk-' || i || '-' || hex(zeroblob(1500)) FROM n";
                cmd.ExecuteNonQuery();
                tx.Commit();
            }
            Assert.False(store.Checkpoint());
        }
        await writer.DisposeAsync();

        // Through the peer: a completed background round makes the committer catch up after its next block.
        await using var peer = new LedgerPeer(store, LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions { PeerId = "peer-a" });
        await peer.StartAsync();
        var n = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (peer.CatchUpCheckpointsDone == 0 && DateTime.UtcNow < deadline)
        {
            await peer.SubmitAsync(new TestUser($"u-catch-{n++}").Register());
            await Task.Delay(20);
        }
        Assert.True(peer.CatchUpCheckpointsDone > 0, $"{peer.CheckpointsDone} background checkpoints, {n} blocks, no catch-up");
    }

    private string? _lastPath;

    private sealed class BrokenOrdering : MedLedger.Ledger.Ordering.IOrderingService
    {
        private readonly TaskCompletionSource _enqueued = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask EnqueueAsync(LedgerTransaction transaction, CancellationToken ct)
        {
            _enqueued.TrySetResult();
            return ValueTask.CompletedTask;
        }

        public async IAsyncEnumerable<MedLedger.Ledger.Ordering.OrderedBatch> ReadBatchesAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
        {
            await _enqueued.Task;
            await Task.Yield();
            throw new IOException("orderer connection lost");
#pragma warning disable CS0162 // an iterator needs a yield to be one
            yield break;
#pragma warning restore CS0162
        }

        public void Complete() { }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public async Task A_failing_orderer_fails_submitters_instead_of_hanging_them()
    {
        var store = await NewStoreAsync();
        await using var peer = new LedgerPeer(store, LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions(), null, new BrokenOrdering());
        await peer.StartAsync();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => peer.SubmitAsync(new TestUser("u-1").Register()).WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.Contains("ordering service failed", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => peer.SubmitAsync(new TestUser("u-2").Register()));
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

[Collection("postgres")]
public sealed class PostgresLedgerTests(PostgresFixture fixture) : LedgerScenarios
{
    protected override async Task<LedgerStore> NewStoreAsync() =>
        LedgerStore.Postgres(await fixture.Cluster.CreateDatabaseAsync("ledger_" + Guid.NewGuid().ToString("N")[..12]));
}

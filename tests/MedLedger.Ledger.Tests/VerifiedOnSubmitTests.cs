using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// A peer on a shared orderer checks a transaction's signature on submit and does not check it again when the orderer
/// hands the same signed bytes back (LedgerPeer.VerifiedOnSubmit) — but anything else the orderer delivers under that
/// id is checked as before.
/// </summary>
public sealed class VerifiedOnSubmitTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "medledger-onsubmit-" + Guid.NewGuid().ToString("N")[..10]);

    public VerifiedOnSubmitTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }

    private LedgerPeer NewPeer(ManualOrdering ordering) =>
        new(LedgerStore.Sqlite($"Data Source={Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + ".db")}"),
            LedgerCrypto.GenerateKeyPair().PrivateKey, new LedgerOptions { PeerId = "peer-a" }, ContractRegistry.WithIdentity(), ordering);

    [Fact]
    public async Task Transactions_handed_back_unchanged_commit_without_a_second_signature_check()
    {
        var ordering = new ManualOrdering();
        await using var peer = NewPeer(ordering);
        await peer.StartAsync();
        var users = Enumerable.Range(0, 3).Select(i => new TestUser($"s-{i}")).ToList();

        var submitted = users.Select(u => peer.SubmitAsync(u.Register())).ToList();
        await ordering.CutAsync(3);
        var receipts = await Task.WhenAll(submitted);

        Assert.All(receipts, r => Assert.True(r.Valid));
        Assert.Equal(3, peer.SubmitVerificationsReused);
    }

    [Fact]
    public async Task A_transaction_handed_back_with_another_signature_is_checked_and_refused()
    {
        var ordering = new ManualOrdering();
        await using var peer = NewPeer(ordering);
        await peer.StartAsync();
        var honest = new TestUser("honest");
        var tx = honest.Register();
        // Same signed bytes (so the same id), a signature that does not verify: the orderer swapped it.
        var forged = tx.Signature.ToArray();
        forged[^1] ^= 0x01;
        ordering.Substitute = t => new LedgerTransaction(t.Type, t.ActorId, t.Nonce, t.TimestampMs, t.SignerPublicKey, t.Payload, forged);

        var submitted = peer.SubmitAsync(tx);
        await ordering.CutAsync(1);

        var refused = await Assert.ThrowsAsync<LedgerRejectedException>(() => submitted);
        Assert.Equal(LedgerRejectionKind.BadSignature, refused.Rejection.Kind);
        Assert.Equal(0, peer.SubmitVerificationsReused);
    }
}

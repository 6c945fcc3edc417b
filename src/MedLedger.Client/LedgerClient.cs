using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Ledger (web/src/sdk/ledger.ts): the pinned peer key, receipts, the caller's entries, key transparency, transactions signed here.

public sealed record SignedTransaction(byte[] Transaction, byte[] Signature);

public sealed record PeerInfo(string PeerId, byte[] PublicKey);

public sealed record TransactionSummary(string Id, string Type, string ActorId, long TimestampMs, bool Valid, string? Reason, long LogIndex, long BlockHeight, IReadOnlyDictionary<string, string> Payload);

public sealed record PublicKeys(Guid UserId, Role Role, byte[] SigningPublicKey, byte[] EncryptionPublicKey);

/// <summary>The ledger's current key registration for a user, with its receipt.</summary>
public sealed record RegisteredKeysResponse(Guid UserId, byte[] SigningPublicKey, byte[] EncryptionPublicKey, LedgerReceipt Receipt);

public sealed partial class MedLedgerClient
{
    private PeerInfo? _peer;
    private ConsortiumView? _consortium;

    /// <summary>The peer's public key. Fetched once per client and pinned for its lifetime (trust on first use; the CLI pins it per server).</summary>
    public async Task<PeerInfo> PeerAsync(CancellationToken ct = default) =>
        _peer ??= await SendAsync<PeerInfo>(HttpMethod.Get, "/api/ledger/peer", null, authorize: false, ct);

    /// <summary>Pins a peer key known from elsewhere (e.g. saved by an earlier session): the consortium of one.</summary>
    public void PinPeer(PeerInfo peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        _peer = peer;
        PinConsortium(ConsortiumView.Single(peer.PeerId, peer.PublicKey));
    }

    /// <summary>
    /// Ledger signatures this session has verified (heads and transactions): a receipt at a head already judged, or the
    /// same receipt twice in one answer, costs hashes instead of curve arithmetic. Only this client's own checks fill it.
    /// </summary>
    private readonly SignatureMemo _signatures = new();

    /// <summary>Checks a receipt offline against the pinned consortium: certified head, leaf, inclusion proof.</summary>
    public Task VerifyReceiptAsync(LedgerReceipt receipt, CancellationToken ct = default) => VerifyReceiptAsync(receipt, null, ct);

    /// <summary>
    /// As above, with consistency proofs the server sent along (see <c>Ledger-View-Size</c>): each is used only if it
    /// connects exactly the two sizes needed, and is checked against the signed roots like a fetched one.
    /// </summary>
    internal async Task VerifyReceiptAsync(LedgerReceipt receipt, IReadOnlyList<ConsistencyProofResult>? proofs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        if (await ReceiptErrorAsync(receipt, ct) is { } error)
        {
            throw new MedLedgerVerificationException("The ledger receipt does not verify: " + error);
        }
        // A receipt is only as good as the history its head commits to: it must agree with every head seen before.
        await AcceptHeadAsync(receipt.Head, ct, proofs);
        if (!receipt.Valid)
        {
            throw new MedLedgerVerificationException("The ledger recorded the transaction as invalid: " + receipt.Reason);
        }
    }

    /// <summary>
    /// Null when the receipt holds against the consortium view in effect at its head's height (certificate, leaf,
    /// inclusion proof), otherwise the reason; the remembered head is not consulted.
    /// </summary>
    public async Task<string?> ReceiptErrorAsync(LedgerReceipt receipt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        return receipt.Verify(await CertifyingViewAsync(receipt.Head, ct), _signatures);
    }

    public Task<IReadOnlyList<TransactionSummary>> MyLedgerEntriesAsync(int limit = 50, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<TransactionSummary>>(HttpMethod.Get, $"/api/ledger/mine?limit={limit}", null, authorize: true, ct);

    public Task<LedgerReceipt> ReceiptAsync(string transactionId, CancellationToken ct = default) =>
        SendAsync<LedgerReceipt>(HttpMethod.Get, $"/api/ledger/receipts/{transactionId}", null, authorize: true, ct);

    // ---------- key directory and key transparency ----------

    public Task<PublicKeys> GetPublicKeysAsync(Guid userId, CancellationToken ct = default) =>
        SendAsync<PublicKeys>(HttpMethod.Get, $"/api/users/{userId}/keys", null, authorize: true, ct);

    /// <summary>
    /// Public keys of someone we are about to encrypt for, checked against the ledger registration
    /// (the server could otherwise substitute its own key).
    /// </summary>
    public async Task<PublicKeys> GetVerifiedPublicKeysAsync(Guid userId, CancellationToken ct = default)
    {
        var keys = await GetPublicKeysAsync(userId, ct);
        await EnsureKeysOnLedgerAsync(userId, keys.SigningPublicKey, keys.EncryptionPublicKey, ct);
        return keys;
    }

    private async Task EnsureKeysOnLedgerAsync(Guid userId, byte[] signingKey, byte[] encryptionKey, CancellationToken ct)
    {
        var registered = await SendAsync<RegisteredKeysResponse>(HttpMethod.Get, $"/api/ledger/keys/{userId}", null, authorize: true, ct);
        var receipt = registered.Receipt;
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        if (tx.Type is not (RegisterKeysContract.TypeName or RotateKeysContract.TypeName) || tx.Get("userId") != userId.ToString()
            || tx.Get("signingKey") != Convert.ToBase64String(signingKey) || tx.Get("encryptionKey") != Convert.ToBase64String(encryptionKey))
        {
            throw new MedLedgerVerificationException($"The keys served for user {userId} are not the keys registered on the ledger.");
        }
    }

    // ---------- transactions signed here ----------

    internal static SignedTransaction Sign(LedgerTransaction tx) => new(tx.SigningBytes, tx.Signature);

    /// <summary>A transaction signed with the signed-in user's own signing key.</summary>
    internal LedgerTransaction NewTransaction(string type, IReadOnlyDictionary<string, string> payload)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        // The pair's loaded signer: importing the raw key for every transaction cost about as much as six signatures.
        var tx = LedgerTransaction.Create(type, UserId.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), payload, keys.Signing.PublicKey, keys.Signing.Sign);
        // Its receipt comes back with these exact bytes: the check of our own signature there is answered from the memo.
        _signatures.RememberOwn(tx.SignerPublicKey, tx.SigningBytes, tx.Signature);
        return tx;
    }
}

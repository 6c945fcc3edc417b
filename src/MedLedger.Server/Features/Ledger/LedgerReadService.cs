using MedLedger.Ledger;
using MedLedger.Ledger.Store;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Ledger;

/// <summary>Read-only ledger API: heads, blocks, transactions with inclusion proofs, consistency proofs.</summary>
public sealed class LedgerReadService(LedgerGateway gateway)
{
    private LedgerQueries Queries => gateway.Peer.Queries;

    public PeerInfo Peer() => new(gateway.Peer.PeerId, gateway.Peer.PublicKey);

    /// <summary>The running peer's consortium (its own key and every configured peer key, majority threshold).</summary>
    /// <summary>
    /// The view in effect now, plus (on a shared ledger) the genesis view and every change since, each with the receipts
    /// of the approvals that completed it: a client accepts each change only on those certified receipts.
    /// </summary>
    public async Task<ConsortiumResponse> ConsortiumAsync(CancellationToken ct)
    {
        var view = gateway.Peer.Consortium;
        var chain = gateway.Peer.ConsortiumPinned ? await ConsortiumChain.LoadAsync(gateway.Peer.Store, ct) : null;
        var changes = new List<ConsortiumChangeInfo>();
        foreach (var change in chain?.Changes ?? [])
        {
            var receipts = new List<LedgerReceipt>(change.Approvals.Count);
            foreach (var a in change.Approvals)
            {
                receipts.Add(await Queries.GetReceiptAsync(a.Id, ct) ?? throw new LedgerCorruptException($"approval {a.Id} is missing"));
            }
            changes.Add(new ConsortiumChangeInfo(change.FromHeight, change.View.Fingerprint, receipts));
        }
        var current = chain?.Current ?? view;
        return new ConsortiumResponse(current.Threshold, current.Fingerprint, Members(current),
            chain is null ? null : new ConsortiumViewInfo(chain.Genesis.Threshold, chain.Genesis.Fingerprint, Members(chain.Genesis)), changes);
    }

    private static List<PeerInfo> Members(ConsortiumView view) => view.Members.Select(m => new PeerInfo(m.PeerId, m.PublicKey)).ToList();

    public async Task<BlockHeader> HeadAsync(CancellationToken ct) =>
        await Queries.GetHeadAsync(ct) ?? throw ProblemException.NotFound("The ledger head (no block has been committed yet)");

    public async Task<BlockResponse> BlockAsync(long height, bool admin, CancellationToken ct)
    {
        var block = await Queries.GetBlockAsync(height, ct) ?? throw ProblemException.NotFound($"Block {height}");
        // Transaction ids of a block reveal activity across patients; only admins list them.
        return new BlockResponse(block.Header, block.HeaderHash, block.TransactionIds.Count, admin ? block.TransactionIds : null);
    }

    public async Task<TransactionResponse> TransactionAsync(string id, long? treeSize, Guid caller, bool admin, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(id) || id.Length != 64 || !id.All(Uri.IsHexDigit))
        {
            throw ProblemException.Invalid("id", "A transaction id is 64 hex characters.");
        }
        if (treeSize is < 1)
        {
            throw ProblemException.Invalid("treeSize", "treeSize must be at least 1.");
        }
        TransactionProof? proof;
        try
        {
            proof = await Queries.GetTransactionAsync(id.ToLowerInvariant(), treeSize, ct);
        }
        catch (ArgumentOutOfRangeException)
        {
            throw ProblemException.Invalid("treeSize", "treeSize must cover the transaction and not exceed the current tree size.");
        }
        if (proof is null || (!admin && !IsAbout(proof.Transaction, caller)))
        {
            // Same answer for "absent" and "not yours": no oracle for other people's activity.
            throw ProblemException.NotFound($"Transaction {id}");
        }
        var t = proof.Transaction;
        var tx = t.Transaction;
        return new TransactionResponse(tx.Id, tx.Type, tx.ActorId, tx.Nonce, tx.TimestampMs, tx.Payload, t.Valid, t.Reason, t.LogIndex, t.BlockHeight,
            t.LeafHash, tx.SigningBytes, tx.Signature, proof.TreeSize, proof.RootHash, proof.InclusionProof, proof.SignedHead);
    }

    public async Task<ConsistencyProofResult> ConsistencyAsync(long from, long to, CancellationToken ct)
    {
        var head = await Queries.GetHeadAsync(ct);
        if (from < 0 || to < 1 || from > to || head is null || to > head.TreeSize)
        {
            throw ProblemException.Invalid("to", $"Need 0 <= from <= to <= current tree size ({head?.TreeSize ?? 0}).");
        }
        return await Queries.GetConsistencyProofAsync(from, to, ct);
    }

    /// <summary>The current key registration (or rotation) of a user, with a receipt clients verify before encrypting for them.</summary>
    public async Task<RegisteredKeysResponse> RegisteredKeysAsync(Guid userId, CancellationToken ct)
    {
        var registered = await Queries.GetRegisteredKeysAsync(userId.ToString(), ct) ?? throw ProblemException.NotFound($"Keys of user {userId}");
        // One state read, not a scan of the user's history (which grows with every transaction about them).
        var txId = await Queries.GetStateAsync(MedLedger.Ledger.Contracts.IdentityKeys.KeysTransaction(userId.ToString()), ct);
        var receipt = txId is null ? null : await Queries.GetReceiptAsync(txId, ct);
        return receipt is null
            ? throw ProblemException.NotFound($"Key registration of user {userId}")
            : new RegisteredKeysResponse(userId, registered.SigningPublicKey, registered.EncryptionPublicKey, receipt);
    }

    /// <summary>
    /// A professional's or admin's identity history (key versions, newest verification, newest standing) with receipts, so a
    /// client judges "verified" on the latest ledger state and follows an admin's key rotations. Patients are not directory
    /// entries: their history is not served (the same 404 as an unknown user).
    /// </summary>
    public async Task<IdentityHistoryResponse> IdentityHistoryAsync(Guid userId, bool adminsOnly, CancellationToken ct)
    {
        var id = userId.ToString();
        var role = await Queries.GetStateAsync(MedLedger.Ledger.Contracts.IdentityKeys.Role(id), ct);
        // Anonymous callers see the same 404 for everyone but admins: no way to tell a professional from a patient.
        if (role is null or MedLedger.Ledger.Contracts.IdentityRoles.Patient || (adminsOnly && role != MedLedger.Ledger.Contracts.IdentityRoles.PlatformAdmin))
        {
            throw ProblemException.NotFound($"Identity history of user {userId}");
        }
        // One key version per registration or rotation: a short list, read by prefix rather than by scanning the log.
        var versions = await Queries.ScanStateAsync(MedLedger.Ledger.Contracts.IdentityHistoryKeys.KeyHistoryPrefix(id), 1000, ct);
        var keyTxIds = versions.Select(v => v.Value).ToList();
        if (keyTxIds.Count == 0 && await Queries.GetStateAsync(MedLedger.Ledger.Contracts.IdentityKeys.KeysTransaction(id), ct) is { } only)
        {
            // Registered before key versions were recorded: the current registration is all there is.
            keyTxIds.Add(only);
        }
        var keys = new List<LedgerReceipt>(keyTxIds.Count);
        foreach (var txId in keyTxIds)
        {
            keys.Add(await Queries.GetReceiptAsync(txId, ct) ?? throw new LedgerCorruptException($"key transaction {txId} of user {userId} is missing"));
        }
        return new IdentityHistoryResponse(userId, keys,
            await ReceiptOfStateAsync(MedLedger.Ledger.Contracts.IdentityKeys.VerificationTransaction("user", id), ct),
            await ReceiptOfStateAsync(MedLedger.Ledger.Contracts.IdentityHistoryKeys.StandingTransaction(id), ct));
    }

    /// <summary>
    /// The newest identity.verify about an organization: clients check the admin's signature over the card they are shown.
    /// An unknown id answers like an undecided one (the ledger has no organization state to tell them apart).
    /// </summary>
    public async Task<OrganizationVerificationResponse> OrganizationVerificationAsync(Guid organizationId, CancellationToken ct) =>
        new(organizationId, await ReceiptOfStateAsync(MedLedger.Ledger.Contracts.IdentityKeys.VerificationTransaction("organization", organizationId.ToString()), ct),
            await ReceiptOfStateAsync(MedLedger.Ledger.Contracts.OrganizationStandingKeys.Transaction(organizationId.ToString()), ct));

    private async Task<LedgerReceipt?> ReceiptOfStateAsync(string key, CancellationToken ct) =>
        await Queries.GetStateAsync(key, ct) is { } txId ? await Queries.GetReceiptAsync(txId, ct) : null;

    public async Task<LedgerReceipt> ReceiptAsync(string id, Guid caller, bool admin, CancellationToken ct)
    {
        var tx = await TransactionAsync(id, null, caller, admin, ct);
        return await Queries.GetReceiptAsync(tx.Id, ct) ?? throw ProblemException.NotFound($"Transaction {id}");
    }

    public async Task<IReadOnlyList<TransactionSummary>> AboutAsync(Guid subject, long? before, int? limit, CancellationToken ct)
    {
        var take = limit ?? 50;
        if (take is < 1 or > 500)
        {
            throw ProblemException.Invalid("limit", "limit must be between 1 and 500.");
        }
        var rows = await Queries.GetTransactionsAboutAsync(subject.ToString(), before, take, ct);
        return rows.Select(AuditSearch.Summary).ToList();
    }

    private static bool IsAbout(StoredTransaction t, Guid caller)
    {
        var id = caller.ToString();
        return t.Transaction.ActorId == id || t.Transaction.Payload.Values.Any(v => v == id);
    }
}

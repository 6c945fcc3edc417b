using System.Runtime.CompilerServices;
using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger.Ordering;

/// <summary>One transaction of a pulled block as the serving member recorded it (its verdict is informative: this peer re-executes).</summary>
public sealed record PulledTransaction(byte[] SigningBytes, byte[] Signature, bool Valid, string? Reason);

/// <summary>A certified block pulled from a member: its header (with <see cref="BlockHeader.Certificate"/>) and every transaction in log order.</summary>
public sealed record PulledBlock(BlockHeader Header, IReadOnlyList<PulledTransaction> Transactions);

/// <summary>Where a joining peer pulls certified blocks from (a member's GET /api/ledger/replay, signed as a peer request).</summary>
public interface IBlockSource
{
    /// <summary>Blocks from <paramref name="fromHeight"/> on, in height order: at most what one response carries, none past the member's head.</summary>
    Task<IReadOnlyList<PulledBlock>> PullAsync(long fromHeight, CancellationToken ct);
}

/// <summary>
/// The orderer of a peer that joins (or rejoins) a consortium (docs/ledger.md, "Joining"): first every block a member
/// serves beyond this peer's head, each as one <see cref="OrderedBatch"/> with the header's ordering position (proposer,
/// revision, time), so the ordinary committer re-executes it with this peer's own contracts; then the shared orderer,
/// which resumes from the revision stored with the last replayed block. Before a pulled block is handed over its
/// certificate must hold k valid signatures of the view in effect at its height (the consortium file's genesis view
/// until the ledger's own consortium state says otherwise), and the committer must compute the very same header hash
/// (<see cref="OrderedBatch.ExpectedHeaderHash"/>); anything else halts the peer. Once the block is committed its
/// certificate is stored with it.
/// </summary>
public sealed class PulledBlocksOrdering : IOrderingService, ICertificateExchange, ICommitListener
{
    private readonly IBlockSource _source;
    private readonly IOrderingService _then;
    private readonly ICertificateExchange _exchange;
    private readonly LedgerStore _store;
    private readonly ConsortiumView _genesis;
    private readonly ConsortiumMember? _self;
    private volatile bool _completed;
    private readonly CommitWatermark _committed = new();

    /// <param name="self">
    /// When set, this peer (id and key) must be a member of the view in effect once the replay is done (a new
    /// organisation's peer is one only after k members approved its consortium.add-peer); otherwise the peer halts
    /// instead of following etcd.
    /// </param>
    public PulledBlocksOrdering(IBlockSource source, IOrderingService then, LedgerStore store, ConsortiumView genesis, ConsortiumMember? self = null)
    {
        _self = self;
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(then);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(genesis);
        _source = source;
        _then = then;
        _exchange = then as ICertificateExchange ?? throw new ArgumentException("The orderer a joining peer follows must exchange certificates.", nameof(then));
        _store = store;
        _genesis = genesis;
    }

    /// <summary>Blocks replayed from the member so far.</summary>
    public long Replayed { get; private set; }

    /// <summary>True once the pulled blocks are applied and the shared orderer has taken over.</summary>
    public bool Following { get; private set; }

    public ValueTask EnqueueAsync(LedgerTransaction transaction, CancellationToken ct) => _then.EnqueueAsync(transaction, ct);

    public void Complete()
    {
        _completed = true;
        _then.Complete();
    }

    public async IAsyncEnumerable<OrderedBatch> ReadBatchesAsync([EnumeratorCancellation] CancellationToken ct)
    {
        var head = await _store.GetLatestHeaderAsync(ct).ConfigureAwait(false);
        var next = (head?.Height ?? 0) + 1;
        _committed.Advance(next - 1);
        if (head is not null)
        {
            // A rejoin (or a crash right after a replayed block's COMMIT) re-stores the last block's certificate.
            await PullAndStoreCertificateAsync(head, ct).ConfigureAwait(false);
        }
        // The committer reads ahead (group commit): the step after a yield runs while that block may still be
        // uncommitted. So the view is re-read only after a block that may change it has committed, certificates are
        // stored only for committed heights, and etcd takes over only after the last replayed block committed (it
        // resumes from the revision and proposer times stored with it; read earlier, it would apply envelopes twice).
        var view = await ViewInEffectAsync(ct).ConfigureAwait(false);
        var uncertified = new List<(long Height, IReadOnlyList<PeerSignature> Certificate)>();
        while (!_completed)
        {
            var blocks = await _source.PullAsync(next, ct).ConfigureAwait(false);
            if (blocks.Count == 0)
            {
                break;
            }
            foreach (var block in blocks)
            {
                if (_completed)
                {
                    break;
                }
                var (batch, certificate) = Check(block, next, view);
                yield return batch;
                uncertified.Add((block.Header.Height, certificate));
                Replayed++;
                next++;
                if (batch.Transactions.Any(t => t.Type is ConsortiumGenesisContract.TypeName or ConsortiumAddPeerContract.TypeName))
                {
                    await _committed.WaitAsync(block.Header.Height, ct).ConfigureAwait(false);
                    view = await ViewInEffectAsync(ct).ConfigureAwait(false);
                }
                await StoreCommittedCertificatesAsync(uncertified, ct).ConfigureAwait(false);
            }
        }
        await _committed.WaitAsync(next - 1, ct).ConfigureAwait(false);
        await StoreCommittedCertificatesAsync(uncertified, ct).ConfigureAwait(false);
        if (_self is not null && !((view = await ViewInEffectAsync(ct).ConfigureAwait(false)).KeyOf(_self.PeerId) is { } key
            && key.AsSpan().SequenceEqual(_self.PublicKey)))
        {
            // Learned from the replayed, certified blocks — never from the serving member's word.
            throw new LedgerNotMemberException($"{_self.PeerId} is not a member of the consortium in effect after block {next - 1} "
                + $"({view.Threshold} of {string.Join(", ", view.Members.Select(m => m.PeerId))}): no consortium.add-peer approved by k members "
                + "names it with this key, so its envelopes would be ignored by every member; the peer halted");
        }
        Following = true;
        await foreach (var batch in _then.ReadBatchesAsync(ct).ConfigureAwait(false))
        {
            yield return batch;
        }
    }

    /// <summary>Called by the committer after each COMMIT (LedgerPeer); the shared orderer it hands over to follows the same reports.</summary>
    void ICommitListener.Committed(long height, long revision, IReadOnlyDictionary<string, byte[]> signers)
    {
        (_then as ICommitListener)?.Committed(height, revision, signers);
        _committed.Advance(height);
    }

    private async Task StoreCommittedCertificatesAsync(List<(long Height, IReadOnlyList<PeerSignature> Certificate)> uncertified, CancellationToken ct)
    {
        var committed = _committed.Value;
        var done = 0;
        foreach (var (height, certificate) in uncertified)
        {
            if (height > committed)
            {
                break;
            }
            await StoreCertificateAsync(height, certificate, ct).ConfigureAwait(false);
            done++;
        }
        uncertified.RemoveRange(0, done);
    }

    private async Task PullAndStoreCertificateAsync(BlockHeader head, CancellationToken ct)
    {
        var again = await _source.PullAsync(head.Height, ct).ConfigureAwait(false);
        if (again.Count == 0 || again[0].Header.Height != head.Height)
        {
            return;
        }
        if (!again[0].Header.Hash().AsSpan().SequenceEqual(head.Hash()))
        {
            throw new LedgerCorruptException($"the member serves another block {head.Height} than this peer holds; the peer halted");
        }
        var certificate = CheckCertificate(again[0].Header, await ViewInEffectAsync(ct).ConfigureAwait(false));
        await StoreCertificateAsync(head.Height, certificate, ct).ConfigureAwait(false);
    }

    private static (OrderedBatch Batch, IReadOnlyList<PeerSignature> Certificate) Check(PulledBlock block, long expectedHeight, ConsortiumView view)
    {
        var h = block.Header;
        if (h.Height != expectedHeight)
        {
            throw new LedgerCorruptException($"the member served block {h.Height} where {expectedHeight} was next; the peer halted");
        }
        if (h.Version != 2 || h.OrderingRevision <= 0)
        {
            throw new LedgerCorruptException($"pulled block {h.Height} is not a consortium (v2, ordered) block; the peer halted");
        }
        if (block.Transactions.Count != h.TransactionCount || block.Transactions.Count == 0)
        {
            throw new LedgerCorruptException($"pulled block {h.Height} names {h.TransactionCount} transactions but carries {block.Transactions.Count}; the peer halted");
        }
        var certificate = CheckCertificate(h, view);
        List<LedgerTransaction> txs;
        try
        {
            txs = block.Transactions.Select(t => LedgerTransaction.FromSigningBytes(t.SigningBytes, t.Signature)).ToList();
        }
        catch (FormatException e)
        {
            throw new LedgerCorruptException($"pulled block {h.Height} carries a transaction that does not parse ({e.Message}); the peer halted", e);
        }
        return (new OrderedBatch(txs, false, new OrderingPosition(h.OrderingRevision, h.PeerId, h.TimeMs)) { ExpectedHeaderHash = h.Hash() }, certificate);
    }

    /// <summary>
    /// The view that certifies block h is the one in effect after block h − 1: this peer's own consortium state (as
    /// replayed and committed so far), else genesis. Returns the certificate's valid member signatures (the ones stored).
    /// </summary>
    private static IReadOnlyList<PeerSignature> CheckCertificate(BlockHeader header, ConsortiumView view)
    {
        var problem = header.Certificate is { Count: > 0 } ? view.VerifyCertificate(header) : "no certificate";
        if (problem is not null || header.Certificate is null)
        {
            throw new LedgerCorruptException($"pulled block {header.Height} is not certified by the consortium in effect ({problem}); the peer halted");
        }
        return header.Certificate
            .Where(s => s?.PeerId is not null && view.KeyOf(s.PeerId) is { } key && header.VerifySignature(key, s.Signature))
            .DistinctBy(s => s.PeerId, StringComparer.Ordinal).ToList();
    }

    private async Task<ConsortiumView> ViewInEffectAsync(CancellationToken ct)
    {
        if (await _store.GetStateAsync(ConsortiumKeys.Threshold, ct).ConfigureAwait(false) is not { } threshold)
        {
            return _genesis;
        }
        var members = await _store.ScanStateAsync(ConsortiumKeys.MemberPrefix, 1000, ct).ConfigureAwait(false);
        return ConsortiumState.Read(new StateSnapshot(threshold, members)) ?? _genesis;
    }

    private async Task StoreCertificateAsync(long height, IReadOnlyList<PeerSignature> certificate, CancellationToken ct)
    {
        foreach (var s in certificate)
        {
            await _store.AddCertificateSignatureAsync(height, s, ct).ConfigureAwait(false);
        }
    }

    public Task PublishAsync(long height, byte[] value, CancellationToken ct) => _exchange.PublishAsync(height, value, ct);

    public Task PublishAsync(IReadOnlyList<(long Height, byte[] Value)> signatures, CancellationToken ct) => _exchange.PublishAsync(signatures, ct);

    public Task<long> LastPublishedHeightAsync(CancellationToken ct) => _exchange.LastPublishedHeightAsync(ct);

    public IAsyncEnumerable<PublishedSignature> ReadSignaturesAsync(long afterRevision, CancellationToken ct) => _exchange.ReadSignaturesAsync(afterRevision, ct);

    public ValueTask DisposeAsync() => _then.DisposeAsync();

    private sealed class StateSnapshot(string threshold, IReadOnlyList<KeyValuePair<string, string>> members) : IStateReader
    {
        public string? Get(string key) => key == ConsortiumKeys.Threshold ? threshold : members.FirstOrDefault(m => m.Key == key).Value;

        public IReadOnlyList<KeyValuePair<string, string>> Scan(string prefix, int limit = 1000) =>
            members.Where(m => m.Key.StartsWith(prefix, StringComparison.Ordinal)).Take(limit).ToList();
    }
}

/// <summary>
/// An orderer that follows the committer (LedgerPeer reports to it at start and after each COMMIT): the committer reads
/// ahead and commits groups of blocks, so what is committed — and which members' envelopes count — is known only here.
/// </summary>
public interface ICommitListener
{
    /// <summary>
    /// Every block up to <paramref name="height"/> is committed, the last one at ordering revision
    /// <paramref name="revision"/>; <paramref name="signers"/> are the keys of the members in effect after it (the ledger's
    /// consortium view, or the configured keys before genesis): the next envelope counts only if one of them signed it.
    /// </summary>
    void Committed(long height, long revision, IReadOnlyDictionary<string, byte[]> signers);
}

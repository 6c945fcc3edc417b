using MedLedger.Ledger.Contracts;
using MedLedger.Ledger.Store;

namespace MedLedger.Ledger;

/// <summary>One membership change as the ledger recorded it: the new view certifies from <paramref name="FromHeight"/> on.</summary>
public sealed record ConsortiumChange(long FromHeight, ConsortiumView View, IReadOnlyList<StoredTransaction> Approvals);

/// <summary>An add-peer proposal under the current view that has not reached k approvals yet.</summary>
public sealed record ConsortiumProposal(string Digest, string PeerId, byte[] PublicKey, int Threshold, IReadOnlyList<string> Approvers);

/// <summary>
/// The consortium views a ledger pinned, rebuilt from its valid consortium.genesis and consortium.add-peer transactions
/// in log order (the same counting the contracts did): the genesis view, each change with the approvals that completed
/// it, and the proposals still collecting approvals. This is what a peer judges each height's certificate by after a
/// restart and what the server hands clients for <see cref="ConsortiumHistory.Apply"/>. Null before genesis.
/// </summary>
public sealed class ConsortiumChain
{
    private ConsortiumChain(StoredTransaction genesis, ConsortiumView genesisView)
    {
        GenesisTransaction = genesis;
        Genesis = genesisView;
    }

    public StoredTransaction GenesisTransaction { get; }

    public ConsortiumView Genesis { get; }

    public List<ConsortiumChange> Changes { get; } = [];

    public List<ConsortiumProposal> Pending { get; } = [];

    public ConsortiumView Current => Changes.Count == 0 ? Genesis : Changes[^1].View;

    /// <summary>Each view and the first height it certifies (the genesis view from height 1), oldest first.</summary>
    public IReadOnlyList<(long FromHeight, ConsortiumView View)> Views =>
        [(1, Genesis), .. Changes.Select(c => (c.FromHeight, c.View))];

    /// <summary>Reads the chain from the store; null when the ledger holds no valid consortium.genesis.</summary>
    public static async Task<ConsortiumChain?> LoadAsync(LedgerStore store, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var genesis = (await store.SearchTransactionsAsync(new TransactionFilter(Type: ConsortiumGenesisContract.TypeName, Valid: true), long.MaxValue, 1000, ct)
            .ConfigureAwait(false)).OrderBy(t => t.LogIndex).FirstOrDefault();
        if (genesis is null || ConsortiumGenesisContract.ParseView(genesis.Transaction, out _) is not { } view)
        {
            return null;
        }
        var chain = new ConsortiumChain(genesis, view);
        var approvals = new List<StoredTransaction>();
        long before = long.MaxValue;
        while (true)
        {
            var page = await store.SearchTransactionsAsync(new TransactionFilter(Type: ConsortiumAddPeerContract.TypeName, Valid: true), before, 10_000, ct)
                .ConfigureAwait(false);
            approvals.AddRange(page);
            if (page.Count < 10_000)
            {
                break;
            }
            before = page[^1].LogIndex;
        }
        chain.Replay(approvals.Where(a => a.LogIndex > genesis.LogIndex).OrderBy(a => a.LogIndex));
        return chain;
    }

    private void Replay(IEnumerable<StoredTransaction> approvals)
    {
        var byDigest = new Dictionary<string, List<StoredTransaction>>(StringComparer.Ordinal);
        foreach (var a in approvals)
        {
            var current = Current;
            var (next, digest, rejection) = ConsortiumAddPeerContract.Proposal(a.Transaction, current);
            if (rejection is not null || next is null)
            {
                continue; // Valid when recorded, so only an approval of an older view lands here: it no longer counts.
            }
            if (!byDigest.TryGetValue(digest!, out var list))
            {
                byDigest[digest!] = list = [];
            }
            list.Add(a);
            if (list.Select(t => t.Transaction.ActorId).Distinct(StringComparer.Ordinal).Count() >= current.Threshold)
            {
                Changes.Add(new ConsortiumChange(a.BlockHeight + 1, next, list));
                byDigest.Clear();
            }
        }
        foreach (var (digest, list) in byDigest)
        {
            var tx = list[0].Transaction;
            var (next, _, _) = ConsortiumAddPeerContract.Proposal(tx, Current);
            var candidate = next!.Members.First(m => !Current.IsMember(m.PeerId));
            Pending.Add(new ConsortiumProposal(digest, candidate.PeerId, candidate.PublicKey, next.Threshold,
                [.. list.Select(t => t.Transaction.ActorId[LedgerTransaction.SystemActorPrefix.Length..]).Order(StringComparer.Ordinal)]));
        }
    }
}

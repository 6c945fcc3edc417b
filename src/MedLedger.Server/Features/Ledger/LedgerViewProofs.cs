using MedLedger.Ledger;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// Consistency proofs a client would otherwise fetch one request at a time: between the tree size it says it has
/// verified (the <c>Ledger-View-Size</c> request header) and the head of each receipt in a response. The proofs are
/// only hints — the client checks each against the two signed roots it connects — so a wrong one costs the server a
/// fork alarm, never the client's safety.
/// </summary>
public static class LedgerViewProofs
{
    public const string ViewSizeHeader = "Ledger-View-Size";

    public static async Task<IReadOnlyList<ConsistencyProofResult>?> ForAsync(LedgerPeer peer, long? viewSize, CancellationToken ct, params LedgerReceipt?[] receipts)
    {
        ArgumentNullException.ThrowIfNull(peer);
        ArgumentNullException.ThrowIfNull(receipts);
        if (viewSize is not > 0 || receipts.All(r => r is null))
        {
            return null;
        }
        // The peer's committed head, held in memory: no statement for it on every read.
        if (peer.Head is not { } head || viewSize > head.TreeSize)
        {
            // A view ahead of this server's log: nothing here can prove it (the client will raise the alarm itself).
            return null;
        }
        var view = viewSize.Value;
        var pairs = receipts.Where(r => r?.Head is not null && r.Head.TreeSize != view)
            .Select(r => r!.Head.TreeSize < view ? (r.Head.TreeSize, view) : (view, r.Head.TreeSize))
            .Distinct().ToList();
        var proofs = new List<ConsistencyProofResult>(pairs.Count);
        foreach (var (from, to) in pairs)
        {
            proofs.Add(await peer.Queries.GetConsistencyProofAsync(from, to, ct));
        }
        return proofs.Count == 0 ? null : proofs;
    }
}

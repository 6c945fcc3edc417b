using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger;

/// <summary>
/// The consortium views a client accepts, from the one it pinned (genesis) on: each later view only on the ledger's
/// word — valid consortium.add-peer approvals of one proposal by k distinct members of the previous view, each proven
/// by a receipt certified by that previous view. The view that certifies block h is the one in effect after block
/// h − 1: a change completed in block c certifies from block c + 1 on. A server that hides a change can only make a
/// client judge newer blocks by the older view (whose members' signatures still count); it cannot invent a member.
/// </summary>
public sealed class ConsortiumHistory
{
    private readonly List<(long FromHeight, ConsortiumView View)> _views;

    public ConsortiumHistory(ConsortiumView genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        _views = [(1, genesis)];
    }

    /// <summary>Each view and the first height it certifies, oldest first.</summary>
    public IReadOnlyList<(long FromHeight, ConsortiumView View)> Views => _views;

    public ConsortiumView Genesis => _views[0].View;

    public ConsortiumView Current => _views[^1].View;

    /// <summary>The view that certifies block <paramref name="height"/>.</summary>
    public ConsortiumView ViewAt(long height)
    {
        for (var i = _views.Count - 1; i > 0; i--)
        {
            if (height >= _views[i].FromHeight)
            {
                return _views[i].View;
            }
        }
        return _views[0].View;
    }

    /// <summary>Null when the header carries k valid signatures of distinct members of the view in effect at its height.</summary>
    public string? VerifyCertificate(BlockHeader header, SignatureMemo? memo = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        return ViewAt(header.Height).VerifyCertificate(header, memo);
    }

    /// <summary>
    /// Checks one membership change against <see cref="Current"/> and, when it holds, appends the new view. The
    /// approvals are receipts of consortium.add-peer transactions; they must all be valid, certified by the current
    /// view at their heights, approve the same proposal, and come from k distinct current members. Returns null on
    /// success, otherwise the reason (and the history is unchanged).
    /// </summary>
    public string? Apply(IReadOnlyList<LedgerReceipt> approvals)
    {
        ArgumentNullException.ThrowIfNull(approvals);
        var current = Current;
        var from = _views[^1].FromHeight;
        string? digest = null;
        ConsortiumView? next = null;
        var approvers = new HashSet<string>(StringComparer.Ordinal);
        long completedAt = 0;
        foreach (var r in approvals.Where(a => a is not null).OrderBy(a => a.LogIndex))
        {
            if (r.BlockHeight < from)
            {
                return $"approval {r.TransactionId} is in block {r.BlockHeight}, before the current view took effect at {from}";
            }
            if (r.Verify(current) is { } bad)
            {
                return $"approval {r.TransactionId}: {bad}";
            }
            if (!r.Valid)
            {
                return $"approval {r.TransactionId} was recorded as invalid";
            }
            var tx = r.Transaction();
            if (tx.Type != ConsortiumAddPeerContract.TypeName)
            {
                return $"transaction {r.TransactionId} is a {tx.Type}, not an approval";
            }
            if (ConsortiumState.RequireMember(tx, current) is { } signer)
            {
                return $"approval {r.TransactionId}: {signer.Reason}";
            }
            var (proposed, d, rejection) = ConsortiumAddPeerContract.Proposal(tx, current);
            if (rejection is not null)
            {
                return $"approval {r.TransactionId}: {rejection.Reason}";
            }
            if (digest is not null && d != digest)
            {
                return "the approvals name different proposals";
            }
            digest = d;
            next = proposed;
            if (approvers.Add(tx.ActorId[LedgerTransaction.SystemActorPrefix.Length..]) && approvers.Count == current.Threshold)
            {
                completedAt = r.BlockHeight;
            }
        }
        if (next is null || approvers.Count < current.Threshold)
        {
            return $"the change carries approvals of {approvers.Count} distinct members; {current.Threshold} of {current.Members.Count} are needed";
        }
        _views.Add((completedAt + 1, next));
        return null;
    }
}

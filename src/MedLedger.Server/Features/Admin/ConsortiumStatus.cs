using System.Security.Cryptography;
using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Admin;

/// <summary>
/// What the admin sees of the consortium (issue 14 item 4): its members and threshold, who certified the newest block,
/// and the evidence this peer holds against members that signed a header it did not compute. Each piece of evidence
/// is served whole (the other member's signed header bytes and signature) and re-checked here against that member's
/// key, so anyone can verify it offline; a member with evidence is left out of this peer's certificates.
/// </summary>
public sealed class ConsortiumStatus(LedgerGateway ledger, TimeProvider clock)
{
    public async Task<ConsortiumStatusResponse> GetAsync(CancellationToken ct)
    {
        var peer = ledger.Peer;
        var consortium = peer.Consortium;
        var evidence = await peer.Queries.GetEvidenceAsync(ct);
        var accused = evidence.Select(e => e.PeerId).ToHashSet(StringComparer.Ordinal);
        var head = await peer.Queries.GetHeadAsync(ct);
        var members = consortium.Members
            .Select(m => new ConsortiumMemberStatus(m.PeerId, m.PublicKey, m.PeerId == peer.PeerId, accused.Contains(m.PeerId)))
            .ToList();
        var headStatus = head is null
            ? null
            : new ConsortiumHeadStatus(head.Height, head.TreeSize, Convert.ToHexStringLower(head.Hash()), consortium.Signers(head), consortium.VerifyCertificate(head) is null);
        var items = evidence
            .OrderByDescending(e => e.FoundAtMs)
            .Select(e => new ConsortiumEvidence(
                e.PeerId,
                e.Height,
                Convert.ToHexStringLower(SHA256.HashData(e.TheirHeaderBytes)),
                Convert.ToHexStringLower(e.OurHeaderHash),
                DateTimeOffset.FromUnixTimeMilliseconds(e.FoundAtMs),
                e.TheirHeaderBytes,
                e.TheirSignature,
                consortium.KeyOf(e.PeerId) is { } key && LedgerCrypto.Verify(key, e.TheirHeaderBytes, e.TheirSignature)))
            .ToList();
        var chain = peer.ConsortiumPinned ? await ConsortiumChain.LoadAsync(peer.Store, ct) : null;
        var pending = chain?.Pending.Select(p => new ConsortiumProposalStatus(p.Digest, p.PeerId, p.PublicKey, p.Threshold, p.Approvers, chain.Current.Threshold)).ToList() ?? [];
        var history = chain is null
            ? []
            : new List<ConsortiumHistoryEntry> { Entry(1, chain.Genesis, [chain.GenesisTransaction.Id]) }
                .Concat(chain.Changes.Select(c => Entry(c.FromHeight, c.View, c.Approvals.Select(a => a.Id).ToList()))).ToList();
        return new ConsortiumStatusResponse(consortium.Threshold, consortium.Fingerprint, peer.PeerId, members, headStatus, items, clock.GetUtcNow(), pending, history);
    }

    private static ConsortiumHistoryEntry Entry(long from, ConsortiumView view, IReadOnlyList<string> txIds) =>
        new(from, view.Fingerprint, view.Threshold, view.Members.Select(m => m.PeerId).ToList(), txIds);
}

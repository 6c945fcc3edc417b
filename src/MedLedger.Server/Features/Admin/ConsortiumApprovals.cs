using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Admin;

/// <summary>
/// A platform admin's approval of a new consortium member (docs/ledger.md "Consortium membership"): this
/// organisation's peer signs a consortium.add-peer for the proposal, bound to the view in effect now, and the ledger
/// adds the peer once k distinct members approved the same proposal. The rules (one approval per member, no current
/// member, no shared key, a majority threshold) live in the contract; here they become problems before anything is
/// submitted where the answer is already known.
/// </summary>
public sealed class ConsortiumApprovals(LedgerGateway ledger)
{
    public async Task<LedgerReceipt> ApproveAsync(ConsortiumApprovalRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var peer = ledger.Peer;
        var current = peer.Consortium;
        var v = new Validator();
        v.RequireText(request.PeerId, "peerId", 64);
        v.Require(request.PeerId is null || request.PeerId.All(c => char.IsAsciiLetterOrDigit(c) || "._:@-".Contains(c, StringComparison.Ordinal)), "peerId", "peerId is a short name of [A-Za-z0-9._:@-].");
        var buffer = new byte[LedgerCrypto.PublicKeySize + 3];
        var key = request.PublicKey is { } b64 && Convert.TryFromBase64String(b64, buffer, out var n) && n == LedgerCrypto.PublicKeySize && buffer[0] == 4
            ? buffer[..n]
            : null;
        v.Require(key is not null, "publicKey", "publicKey is the base64 of a 65-byte uncompressed P-256 public key.");
        var members = current.Members.Count + 1;
        var threshold = request.Threshold ?? ConsortiumView.MajorityOf(members);
        v.Require(threshold > members / 2 && threshold <= members, "threshold", $"threshold must be a majority of the {members} members ({ConsortiumView.MajorityOf(members)}..{members}).");
        v.Require(key is null || !current.Members.Any(m => m.PublicKey.AsSpan().SequenceEqual(key)), "publicKey", "A current member already uses this key.");
        v.ThrowIfInvalid();
        if (!peer.ConsortiumPinned)
        {
            throw ProblemException.Conflict("This ledger has no consortium genesis: its consortium is the peer's configuration (the embedded peer), so membership cannot change by approval.");
        }
        if (current.IsMember(request.PeerId!))
        {
            throw ProblemException.Conflict($"Peer {request.PeerId} is already a member of the consortium.");
        }
        var payload = ConsortiumAddPeerContract.Payload(current, new MedLedger.Ledger.ConsortiumMember(request.PeerId!, key!), threshold);
        return await ledger.SubmitSystemEventAsync(ConsortiumAddPeerContract.TypeName, payload, ct);
    }
}

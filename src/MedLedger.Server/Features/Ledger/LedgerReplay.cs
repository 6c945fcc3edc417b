using MedLedger.Ledger;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Ledger;

/// <summary>One transaction of a served block: the signed bytes, the signature and this member's verdict.</summary>
public sealed record ReplayTransaction(byte[] SigningBytes, byte[] Signature, bool Valid, string? Reason);

/// <summary>A certified block in full: the header with its certificate and every transaction in log order.</summary>
public sealed record ReplayBlock(BlockHeader Header, IReadOnlyList<ReplayTransaction> Transactions);

/// <summary>
/// Blocks from the asked height on (possibly fewer than asked: bounded in count and bytes, and never past the newest
/// certified block); <see cref="Head"/> is this member's latest height.
/// </summary>
public sealed record ReplayResponse(long Head, IReadOnlyList<ReplayBlock> Blocks);

/// <summary>
/// Serves certified blocks in full to a consortium member that joins or rejoins (docs/ledger.md, "Joining"). The caller
/// is a peer, not a user: it signs the request with its ledger key (<see cref="PeerRequest"/>) and must be a member of
/// the view in effect. Who-did-what-when is metadata, so nobody else may pull.
/// </summary>
public sealed class LedgerReplay(LedgerGateway gateway, TimeProvider clock)
{
    public const int MaxBlocks = 100;
    /// <summary>Transaction bytes per response (one envelope is below 1 MiB, so a block always fits).</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    public async Task<ReplayResponse> PullAsync(HttpRequest request, long? from, int? count, CancellationToken ct)
    {
        var peer = gateway.Peer;
        var refused = PeerRequest.Check(request.Headers[PeerRequest.PeerHeader], request.Headers[PeerRequest.TimeHeader],
            request.Headers[PeerRequest.SignatureHeader], request.Method, request.PathBase + request.Path + request.QueryString,
            clock.GetUtcNow().ToUnixTimeMilliseconds(), peer.Consortium);
        if (refused is { } r)
        {
            throw r.NotMember ? ProblemException.Forbidden(r.Reason) : ProblemException.Unauthorized(r.Reason);
        }
        var head = peer.Head?.Height ?? 0;
        var errors = new Dictionary<string, string[]>();
        if (from is null or < 1)
        {
            errors["from"] = ["from is a block height of at least 1."];
        }
        else if (from > head + 1)
        {
            errors["from"] = [$"from is past this member's head + 1 ({head + 1})."];
        }
        if (count is < 1 or > MaxBlocks)
        {
            errors["count"] = [$"count is 1 to {MaxBlocks}."];
        }
        if (errors.Count > 0)
        {
            throw ProblemException.Invalid(errors);
        }
        var blocks = new List<ReplayBlock>();
        long bytes = 0;
        var last = Math.Min(head, from!.Value + (count ?? MaxBlocks) - 1);
        for (var h = from.Value; h <= last; h++)
        {
            var header = await peer.Store.GetHeaderAsync(h, ct);
            // A block still short of k signatures is left to the shared orderer (the joiner reads its envelope there).
            if (header is null || peer.Consortium.VerifyCertificate(header) is not null)
            {
                break;
            }
            var txs = await peer.Store.GetTransactionsInRangeAsync(header.FirstIndex, header.TreeSize, ct);
            var size = txs.Sum(t => (long)t.Transaction.SigningBytes.Length + t.Transaction.Signature.Length);
            if (blocks.Count > 0 && bytes + size > MaxBytes)
            {
                break;
            }
            bytes += size;
            blocks.Add(new ReplayBlock(header, txs.Select(t => new ReplayTransaction(t.Transaction.SigningBytes, t.Transaction.Signature, t.Valid, t.Reason)).ToList()));
        }
        return new ReplayResponse(head, blocks);
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// The forgery fork detection cannot see: the operator (who holds the only peer key) appends a transaction its honest
/// contracts would refuse to the real log, signs the next head over it, and answers consistency proofs from that log.
/// Every head the client saw before is a prefix of it, so only the client's own checks of the transaction can refuse it.
/// </summary>
internal sealed class AppendedForgery
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private readonly List<byte[]> _leaves;

    private AppendedForgery(List<byte[]> leaves, LedgerReceipt receipt)
    {
        _leaves = leaves;
        Receipt = receipt;
    }

    public LedgerReceipt Receipt { get; }

    public long TreeSize => _leaves.Count;

    public static async Task<AppendedForgery> CreateAsync(TestHost host, LedgerTransaction tx)
    {
        var store = host.Service<LedgerGateway>().Peer.Store;
        var head = await store.GetLatestHeaderAsync() ?? throw new InvalidOperationException("The ledger has no block yet.");
        var real = await store.GetTransactionsInRangeAsync(0, head.TreeSize);
        var leaves = real.OrderBy(t => t.LogIndex).Select(t => t.LeafHash).Append(tx.LeafHash(true)).ToList();
        var index = leaves.Count - 1;
        var unsigned = new BlockHeader(head.Height + 1, head.Hash(), 1, leaves.Count, Rfc6962.RootHash(leaves), head.StateRoot,
            Math.Max(head.TimeMs + 1, LedgerTransaction.NowMs()), head.PeerId, [], head.Version, head.OrderingRevision);
        using var peerKey = LyingServer.OperatorPeerKey(host);
        var signed = LyingServer.SignAsOperator(peerKey, unsigned);
        var receipt = new LedgerReceipt(tx.Id, true, null, signed.Height, index, tx.LeafHash(true), signed,
            Rfc6962.InclusionProof(leaves, index, leaves.Count), tx.SigningBytes, tx.Signature);
        return new AppendedForgery(leaves, receipt);
    }

    /// <summary>The lying answer to <c>/api/ledger/consistency?from=a&amp;to=n</c> when n is the forged size, else null.</summary>
    public JsonNode? Consistency(string pathAndQuery)
    {
        if (!pathAndQuery.StartsWith("/api/ledger/consistency?", StringComparison.Ordinal))
        {
            return null;
        }
        var query = pathAndQuery[(pathAndQuery.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
        var (from, to) = (query["from"], query["to"]);
        if (to != TreeSize || from > to)
        {
            return null;
        }
        var result = new ConsistencyProofResult(from, to, Rfc6962.RootHash(_leaves.Take((int)from).ToList()), Rfc6962.RootHash(_leaves),
            from == 0 ? [] : Rfc6962.ConsistencyProof(_leaves, from, to));
        return JsonSerializer.SerializeToNode(result, Web);
    }
}

using BenchmarkDotNet.Attributes;
using MedLedger.Ledger;
using MedLedger.Ledger.Merkle;

namespace MedLedger.Bench.Ledger;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- --filter '*MerkleBenchmarks*'
/// Append cost per leaf (frontier + new perfect-subtree nodes) and proof generation from stored
/// perfect subtrees (what the store serves, minus the database read) at 10k and 1M leaves.
/// </summary>
[MemoryDiagnoser]
public class MerkleBenchmarks
{
    private Dictionary<MerkleNodeKey, byte[]> _nodes = null!;
    private MerkleFrontier _frontier = null!;
    private byte[][] _fresh = null!;
    private IReadOnlyList<byte[]> _inclusion = null!;
    private IReadOnlyList<byte[]> _consistency = null!;
    private byte[] _root = null!;
    private byte[] _oldRoot = null!;
    private long _index;
    private long _oldSize;

    [Params(10_000, 1_000_000)]
    public long Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _frontier = MerkleFrontier.Empty();
        _nodes = [];
        var created = new List<(MerkleNodeKey Key, byte[] Hash)>();
        for (long i = 0; i < Size; i++)
        {
            created.Clear();
            _frontier.Append(Rfc6962.LeafHash(BitConverter.GetBytes(i)), created);
            foreach (var (k, h) in created)
            {
                _nodes[k] = h;
            }
        }
        _fresh = Enumerable.Range(0, 1024).Select(i => Rfc6962.LeafHash(BitConverter.GetBytes(-i))).ToArray();
        _index = Size / 3;
        _oldSize = Size / 2 + 1;
        var src = new StoredMerkle.Fetched(_nodes);
        _root = _frontier.Root();
        _oldRoot = MerkleMath.RangeHash(src, 0, _oldSize);
        _inclusion = MerkleMath.InclusionProof(src, _index, Size);
        _consistency = MerkleMath.ConsistencyProof(src, _oldSize, Size);
    }

    /// <summary>Appending 1024 leaves (per-leaf cost = result / 1024), nodes collected for the store.</summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public int Append1024()
    {
        var f = _frontier.Clone();
        var created = new List<(MerkleNodeKey, byte[])>(2048);
        foreach (var leaf in _fresh)
        {
            f.Append(leaf, created);
        }
        return created.Count;
    }

    [Benchmark]
    public int InclusionProofFromStoredNodes() => MerkleMath.InclusionProof(new StoredMerkle.Fetched(_nodes), _index, Size).Count;

    [Benchmark]
    public int ConsistencyProofFromStoredNodes() => MerkleMath.ConsistencyProof(new StoredMerkle.Fetched(_nodes), _oldSize, Size).Count;

    [Benchmark]
    public bool VerifyInclusion() => Rfc6962.VerifyInclusion(_index, Size, _nodes[new MerkleNodeKey(0, _index)], _inclusion, _root);

    [Benchmark]
    public bool VerifyConsistency() => Rfc6962.VerifyConsistency(_oldSize, Size, _oldRoot, _root, _consistency);
}

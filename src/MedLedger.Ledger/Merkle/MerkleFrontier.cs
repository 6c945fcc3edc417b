namespace MedLedger.Ledger.Merkle;

/// <summary>A perfect subtree: level L, index i covers leaves [i·2^L, (i+1)·2^L).</summary>
public readonly record struct MerkleNodeKey(int Level, long Index)
{
    /// <summary>
    /// The node's key in ledger_tree_nodes: (last leaf covered) × 64 + level. A node is stored with the block that
    /// appends its last leaf, and within one leaf lower levels complete first, so keys only grow as the log does and
    /// every block's nodes land at the end of the table's B-tree (keyed (level, idx), each level's end was a page of
    /// its own). Valid for logs below 2^57 leaves.
    /// </summary>
    internal long StoreKey => ((((Index + 1) << Level) - 1) << 6) | (long)Level;

    /// <summary>The node a ledger_tree_nodes key names, or null when no perfect subtree of level ≥ 1 has that key.</summary>
    internal static MerkleNodeKey? FromStoreKey(long key)
    {
        var level = (int)(key & 63);
        var lastLeaf = key >> 6;
        if (key < 0 || level is < 1 or > 57 || ((lastLeaf + 1) & ((1L << level) - 1)) != 0)
        {
            return null;
        }
        return new MerkleNodeKey(level, ((lastLeaf + 1) >> level) - 1);
    }
}

/// <summary>
/// The right edge of the log: one perfect subtree hash per set bit of the tree size. Appending a
/// leaf merges equal-sized subtrees and reports every newly completed perfect subtree, which the
/// store persists; so appends need no reads and any proof later needs O(log n) node lookups.
/// </summary>
internal sealed class MerkleFrontier
{
    // Ordered from the largest (leftmost) subtree to the smallest.
    private readonly List<(int Level, byte[] Hash)> _nodes;

    public long Size { get; private set; }

    private MerkleFrontier(long size, List<(int, byte[])> nodes)
    {
        Size = size;
        _nodes = nodes;
    }

    public static MerkleFrontier Empty() => new(0, []);

    /// <summary>The perfect subtrees whose hashes make up the frontier of a tree of this size.</summary>
    public static IReadOnlyList<MerkleNodeKey> KeysFor(long size)
    {
        var keys = new List<MerkleNodeKey>();
        long start = 0;
        for (var level = 62; level >= 0; level--)
        {
            var width = 1L << level;
            if ((size & width) != 0)
            {
                keys.Add(new MerkleNodeKey(level, start >> level));
                start += width;
            }
        }
        return keys;
    }

    public static MerkleFrontier Load(long size, IReadOnlyDictionary<MerkleNodeKey, byte[]> nodes)
    {
        var list = new List<(int, byte[])>();
        foreach (var k in KeysFor(size))
        {
            list.Add((k.Level, nodes.TryGetValue(k, out var h) ? h : throw new LedgerCorruptException($"Merkle node ({k.Level},{k.Index}) is missing.")));
        }
        return new MerkleFrontier(size, list);
    }

    /// <summary>The frontier's perfect subtrees with their keys.</summary>
    public IEnumerable<(MerkleNodeKey Key, byte[] Hash)> Entries() =>
        KeysFor(Size).Zip(_nodes, (k, n) => (k, n.Hash));

    public MerkleFrontier Clone() => new(Size, [.. _nodes]);

    /// <summary>Appends one leaf hash; adds the new nodes (the leaf itself included) to <paramref name="created"/>.</summary>
    public void Append(byte[] leafHash, List<(MerkleNodeKey Key, byte[] Hash)> created)
    {
        var index = Size;
        var level = 0;
        var hash = leafHash;
        created.Add((new MerkleNodeKey(0, index), hash));
        while ((index & 1) == 1)
        {
            var left = _nodes[^1];
            _nodes.RemoveAt(_nodes.Count - 1);
            hash = Rfc6962.NodeHash(left.Hash, hash);
            index >>= 1;
            level++;
            created.Add((new MerkleNodeKey(level, index), hash));
        }
        _nodes.Add((level, hash));
        Size++;
    }

    public byte[] Root()
    {
        if (_nodes.Count == 0)
        {
            return Rfc6962.EmptyRoot;
        }
        var root = _nodes[^1].Hash;
        for (var i = _nodes.Count - 2; i >= 0; i--)
        {
            root = Rfc6962.NodeHash(_nodes[i].Hash, root);
        }
        return root;
    }
}

/// <summary>
/// Runs a Merkle computation against stored perfect subtrees in two passes: the first records
/// which nodes the algorithm touches (the shape never depends on hash values), one batched read
/// fetches them, the second computes.
/// </summary>
internal static class StoredMerkle
{
    public static async Task<T> RunAsync<T>(
        Func<ISubtreeSource, T> algorithm,
        Func<IReadOnlyCollection<MerkleNodeKey>, CancellationToken, Task<IReadOnlyDictionary<MerkleNodeKey, byte[]>>> fetch,
        CancellationToken ct)
    {
        var recorder = new Recorder();
        algorithm(recorder);
        var nodes = recorder.Keys.Count == 0 ? new Dictionary<MerkleNodeKey, byte[]>() : await fetch(recorder.Keys, ct).ConfigureAwait(false);
        return algorithm(new Fetched(nodes));
    }

    private sealed class Recorder : ISubtreeSource
    {
        private static readonly byte[] Dummy = new byte[Rfc6962.HashSize];
        public HashSet<MerkleNodeKey> Keys { get; } = [];

        public byte[] Node(int level, long index)
        {
            Keys.Add(new MerkleNodeKey(level, index));
            return Dummy;
        }
    }

    internal sealed class Fetched(IReadOnlyDictionary<MerkleNodeKey, byte[]> nodes) : ISubtreeSource
    {
        public byte[] Node(int level, long index) =>
            nodes.TryGetValue(new MerkleNodeKey(level, index), out var h)
                ? h
                : throw new LedgerCorruptException($"Merkle node ({level},{index}) is missing from the store.");
    }
}

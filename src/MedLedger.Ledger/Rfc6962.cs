using System.Numerics;
using System.Security.Cryptography;

namespace MedLedger.Ledger;

/// <summary>
/// RFC 6962 / RFC 9162 Merkle tree hashing, proof generation and proof verification.
/// Leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right).
/// Generators throw on bad arguments (a caller bug); verifiers return false and never throw
/// (their input comes from the network).
/// </summary>
public static class Rfc6962
{
    internal const int HashSize = 32;

    /// <summary>MTH({}) = SHA-256 of the empty string.</summary>
    internal static byte[] EmptyRoot => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    public static byte[] LeafHash(byte[] leafData)
    {
        ArgumentNullException.ThrowIfNull(leafData);
        var buf = new byte[leafData.Length + 1];
        leafData.CopyTo(buf, 1);
        return SHA256.HashData(buf);
    }

    internal static byte[] NodeHash(byte[] left, byte[] right)
    {
        Span<byte> buf = stackalloc byte[1 + 2 * HashSize];
        buf[0] = 1;
        left.CopyTo(buf[1..]);
        right.CopyTo(buf[(1 + HashSize)..]);
        return SHA256.HashData(buf);
    }

    public static byte[] RootHash(IReadOnlyList<byte[]> leafHashes)
    {
        CheckLeaves(leafHashes, leafHashes?.Count ?? 0);
        return MerkleMath.RangeHash(new LeafListSource(leafHashes!), 0, leafHashes!.Count);
    }

    public static IReadOnlyList<byte[]> InclusionProof(IReadOnlyList<byte[]> leafHashes, long index, long treeSize)
    {
        CheckLeaves(leafHashes, treeSize);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, treeSize);
        return MerkleMath.InclusionProof(new LeafListSource(leafHashes), index, treeSize);
    }

    public static IReadOnlyList<byte[]> ConsistencyProof(IReadOnlyList<byte[]> leafHashes, long oldSize, long newSize)
    {
        CheckLeaves(leafHashes, newSize);
        ArgumentOutOfRangeException.ThrowIfNegative(oldSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(oldSize, newSize);
        return MerkleMath.ConsistencyProof(new LeafListSource(leafHashes), oldSize, newSize);
    }

    /// <summary>RFC 9162 section 2.1.3.2.</summary>
    public static bool VerifyInclusion(long index, long treeSize, byte[] leafHash, IReadOnlyList<byte[]> proof, byte[] rootHash)
    {
        if (!IsHash(leafHash) || !IsHash(rootHash) || proof is null || index < 0 || index >= treeSize)
        {
            return false;
        }
        long fn = index, sn = treeSize - 1;
        var r = leafHash;
        foreach (var p in proof)
        {
            if (!IsHash(p) || sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                r = NodeHash(p, r);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                r = NodeHash(r, p);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && CryptographicOperations.FixedTimeEquals(r, rootHash);
    }

    /// <summary>
    /// RFC 9162 section 2.1.4.2, plus the C2SP rule for size 0: the empty tree is consistent
    /// with every tree, but only with an empty proof and only when the old root really is MTH({}).
    /// </summary>
    public static bool VerifyConsistency(long oldSize, long newSize, byte[] oldRoot, byte[] newRoot, IReadOnlyList<byte[]> proof)
    {
        if (!IsHash(oldRoot) || !IsHash(newRoot) || proof is null || oldSize < 0 || newSize < oldSize)
        {
            return false;
        }
        foreach (var p in proof)
        {
            if (!IsHash(p))
            {
                return false;
            }
        }
        if (oldSize == 0)
        {
            var empty = EmptyRoot;
            return proof.Count == 0 && oldRoot.AsSpan().SequenceEqual(empty)
                && (newSize != 0 || newRoot.AsSpan().SequenceEqual(empty));
        }
        if (oldSize == newSize)
        {
            return proof.Count == 0 && oldRoot.AsSpan().SequenceEqual(newRoot);
        }
        if (proof.Count == 0)
        {
            return false;
        }
        var path = new List<byte[]>(proof.Count + 1);
        if (BitOperations.IsPow2(oldSize))
        {
            path.Add(oldRoot);
        }
        path.AddRange(proof);
        long fn = oldSize - 1, sn = newSize - 1;
        while ((fn & 1) == 1)
        {
            fn >>= 1;
            sn >>= 1;
        }
        var fr = path[0];
        var sr = path[0];
        for (var i = 1; i < path.Count; i++)
        {
            var c = path[i];
            if (sn == 0)
            {
                return false;
            }
            if ((fn & 1) == 1 || fn == sn)
            {
                fr = NodeHash(c, fr);
                sr = NodeHash(c, sr);
                while ((fn & 1) == 0 && fn != 0)
                {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
            else
            {
                sr = NodeHash(sr, c);
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0
            && CryptographicOperations.FixedTimeEquals(fr, oldRoot)
            && CryptographicOperations.FixedTimeEquals(sr, newRoot);
    }

    private static bool IsHash(byte[]? h) => h is { Length: HashSize };

    private static void CheckLeaves(IReadOnlyList<byte[]>? leafHashes, long treeSize)
    {
        ArgumentNullException.ThrowIfNull(leafHashes);
        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(treeSize, leafHashes.Count);
        for (var i = 0; i < treeSize; i++)
        {
            if (!IsHash(leafHashes[i]))
            {
                throw new ArgumentException($"Leaf hash {i} is not {HashSize} bytes.", nameof(leafHashes));
            }
        }
    }

    /// <summary>Perfect subtree hashes computed from an in-memory list of leaf hashes.</summary>
    private sealed class LeafListSource(IReadOnlyList<byte[]> leaves) : ISubtreeSource
    {
        public byte[] Node(int level, long index) =>
            level == 0 ? leaves[(int)index] : NodeHash(Node(level - 1, 2 * index), Node(level - 1, 2 * index + 1));
    }
}

/// <summary>Hash of the perfect subtree covering leaves [index·2^level, (index+1)·2^level).</summary>
internal interface ISubtreeSource
{
    byte[] Node(int level, long index);
}

/// <summary>
/// The RFC 6962 algorithms written against perfect-subtree hashes only. Every subtree the RFC
/// recursion visits starts at a multiple of its largest power-of-two part, so any range hash is a
/// fold of O(log n) perfect subtrees: the stored log answers with O(log n) lookups.
/// </summary>
internal static class MerkleMath
{
    public static long LargestPow2Below(long n) => 1L << (63 - BitOperations.LeadingZeroCount((ulong)(n - 1)));

    public static byte[] RangeHash(ISubtreeSource src, long start, long end)
    {
        var n = end - start;
        if (n == 0)
        {
            return Rfc6962.EmptyRoot;
        }
        if (BitOperations.IsPow2(n) && start % n == 0)
        {
            var level = BitOperations.Log2((ulong)n);
            return src.Node(level, start >> level);
        }
        var k = LargestPow2Below(n);
        return Rfc6962.NodeHash(RangeHash(src, start, start + k), RangeHash(src, start + k, end));
    }

    public static List<byte[]> InclusionProof(ISubtreeSource src, long index, long treeSize)
    {
        var proof = new List<byte[]>();
        Path(src, index, 0, treeSize, proof);
        return proof;
    }

    private static void Path(ISubtreeSource src, long m, long start, long end, List<byte[]> acc)
    {
        var n = end - start;
        if (n <= 1)
        {
            return;
        }
        var k = LargestPow2Below(n);
        if (m - start < k)
        {
            Path(src, m, start, start + k, acc);
            acc.Add(RangeHash(src, start + k, end));
        }
        else
        {
            Path(src, m, start + k, end, acc);
            acc.Add(RangeHash(src, start, start + k));
        }
    }

    public static List<byte[]> ConsistencyProof(ISubtreeSource src, long oldSize, long newSize)
    {
        var proof = new List<byte[]>();
        if (oldSize > 0 && oldSize < newSize)
        {
            SubProof(src, oldSize, 0, newSize, true, proof);
        }
        return proof;
    }

    private static void SubProof(ISubtreeSource src, long m, long start, long end, bool complete, List<byte[]> acc)
    {
        var n = end - start;
        if (m == n)
        {
            if (!complete)
            {
                acc.Add(RangeHash(src, start, end));
            }
            return;
        }
        var k = LargestPow2Below(n);
        if (m <= k)
        {
            SubProof(src, m, start, start + k, complete, acc);
            acc.Add(RangeHash(src, start + k, end));
        }
        else
        {
            SubProof(src, m - k, start + k, end, false, acc);
            acc.Add(RangeHash(src, start, start + k));
        }
    }
}

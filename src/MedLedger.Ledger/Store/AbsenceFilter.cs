using System.Numerics;

namespace MedLedger.Ledger.Store;

/// <summary>
/// A Bloom filter that grows by adding layers: <see cref="MightContain(string)"/> false means the item
/// was never added (exact, no false negatives), true means "maybe: ask the database". The committer
/// keeps one over the spent nonces and one over the state keys ever written, so a fresh nonce or a
/// never-written key costs no SELECT, while a replay is still refused on the database's word.
/// Adding too much (a block whose COMMIT then failed) only costs a SELECT later, never a false
/// accept; forgetting is impossible (nothing is ever removed). Single-threaded (the committer's).
/// </summary>
internal sealed class AbsenceFilter
{
    // 12 bits and 8 probes per item: about 0.3 % false positives per full layer.
    private const int BitsPerItem = 12;
    private const int Probes = 8;
    private readonly List<ulong[]> _layers = [];
    private long _newestCapacity;
    private long _newestCount;

    public AbsenceFilter(long initialCapacity = 1 << 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(initialCapacity);
        AddLayer(initialCapacity);
    }

    /// <summary>Items added (duplicates counted).</summary>
    public long Count { get; private set; }

    internal int Layers => _layers.Count;

    public void Add(string item) => Add(Hash(item, 0));

    public void Add(string actorId, long nonce) => Add(Hash(actorId, nonce));

    public bool MightContain(string item) => MightContain(Hash(item, 0));

    public bool MightContain(string actorId, long nonce) => MightContain(Hash(actorId, nonce));

    private void Add(ulong hash)
    {
        if (_newestCount >= _newestCapacity)
        {
            // Each new layer doubles, so the layer count (and the summed false-positive rate) grows with log(n).
            AddLayer(_newestCapacity * 2);
        }
        Set(_layers[^1], hash);
        _newestCount++;
        Count++;
    }

    private bool MightContain(ulong hash)
    {
        foreach (var layer in _layers)
        {
            if (Test(layer, hash))
            {
                return true;
            }
        }
        return false;
    }

    private void AddLayer(long capacity)
    {
        var bits = (long)BitOperations.RoundUpToPowerOf2((ulong)(capacity * BitsPerItem));
        _layers.Add(new ulong[Math.Max(1, bits / 64)]);
        _newestCapacity = capacity;
        _newestCount = 0;
    }

    private static void Set(ulong[] layer, ulong hash)
    {
        var mask = (ulong)layer.Length * 64 - 1;
        var (h1, h2) = ((uint)hash, (uint)(hash >> 32) | 1u);
        for (ulong i = 0; i < Probes; i++)
        {
            var bit = (h1 + i * h2) & mask;
            layer[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

    private static bool Test(ulong[] layer, ulong hash)
    {
        var mask = (ulong)layer.Length * 64 - 1;
        var (h1, h2) = ((uint)hash, (uint)(hash >> 32) | 1u);
        for (ulong i = 0; i < Probes; i++)
        {
            var bit = (h1 + i * h2) & mask;
            if ((layer[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>FNV-1a over the UTF-16 code units and the number, then a 64-bit finaliser (SplitMix64) so both halves mix.</summary>
    private static ulong Hash(string s, long n)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        h = (h ^ (ulong)n) * 1099511628211UL;
        h ^= (ulong)n >> 32;
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9UL;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBUL;
        h ^= h >> 31;
        return h;
    }
}

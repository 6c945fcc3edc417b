using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// A bounded least-recently-used set of imported P-256 PUBLIC keys, keyed by the 65 key bytes.
/// Importing a raw point costs OpenSSL a validation (several times a verification), and the same
/// few keys (authors, the peer, readers) are used over and over. Private keys never go in here: a
/// loaded private key lives only in its owner's <see cref="UserKeyPair"/>.
/// Each entry is a small pool of instances that callers rent for exclusive use, because the
/// OpenSSL-backed objects are not documented as thread-safe.
/// </summary>
internal sealed class PublicKeyCache<T>(Func<byte[], T> import, int capacity) where T : IDisposable
{
    private const int InstancesPerKey = 4;

    private sealed class Entry(byte[] key)
    {
        public readonly byte[] Key = key;
        public readonly Stack<T> Idle = new();
        public LinkedListNode<Entry>? Node;
    }

    private readonly Dictionary<byte[], Entry> _entries = new(ByteKeyComparer.Instance);
    private readonly LinkedList<Entry> _recency = new();
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Runs <paramref name="use"/> on an imported instance for <paramref name="publicKey"/>; import errors propagate.</summary>
    public TResult Use<TResult>(byte[] publicKey, Func<T, TResult> use)
    {
        var instance = Rent(publicKey);
        try
        {
            return use(instance);
        }
        finally
        {
            Return(publicKey, instance);
        }
    }

    private T Rent(byte[] publicKey)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue(publicKey, out var entry))
            {
                _recency.Remove(entry.Node!);
                _recency.AddFirst(entry.Node!);
                if (entry.Idle.TryPop(out var idle))
                {
                    return idle;
                }
            }
        }
        // Import outside the lock: it is the expensive part, and a bad point throws before anything is cached.
        return import(publicKey);
    }

    private void Return(byte[] publicKey, T instance)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(publicKey, out var entry))
            {
                // Copy the key: the caller's array may be reused or changed after this call.
                entry = new Entry(publicKey.ToArray());
                entry.Node = _recency.AddFirst(entry);
                _entries[entry.Key] = entry;
                if (_entries.Count > capacity)
                {
                    var oldest = _recency.Last!.Value;
                    _recency.RemoveLast();
                    _entries.Remove(oldest.Key);
                    foreach (var evicted in oldest.Idle)
                    {
                        evicted.Dispose();
                    }
                    oldest.Idle.Clear();
                }
            }
            if (entry.Idle.Count < InstancesPerKey)
            {
                entry.Idle.Push(instance);
                return;
            }
        }
        instance.Dispose();
    }

    private sealed class ByteKeyComparer : IEqualityComparer<byte[]>
    {
        public static readonly ByteKeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = new HashCode();
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}

/// <summary>The process-wide caches of imported public keys (verification keys and HPKE recipient keys).</summary>
internal static class PublicKeys
{
    private const int Capacity = 4096;

    public static readonly PublicKeyCache<ECDsa> Verifiers = new(k => P256.ImportEcdsaPublic(k), Capacity);
    public static readonly PublicKeyCache<ECDiffieHellman> Recipients = new(k => P256.ImportDhPublic(k), Capacity);
}

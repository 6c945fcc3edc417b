using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MedLedger.Ledger;

/// <summary>
/// Signatures one verifier has already checked, so checking the same signed bytes again costs a SHA-256 instead of the
/// curve arithmetic. A client judges the same signed head for every receipt until the next block, and again as its
/// remembered head; a record's anchor is often its newest version too, so one read carried the same receipt twice.
/// A hit means exactly this key, these bytes and this signature verified before: the entry is SHA-256 over the 65-byte
/// key, the 64-byte signature and the bytes (fixed lengths, so the concatenation is unambiguous). Failures are never
/// remembered. One memo belongs to one verifier (a client session); it is never filled by anyone else's checks, only by
/// its own checks and its own signatures (<see cref="RememberOwn"/>).
/// At <see cref="Capacity"/> entries it starts again empty (a bounded cost, not an LRU: a miss only costs a verification).
/// </summary>
public sealed class SignatureMemo(int capacity = 8192)
{
    private readonly ConcurrentDictionary<(Int128, Int128), byte> _verified = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>Entries held now (for tests and diagnostics).</summary>
    public int Count => _verified.Count;

    /// <summary>As <see cref="LedgerCrypto.Verify"/>; a repeat of a verification that passed is answered from the memo.</summary>
    public bool Verify(byte[]? publicKey, ReadOnlySpan<byte> data, byte[]? signature)
    {
        if (publicKey is not { Length: LedgerCrypto.PublicKeySize } || signature is not { Length: LedgerCrypto.SignatureSize })
        {
            return false;
        }
        var key = Entry(publicKey, data, signature);
        if (_verified.ContainsKey(key))
        {
            return true;
        }
        if (!LedgerCrypto.Verify(publicKey, data, signature))
        {
            return false;
        }
        if (_verified.Count >= Capacity)
        {
            _verified.Clear();
        }
        _verified.TryAdd(key, 0);
        return true;
    }

    /// <summary>
    /// Remembers a signature this verifier made itself with its own loaded key (a client's own transaction): checking it
    /// again when it comes back inside a receipt would only repeat the curve arithmetic on bytes it produced. Anything
    /// else in the receipt (the head, its certificate, another signer's transaction, a changed byte) still misses.
    /// </summary>
    public void RememberOwn(byte[] publicKey, ReadOnlySpan<byte> data, byte[] signature)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        ArgumentNullException.ThrowIfNull(signature);
        if (publicKey.Length != LedgerCrypto.PublicKeySize || signature.Length != LedgerCrypto.SignatureSize)
        {
            throw new ArgumentException("Not a P-256 public key and signature.");
        }
        if (_verified.Count >= Capacity)
        {
            _verified.Clear();
        }
        _verified.TryAdd(Entry(publicKey, data, signature), 0);
    }

    private static (Int128, Int128) Entry(byte[] publicKey, ReadOnlySpan<byte> data, byte[] signature)
    {
        var length = publicKey.Length + signature.Length + data.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            publicKey.CopyTo(rented, 0);
            signature.CopyTo(rented, publicKey.Length);
            data.CopyTo(rented.AsSpan(publicKey.Length + signature.Length));
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(rented.AsSpan(0, length), hash);
            return (MemoryMarshal.Read<Int128>(hash), MemoryMarshal.Read<Int128>(hash[16..]));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// HMAC-SHA256 (RFC 2104) over libcrypto's SHA256_Init/Update/Final, for HPKE's key schedule (seven short HMACs per
/// seal or open). Why: each one-shot HMAC through the BCL fetches the algorithm from OpenSSL 3's provider store (a
/// name lookup under a lock, allocations) and cost about five times the two SHA-256 compressions it needs. Used only
/// where <see cref="Available"/>; the BCL's HMACSHA256 otherwise. Both give identical bytes (OpenSslHmacSha256Tests,
/// RFC 4231 and RFC 9180 vectors).
/// </summary>
internal static unsafe class OpenSslHmacSha256
{
    private const int BlockSize = 64;
    private const int HashSize = 32;
    /// <summary>sizeof(SHA256_CTX) is 112 bytes on every OpenSSL 3 platform; 128 leaves room.</summary>
    private const int ContextSize = 128;

    private static readonly delegate* unmanaged<byte*, int> Init;
    private static readonly delegate* unmanaged<byte*, byte*, nuint, int> Update;
    private static readonly delegate* unmanaged<byte*, byte*, int> Final;

    /// <summary>Whether the direct path is used: libcrypto present, the functions found, and the self-test passed.</summary>
    public static bool Available => s_usable && OpenSslP256.Available;

    private static readonly bool s_usable;

#pragma warning disable CA1810 // the exports must be resolved before the self-test, in one place
    static OpenSslHmacSha256()
#pragma warning restore CA1810
    {
        if (LibCrypto.Handle == 0)
        {
            return;
        }
        try
        {
            Init = (delegate* unmanaged<byte*, int>)LibCrypto.Export("SHA256_Init");
            Update = (delegate* unmanaged<byte*, byte*, nuint, int>)LibCrypto.Export("SHA256_Update");
            Final = (delegate* unmanaged<byte*, byte*, int>)LibCrypto.Export("SHA256_Final");
            s_usable = SelfTest();
        }
        catch (EntryPointNotFoundException)
        {
            s_usable = false;
        }
    }

    /// <summary>HMAC-SHA256(key, data). The key and every intermediate state are wiped before returning.</summary>
    public static byte[] Mac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data)
    {
        var result = new byte[HashSize];
        Span<byte> pad = stackalloc byte[BlockSize];
        Span<byte> inner = stackalloc byte[HashSize];
        var ctx = stackalloc byte[ContextSize];
        try
        {
            if (key.Length > BlockSize)
            {
                SHA256.HashData(key, pad); // RFC 2104: a key longer than the block is hashed first
            }
            else
            {
                key.CopyTo(pad);
            }
            for (var i = 0; i < BlockSize; i++)
            {
                pad[i] ^= 0x36;
            }
            fixed (byte* p = pad)
            fixed (byte* d = data)
            fixed (byte* h = inner)
            fixed (byte* r = result)
            {
                if (Init(ctx) != 1 || Update(ctx, p, BlockSize) != 1 || Update(ctx, d, (nuint)data.Length) != 1 || Final(h, ctx) != 1)
                {
                    throw new CryptographicException("OpenSSL SHA-256 failed.");
                }
                for (var i = 0; i < BlockSize; i++)
                {
                    pad[i] ^= 0x36 ^ 0x5c; // ipad to opad
                }
                if (Init(ctx) != 1 || Update(ctx, p, BlockSize) != 1 || Update(ctx, h, HashSize) != 1 || Final(r, ctx) != 1)
                {
                    throw new CryptographicException("OpenSSL SHA-256 failed.");
                }
            }
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pad);
            CryptographicOperations.ZeroMemory(inner);
            CryptographicOperations.ZeroMemory(new Span<byte>(ctx, ContextSize));
        }
    }

    /// <summary>Short, block-sized and long keys and messages must give the BCL's bytes before the path is used.</summary>
    private static bool SelfTest()
    {
        try
        {
            foreach (var (keyLength, dataLength) in new[] { (0, 0), (32, 77), (64, 64), (65, 200), (131, 1) })
            {
                var key = new byte[keyLength];
                var data = new byte[dataLength];
                for (var i = 0; i < key.Length; i++)
                {
                    key[i] = (byte)(i * 7 + 1);
                }
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = (byte)(i * 13 + 5);
                }
                if (!Mac(key, data).AsSpan().SequenceEqual(HMACSHA256.HashData(key, data)))
                {
                    return false;
                }
            }
            return true;
        }
        catch (CryptographicException)
        {
            // A static constructor must not throw: any failure here means the BCL path.
            return false;
        }
    }
}

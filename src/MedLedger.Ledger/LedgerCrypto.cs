using System.Security.Cryptography;

namespace MedLedger.Ledger;

/// <summary>
/// ECDSA P-256 / SHA-256 with IEEE P1363 (r||s, 64 bytes) signatures. Private keys are the 32-byte
/// scalar, public keys the 65-byte uncompressed SEC1 point (0x04||X||Y).
/// </summary>
public static class LedgerCrypto
{
    public const int PrivateKeySize = 32;
    public const int PublicKeySize = 65;
    public const int SignatureSize = 64;
    private const int CacheLimit = 4096;

    // Importing a public key costs ~5x a verification (point validation), so verifiers are cached
    // per thread (OpenSSL-backed ECDsa instances are not documented as thread-safe).
    [ThreadStatic]
    private static Dictionary<string, ECDsa>? t_verifiers;

    public static (byte[] PrivateKey, byte[] PublicKey) GenerateKeyPair()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = key.ExportParameters(true);
        return (p.D!, Encode(p.Q));
    }

    public static byte[] PublicKeyFromPrivate(byte[] privateKey)
    {
        using var key = ImportPrivate(privateKey);
        return Encode(key.ExportParameters(false).Q);
    }

    public static byte[] Sign(byte[] privateKey, ReadOnlySpan<byte> data)
    {
        using var key = ImportPrivate(privateKey);
        return key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>False for a bad signature and for any malformed key or signature; never throws.</summary>
    public static bool Verify(byte[]? publicKey, ReadOnlySpan<byte> data, byte[]? signature)
    {
        if (publicKey is not { Length: PublicKeySize } || publicKey[0] != 4 || signature is not { Length: SignatureSize })
        {
            return false;
        }
        var cache = t_verifiers ??= new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        var id = Convert.ToBase64String(publicKey);
        if (!cache.TryGetValue(id, out var key))
        {
            try
            {
                key = ECDsa.Create(new ECParameters
                {
                    Curve = ECCurve.NamedCurves.nistP256,
                    Q = new ECPoint { X = publicKey[1..33], Y = publicKey[33..65] },
                });
            }
            catch (CryptographicException)
            {
                return false; // not a point on P-256
            }
            if (cache.Count >= CacheLimit)
            {
                foreach (var v in cache.Values)
                {
                    v.Dispose();
                }
                cache.Clear();
            }
            cache[id] = key;
        }
        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    public static byte[] Sha256(ReadOnlySpan<byte> data) => SHA256.HashData(data);

    private static ECDsa ImportPrivate(byte[] privateKey)
    {
        if (privateKey is not { Length: PrivateKeySize })
        {
            throw new ArgumentException($"A P-256 private key is {PrivateKeySize} bytes.", nameof(privateKey));
        }
        return ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = privateKey });
    }

    private static byte[] Encode(ECPoint q)
    {
        var pub = new byte[PublicKeySize];
        pub[0] = 4;
        q.X!.CopyTo(pub, 1);
        q.Y!.CopyTo(pub, 33);
        return pub;
    }
}

/// <summary>A loaded private key for repeated signing (the peer signs every block header).</summary>
public sealed class LedgerSigningKey : IDisposable
{
    private readonly ECDsa _key;
    private readonly Lock _lock = new();

    public LedgerSigningKey(byte[] privateKey)
    {
        if (privateKey is not { Length: LedgerCrypto.PrivateKeySize })
        {
            throw new ArgumentException($"A P-256 private key is {LedgerCrypto.PrivateKeySize} bytes.", nameof(privateKey));
        }
        _key = ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = privateKey });
        PublicKey = LedgerCrypto.PublicKeyFromPrivate(privateKey);
    }

    public byte[] PublicKey { get; }

    public byte[] Sign(ReadOnlySpan<byte> data)
    {
        lock (_lock)
        {
            return _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
    }

    public void Dispose() => _key.Dispose();
}

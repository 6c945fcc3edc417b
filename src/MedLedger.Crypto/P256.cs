using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// P-256 key handling shared by HPKE, signatures and key bundles. Keys travel as raw bytes so the
/// browser (WebCrypto "raw" public keys, JWK "d") and C# use the same representation:
/// private key = 32-byte big-endian scalar, public key = 65-byte uncompressed SEC1 point (0x04 || X || Y).
/// </summary>
internal static class P256
{
    public const int PrivateKeyLength = 32;
    public const int PublicKeyLength = 65;

    // Group order n of P-256 (SEC 2, section 2.4.2).
    internal static readonly byte[] Order = Convert.FromHexString(
        "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    /// <summary>True when 0 &lt; scalar &lt; n, i.e. a usable private key.</summary>
    public static bool IsValidScalar(ReadOnlySpan<byte> scalar)
    {
        if (scalar.Length != PrivateKeyLength)
        {
            return false;
        }
        var nonZero = false;
        foreach (var b in scalar)
        {
            nonZero |= b != 0;
        }
        // Big-endian equal-length comparison with the group order.
        return nonZero && scalar.SequenceCompareTo(Order) < 0;
    }

    public static void CheckPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (!IsValidScalar(privateKey))
        {
            throw new CryptoFormatException("A P-256 private key is a 32-byte big-endian scalar in [1, n-1].");
        }
    }

    /// <summary>The form only (65 bytes, 0x04 prefix); whether the point is on the curve is the importer's check.</summary>
    public static void CheckPublicKeyForm(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != PublicKeyLength || publicKey[0] != 0x04)
        {
            throw new CryptoFormatException("A P-256 public key is a 65-byte uncompressed SEC1 point (0x04 || X || Y).");
        }
    }

    /// <summary>Parses an uncompressed point; the BCL/OpenSSL import rejects points that are not on the curve.</summary>
    public static ECParameters PublicParameters(ReadOnlySpan<byte> publicKey)
    {
        CheckPublicKeyForm(publicKey);
        return new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = publicKey[1..33].ToArray(), Y = publicKey[33..].ToArray() },
        };
    }

    public static ECDiffieHellman ImportDhPublic(ReadOnlySpan<byte> publicKey)
    {
        var parameters = PublicParameters(publicKey);
        var dh = ECDiffieHellman.Create();
        try
        {
            dh.ImportParameters(parameters);
            return dh;
        }
        catch (CryptographicException e)
        {
            dh.Dispose();
            throw new CryptoFormatException("Public key is not a point on P-256.", e);
        }
    }

    /// <summary>
    /// Imports a private key from D alone: the platform (OpenSSL on Linux, CNG on Windows) computes Q.
    /// Measured on OpenSSL 3.0 this is faster than importing D and Q, which adds a consistency check.
    /// </summary>
    public static ECDiffieHellman ImportDhPrivate(ReadOnlySpan<byte> privateKey)
    {
        CheckPrivateKey(privateKey);
        var dh = ECDiffieHellman.Create();
        try
        {
            dh.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = privateKey.ToArray() });
            return dh;
        }
        catch (CryptographicException e)
        {
            dh.Dispose();
            throw new CryptoFormatException("Invalid P-256 private key.", e);
        }
    }

    public static ECDsa ImportEcdsaPrivate(ReadOnlySpan<byte> privateKey)
    {
        CheckPrivateKey(privateKey);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportParameters(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, D = privateKey.ToArray() });
            return ecdsa;
        }
        catch (CryptographicException e)
        {
            ecdsa.Dispose();
            throw new CryptoFormatException("Invalid P-256 private key.", e);
        }
    }

    public static ECDsa ImportEcdsaPublic(ReadOnlySpan<byte> publicKey)
    {
        var parameters = PublicParameters(publicKey);
        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportParameters(parameters);
            return ecdsa;
        }
        catch (CryptographicException e)
        {
            ecdsa.Dispose();
            throw new CryptoFormatException("Public key is not a point on P-256.", e);
        }
    }

    /// <summary>pk(sk): the 65-byte uncompressed public key for a 32-byte scalar.</summary>
    public static byte[] PublicKeyFromPrivate(ReadOnlySpan<byte> privateKey)
    {
        if (OpenSslP256.Available)
        {
            return OpenSslP256.PublicKey(privateKey);
        }
        using var dh = ImportDhPrivate(privateKey);
        return Encode(dh.ExportParameters(false).Q);
    }

    public static (byte[] PrivateKey, byte[] PublicKey) Generate()
    {
        using var dh = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var p = dh.ExportParameters(true);
        try
        {
            // Copy before zeroing: LeftPad returns its input when no padding is needed.
            return (LeftPad(p.D!, PrivateKeyLength).ToArray(), Encode(p.Q));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(p.D);
        }
    }

    public static byte[] Encode(ECPoint q)
    {
        var result = new byte[PublicKeyLength];
        result[0] = 0x04;
        LeftPad(q.X!, 32).CopyTo(result, 1);
        LeftPad(q.Y!, 32).CopyTo(result, 33);
        return result;
    }

    private static byte[] LeftPad(byte[] value, int length)
    {
        if (value.Length == length)
        {
            return value;
        }
        if (value.Length > length)
        {
            throw new CryptographicException("Coordinate longer than the field size.");
        }
        var padded = new byte[length];
        value.CopyTo(padded, length - value.Length);
        return padded;
    }
}

using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// ECDSA P-256 with SHA-256; signatures are IEEE P1363 r || s (64 bytes), the format WebCrypto
/// produces and expects. ECDSA is randomized (and (r, n-s) is also valid), so never use signature
/// bytes as an identifier.
/// </summary>
public static class Signatures
{
    public const int SignatureLength = 64;

    public static UserKeyPair GenerateKeyPair()
    {
        var (sk, pk) = P256.Generate();
        return new UserKeyPair(sk, pk);
    }

    public static byte[] Sign(byte[] privateKey, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(data);
        using var ecdsa = P256.ImportEcdsaPrivate(privateKey);
        return ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }

    /// <summary>True only for a valid signature; malformed keys, data or signatures give false, never an exception.</summary>
    public static bool Verify(byte[]? publicKey, byte[]? data, byte[]? signature)
    {
        if (publicKey is null || data is null || signature is null || signature.Length != SignatureLength)
        {
            return false;
        }
        try
        {
            // Imported keys come from the LRU: re-importing the point on every call cost about 3x the verification itself.
            return PublicKeys.Verifiers.Use(publicKey, ecdsa =>
                ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        }
        catch (CryptoFormatException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

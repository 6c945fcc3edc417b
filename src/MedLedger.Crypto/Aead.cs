using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>AES-GCM with a 12-byte nonce and a 16-byte tag appended to the ciphertext (WebCrypto's layout).</summary>
internal static class Aead
{
    public const int NonceLength = 12;
    public const int TagLength = 16;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + TagLength];
        using var gcm = new AesGcm(key, TagLength);
        gcm.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), aad);
        return output;
    }

    /// <summary>Returns the plaintext or throws <see cref="CryptoIntegrityException"/>; never returns unauthenticated bytes.</summary>
    public static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> aad, ReadOnlySpan<byte> ciphertext)
    {
        if (ciphertext.Length < TagLength)
        {
            throw new CryptoFormatException("AES-GCM ciphertext is shorter than its tag.");
        }
        var plaintext = new byte[ciphertext.Length - TagLength];
        using var gcm = new AesGcm(key, TagLength);
        try
        {
            gcm.Decrypt(nonce, ciphertext[..plaintext.Length], ciphertext[plaintext.Length..], plaintext, aad);
        }
        catch (AuthenticationTagMismatchException e)
        {
            // AesGcm already zeroes the output on failure; we only translate the exception type.
            throw new CryptoIntegrityException("AES-GCM authentication failed.", e);
        }
        return plaintext;
    }
}

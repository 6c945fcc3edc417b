using System.Security.Cryptography;
using System.Text;

namespace MedLedger.Crypto;

/// <summary>
/// The recovery code shown once at sign-up: 120 random bits as 24 Crockford base32 symbols in
/// groups of 4, then one Luhn mod 32 check symbol, e.g. "7KQ4-M2XC-9D0R-TB5W-HN3F-Z8PA-6".
/// The check symbol catches every single mistyped symbol and most adjacent swaps before we try a
/// decryption. Because the code is high-entropy, a plain HKDF (no slow KDF) turns it into a key.
/// </summary>
public static class RecoveryCode
{
    public const int EntropyLength = 15; // 120 bits = 24 symbols of 5 bits
    public const int SymbolCount = 24;
    public static readonly byte[] KeyInfo = "medledger/v1/recovery-key"u8.ToArray();

    public static string Generate()
    {
        var entropy = RandomNumberGenerator.GetBytes(EntropyLength);
        try
        {
            return FromEntropy(entropy);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entropy);
        }
    }

    /// <summary>Formats 15 bytes of entropy as a code (exposed for deterministic test vectors).</summary>
    public static string FromEntropy(byte[] entropy)
    {
        ArgumentNullException.ThrowIfNull(entropy);
        if (entropy.Length != EntropyLength)
        {
            throw new CryptoFormatException("Recovery entropy is 15 bytes.");
        }
        var symbols = Base32.Encode(entropy);
        var values = symbols.Select(c => Base32.Value(c)).ToArray();
        var sb = new StringBuilder();
        for (var i = 0; i < SymbolCount; i += 4)
        {
            sb.Append(symbols, i, 4).Append('-');
        }
        sb.Append(Base32.Alphabet[CheckValue(values)]);
        return sb.ToString();
    }

    /// <summary>
    /// Parses a typed code: case-insensitive, hyphens and spaces ignored, O read as 0 and I/L as 1.
    /// Throws <see cref="CryptoFormatException"/> for a wrong length, an invalid symbol or a failed check.
    /// </summary>
    public static byte[] ParseEntropy(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var values = new List<int>(SymbolCount + 1);
        foreach (var c in code)
        {
            if (c is '-' or ' ' or '\t')
            {
                continue;
            }
            var v = Base32.Value(c);
            if (v < 0)
            {
                throw new CryptoFormatException($"'{c}' is not a recovery code symbol.");
            }
            values.Add(v);
        }
        if (values.Count != SymbolCount + 1)
        {
            throw new CryptoFormatException($"A recovery code has {SymbolCount + 1} symbols; got {values.Count}.");
        }
        var data = values.Take(SymbolCount).ToArray();
        if (CheckValue(data) != values[SymbolCount])
        {
            throw new CryptoFormatException("Recovery code check symbol does not match; a symbol was mistyped.");
        }
        return Base32.FromValues(data, EntropyLength);
    }

    /// <summary>Canonical spelling of a typed code (upper case, grouped), or a format exception.</summary>
    public static string Normalize(string code) => FromEntropy(ParseEntropy(code));

    /// <summary>recoveryKey = HKDF-SHA256(ikm = 15 entropy bytes, salt = empty, info = "medledger/v1/recovery-key", L = 32).</summary>
    public static byte[] DeriveKey(string code)
    {
        var entropy = ParseEntropy(code);
        try
        {
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, entropy, 32, [], KeyInfo);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entropy);
        }
    }

    /// <summary>Luhn mod N (N = 32) over the symbol values, rightmost value doubled first.</summary>
    internal static int CheckValue(ReadOnlySpan<int> values)
    {
        const int n = 32;
        var factor = 2;
        var sum = 0;
        for (var i = values.Length - 1; i >= 0; i--)
        {
            var addend = factor * values[i];
            factor = factor == 2 ? 1 : 2;
            sum += (addend / n) + (addend % n);
        }
        return (n - (sum % n)) % n;
    }
}

namespace MedLedger.Crypto;

/// <summary>Crockford base32 (0-9 A-Z without I L O U), most significant bit first, no padding.</summary>
internal static class Base32
{
    public const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[(data.Length * 8 + 4) / 5];
        int buffer = 0, bits = 0, index = 0;
        foreach (var b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[index++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            chars[index++] = Alphabet[(buffer << (5 - bits)) & 31];
        }
        return new string(chars, 0, index);
    }

    /// <summary>Value of one symbol, accepting Crockford's typing aliases (lower case, O→0, I/L→1); -1 if invalid.</summary>
    public static int Value(char c)
    {
        c = char.ToUpperInvariant(c);
        c = c switch { 'O' => '0', 'I' or 'L' => '1', _ => c };
        return Alphabet.IndexOf(c, StringComparison.Ordinal);
    }

    /// <summary>Decodes exactly <paramref name="byteCount"/> bytes from 5-bit values; trailing pad bits must be zero.</summary>
    public static byte[] FromValues(ReadOnlySpan<int> values, int byteCount)
    {
        var output = new byte[byteCount];
        int buffer = 0, bits = 0, index = 0;
        foreach (var v in values)
        {
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                if (index == byteCount)
                {
                    throw new CryptoFormatException("Too many base32 symbols.");
                }
                output[index++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
            buffer &= (1 << bits) - 1;
        }
        if (index != byteCount || buffer != 0)
        {
            throw new CryptoFormatException("Base32 input has the wrong length.");
        }
        return output;
    }
}

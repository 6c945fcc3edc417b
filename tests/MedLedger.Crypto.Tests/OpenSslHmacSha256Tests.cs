using System.Security.Cryptography;
using System.Text;

namespace MedLedger.Crypto.Tests;

/// <summary>HPKE's direct HMAC-SHA256 must be HMAC-SHA256: RFC 4231's answers and the BCL's bytes for any key and message.</summary>
public class OpenSslHmacSha256Tests
{
    public static TheoryData<string, string, string> Rfc4231() => new()
    {
        // Test cases 1, 2 and 6 of RFC 4231 section 4 (HMAC-SHA-256 rows): a short key, a text key, a key longer than the block.
        { "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", Convert.ToHexString("Hi There"u8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { Convert.ToHexString("Jefe"u8), Convert.ToHexString("what do ya want for nothing?"u8), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { string.Concat(Enumerable.Repeat("aa", 131)), Convert.ToHexString("Test Using Larger Than Block-Size Key - Hash Key First"u8), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
    };

    [Theory]
    [MemberData(nameof(Rfc4231))]
    public void Rfc_4231_answers(string keyHex, string dataHex, string expected)
    {
        Assert.True(!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MEDLEDGER_CRYPTO_OPENSSL") == "0" || OpenSslHmacSha256.Available);
        if (!OpenSslHmacSha256.Available)
        {
            return; // other platforms use the BCL's HMACSHA256 in HPKE
        }
        Assert.Equal(expected, Convert.ToHexStringLower(OpenSslHmacSha256.Mac(Convert.FromHexString(keyHex), Convert.FromHexString(dataHex))));
    }

    [Fact]
    public void Random_keys_and_messages_of_every_length_around_the_block_give_the_bcls_bytes()
    {
        if (!OpenSslHmacSha256.Available)
        {
            return;
        }
        foreach (var keyLength in new[] { 0, 1, 31, 32, 33, 63, 64, 65, 128 })
        {
            foreach (var dataLength in new[] { 0, 1, 55, 56, 63, 64, 65, 119, 1000 })
            {
                var key = RandomNumberGenerator.GetBytes(keyLength);
                var data = RandomNumberGenerator.GetBytes(dataLength);
                Assert.Equal(HMACSHA256.HashData(key, data), OpenSslHmacSha256.Mac(key, data));
            }
        }
        Assert.NotEqual(OpenSslHmacSha256.Mac([1], Encoding.ASCII.GetBytes("a")), OpenSslHmacSha256.Mac([2], Encoding.ASCII.GetBytes("a")));
    }
}

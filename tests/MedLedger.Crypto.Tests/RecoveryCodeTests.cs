using System.Text.RegularExpressions;

namespace MedLedger.Crypto.Tests;

public class RecoveryCodeTests
{
    [Fact]
    public void Generated_code_has_documented_shape_and_round_trips()
    {
        var code = RecoveryCode.Generate();
        Assert.Matches(new Regex("^([0-9A-HJKMNP-TV-Z]{4}-){6}[0-9A-HJKMNP-TV-Z]$"), code);
        Assert.Equal(15, RecoveryCode.ParseEntropy(code).Length);
        Assert.Equal(code, RecoveryCode.Normalize(code));
        Assert.NotEqual(code, RecoveryCode.Generate());
    }

    [Fact]
    public void Typing_variants_are_accepted()
    {
        var code = RecoveryCode.FromEntropy(Convert.FromHexString("00112233445566778899aabbccddee"));
        var sloppy = code.ToLowerInvariant().Replace("-", " ", StringComparison.Ordinal).Replace('0', 'o').Replace('1', 'l');
        Assert.Equal(code, RecoveryCode.Normalize(sloppy));
        Assert.Equal(RecoveryCode.DeriveKey(code), RecoveryCode.DeriveKey(sloppy));
    }

    [Fact]
    public void Every_single_symbol_substitution_is_caught_by_the_check_symbol()
    {
        var code = RecoveryCode.FromEntropy(Convert.FromHexString("0f1e2d3c4b5a69788796a5b4c3d2e1"));
        var symbols = code.Replace("-", "", StringComparison.Ordinal);
        for (var i = 0; i < symbols.Length; i++)
        {
            foreach (var replacement in "0123456789ABCDEFGHJKMNPQRSTVWXYZ")
            {
                if (replacement == symbols[i])
                {
                    continue;
                }
                var typo = symbols[..i] + replacement + symbols[(i + 1)..];
                Assert.Throws<CryptoFormatException>(() => RecoveryCode.ParseEntropy(typo));
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("ABCD")]
    [InlineData("ABCD-EFGH-JKMN-PQRS-TVWX-YZ01-23")]
    [InlineData("ABCD-EFGH-JKMN-PQRS-TVWX-YZ0U-2")]
    public void Wrong_length_or_symbol_is_a_format_error(string code) =>
        Assert.Throws<CryptoFormatException>(() => RecoveryCode.ParseEntropy(code));

    [Fact]
    public void Different_codes_give_different_keys()
    {
        var a = RecoveryCode.DeriveKey(RecoveryCode.Generate());
        var b = RecoveryCode.DeriveKey(RecoveryCode.Generate());
        Assert.Equal(32, a.Length);
        Assert.NotEqual(a, b);
    }
}

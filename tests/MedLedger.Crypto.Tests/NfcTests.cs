using System.Text;
using MedLedger.Crypto.Unicode;

namespace MedLedger.Crypto.Tests;

public class NfcTests
{
    private static string Utf8(string hex) => Encoding.UTF8.GetString(Convert.FromHexString(hex));

    [Fact]
    public void Matches_reference_nfc_for_tricky_strings()
    {
        foreach (var (input, nfc) in NfcConformanceData.Strings)
        {
            Assert.Equal(nfc, Convert.ToHexStringLower(Encoding.UTF8.GetBytes(Nfc.Normalize(Utf8(input)))));
        }
    }

    [Fact]
    public void Matches_reference_nfc_for_every_code_point_that_changes()
    {
        foreach (var (cp, nfc) in NfcConformanceData.ChangedCodePoints)
        {
            Assert.Equal(nfc, Convert.ToHexStringLower(Encoding.UTF8.GetBytes(Nfc.Normalize(char.ConvertFromUtf32(cp)))));
        }
    }

    [Fact]
    public void Leaves_every_other_code_point_alone()
    {
        var changed = NfcConformanceData.ChangedCodePoints.Select(c => c.CodePoint).ToHashSet();
        for (var cp = 0; cp <= 0x10FFFF; cp++)
        {
            if (cp is >= 0xD800 and <= 0xDFFF || changed.Contains(cp))
            {
                continue;
            }
            var s = char.ConvertFromUtf32(cp);
            if (Nfc.Normalize(s) != s)
            {
                Assert.Fail($"U+{cp:X4} changed");
            }
        }
    }

    [Fact]
    public void Password_derivation_is_the_same_for_nfc_and_nfd_input()
    {
        var parameters = new PasswordParameters(PasswordParameters.Pbkdf2Sha256, PasswordParameters.MinimumIterations, new byte[16]);
        var nfd = PasswordKeys.Derive("cafe\u0301", parameters);
        var nfc = PasswordKeys.Derive("caf\u00e9", parameters);
        Assert.Equal(nfc.KeyEncryptionKey, nfd.KeyEncryptionKey);
        Assert.Equal(nfc.AuthenticationKey, nfd.AuthenticationKey);
    }
}

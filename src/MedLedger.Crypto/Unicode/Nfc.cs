using System.Text;

namespace MedLedger.Crypto.Unicode;

/// <summary>
/// Unicode Normalization Form C (UAX #15) from generated tables. Needed because the solution runs
/// with InvariantGlobalization, where string.Normalize() leaves non-ASCII text unchanged; the
/// password KDF must match the browser's password.normalize("NFC") byte for byte.
/// </summary>
internal static class Nfc
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    public static string Normalize(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        // Everything below U+0300 is NFC-stable on its own and never combines with a previous character.
        if (s.All(c => c < 0x300))
        {
            return s;
        }
        var buffer = new List<int>(s.Length + 8);
        foreach (var rune in s.EnumerateRunes())
        {
            Decompose(rune.Value, buffer);
        }
        Reorder(buffer);
        Compose(buffer);
        var sb = new StringBuilder(buffer.Count);
        foreach (var cp in buffer)
        {
            sb.Append(char.ConvertFromUtf32(cp));
        }
        return sb.ToString();
    }

    private static void Decompose(int cp, List<int> output)
    {
        var sIndex = cp - SBase;
        if (sIndex is >= 0 and < SCount)
        {
            output.Add(LBase + (sIndex / NCount));
            output.Add(VBase + (sIndex % NCount / TCount));
            if (sIndex % TCount != 0)
            {
                output.Add(TBase + (sIndex % TCount));
            }
            return;
        }
        var i = Array.BinarySearch(NfcTables.DecompositionKeys, cp);
        if (i < 0)
        {
            output.Add(cp);
            return;
        }
        // Table entries are already full canonical decompositions.
        for (var j = NfcTables.DecompositionOffsets[i]; j < NfcTables.DecompositionOffsets[i + 1]; j++)
        {
            output.Add(NfcTables.DecompositionData[j]);
        }
    }

    private static int CombiningClass(int cp)
    {
        var i = Array.BinarySearch(NfcTables.CombiningClassKeys, cp);
        return i < 0 ? 0 : NfcTables.CombiningClassValues[i];
    }

    /// <summary>Canonical ordering: stable sort of each run of non-starters by combining class.</summary>
    private static void Reorder(List<int> d)
    {
        for (var i = 1; i < d.Count; i++)
        {
            var cc = CombiningClass(d[i]);
            if (cc == 0)
            {
                continue;
            }
            var j = i;
            while (j > 0 && CombiningClass(d[j - 1]) > cc)
            {
                (d[j - 1], d[j]) = (d[j], d[j - 1]);
                j--;
            }
        }
    }

    private static int ComposePair(int first, int second)
    {
        var lIndex = first - LBase;
        if (lIndex is >= 0 and < LCount)
        {
            var vIndex = second - VBase;
            if (vIndex is >= 0 and < VCount)
            {
                return SBase + (((lIndex * VCount) + vIndex) * TCount);
            }
        }
        var sIndex = first - SBase;
        if (sIndex is >= 0 and < SCount && sIndex % TCount == 0)
        {
            var tIndex = second - TBase;
            if (tIndex is > 0 and < TCount)
            {
                return first + tIndex;
            }
        }
        var i = Array.BinarySearch(NfcTables.CompositionKeys, ((long)first << 21) | (uint)second);
        return i < 0 ? -1 : NfcTables.CompositionValues[i];
    }

    /// <summary>Canonical composition (UAX #15, section 1.3 / the reference algorithm).</summary>
    private static void Compose(List<int> d)
    {
        if (d.Count == 0)
        {
            return;
        }
        var starterPos = 0;
        var lastClass = CombiningClass(d[0]);
        if (lastClass != 0)
        {
            lastClass = 256; // a leading non-starter blocks composition with anything after it
        }
        var compPos = 1;
        for (var decompPos = 1; decompPos < d.Count; decompPos++)
        {
            var ch = d[decompPos];
            var chClass = CombiningClass(ch);
            var composite = ComposePair(d[starterPos], ch);
            if (composite >= 0 && (lastClass < chClass || lastClass == 0))
            {
                d[starterPos] = composite;
                continue;
            }
            if (chClass == 0)
            {
                starterPos = compPos;
            }
            lastClass = chClass;
            d[compPos++] = ch;
        }
        d.RemoveRange(compPos, d.Count - compPos);
    }
}

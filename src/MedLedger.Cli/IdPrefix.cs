using System.CommandLine;
using System.Globalization;

namespace MedLedger.Cli;

/// <summary>
/// Ids as people copy them from the web app, which shows the first 8 characters: a full id, or any unique prefix of at
/// least 4 hex characters of an id the caller can list. The prefix is matched on the client against the caller's own
/// list, so the server learns nothing new and an ambiguous prefix is refused, never guessed.
/// </summary>
public static class IdPrefix
{
    public const int MinimumLength = 4;

    /// <summary>An argument that takes a full id or a prefix; resolve it with <see cref="ResolveAsync"/>.</summary>
    public static Argument<string> Argument(string name, string what) =>
        new(name) { Description = $"{what} id, or a unique prefix of it (at least {MinimumLength} characters, as the web app shows)" };

    /// <summary>Parses a full id directly; otherwise lists the caller's <paramref name="what"/>s and picks the one the prefix names.</summary>
    public static async Task<Guid> ResolveAsync(string text, string what, Func<Task<IEnumerable<Guid>>> candidates)
    {
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }
        var prefix = Normalize(text, what);
        return Match(prefix, what, await candidates());
    }

    /// <summary>The one candidate starting with the prefix (hyphens ignored, case-insensitive), or a clear refusal.</summary>
    public static Guid Match(string prefix, string what, IEnumerable<Guid> candidates)
    {
        var hex = Normalize(prefix, what);
        var hits = candidates.Distinct().Where(c => c.ToString("N").StartsWith(hex, StringComparison.Ordinal)).ToList();
        return hits.Count switch
        {
            1 => hits[0],
            0 => throw new InvalidOperationException($"No {what} of yours has an id starting with {prefix}."),
            _ => throw new InvalidOperationException(
                $"{prefix} is ambiguous: {hits.Count.ToString(CultureInfo.InvariantCulture)} {what}s start with it ({string.Join(", ", hits.Take(5).Select(h => h.ToString()[..13]))}…); give more characters."),
        };
    }

    private static string Normalize(string text, string what)
    {
        var hex = text.Trim().Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();
        if (hex.Length < MinimumLength || hex.Length > 32 || !hex.All(char.IsAsciiHexDigit))
        {
            throw new InvalidOperationException($"\"{text}\" is not a {what} id: give the full id or at least {MinimumLength} of its first hex characters.");
        }
        return hex;
    }
}

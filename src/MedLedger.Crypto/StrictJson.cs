using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MedLedger.Crypto;

/// <summary>
/// Strict reading/writing of the JSON forms of crypto structures. JSON is only a transport here
/// (nothing hashes or signs JSON bytes), but the reader accepts exactly one spelling of each value
/// (no unknown or duplicate members, canonical base64, plain integers, lower-case hex) so a changed
/// byte can never be silently normalised away.
/// </summary>
internal static class StrictJson
{
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        // Base64 '+' and '/' and non-ASCII ids are written as-is instead of \uXXXX escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    public static JsonDocument Parse(ReadOnlyMemory<byte> utf8)
    {
        // JsonDocument defers UTF-8 validation of names/strings to access time (InvalidOperationException);
        // checking up front keeps every malformed input a CryptoFormatException.
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
        {
            throw new CryptoFormatException("JSON is not valid UTF-8.");
        }
        try
        {
            return JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 8, CommentHandling = JsonCommentHandling.Disallow, AllowTrailingCommas = false });
        }
        catch (JsonException e)
        {
            throw new CryptoFormatException("Malformed JSON.", e);
        }
        catch (ArgumentException e)
        {
            throw new CryptoFormatException("Malformed JSON.", e);
        }
    }

    /// <summary>Checks that <paramref name="element"/> is an object with exactly the given members, each once.</summary>
    public static void RequireMembers(JsonElement element, string what, params string[] names)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CryptoFormatException($"{what} must be a JSON object.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (Array.IndexOf(names, property.Name) < 0)
            {
                throw new CryptoFormatException($"{what} has an unknown member '{property.Name}'.");
            }
            if (!seen.Add(property.Name))
            {
                throw new CryptoFormatException($"{what} repeats member '{property.Name}'.");
            }
        }
        if (seen.Count != names.Length)
        {
            throw new CryptoFormatException($"{what} lacks a member; expected {string.Join(", ", names)}.");
        }
    }

    public static string String(JsonElement obj, string name)
    {
        var value = obj.GetProperty(name);
        if (value.ValueKind != JsonValueKind.String)
        {
            throw new CryptoFormatException($"'{name}' must be a string.");
        }
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new CryptoFormatException($"'{name}' is not valid UTF-8/UTF-16 text.", e);
        }
    }

    public static long Int64(JsonElement obj, string name)
    {
        var value = obj.GetProperty(name);
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var result)
            || value.GetRawText() != result.ToString(CultureInfo.InvariantCulture))
        {
            throw new CryptoFormatException($"'{name}' must be a plain integer.");
        }
        return result;
    }

    public static int Int32(JsonElement obj, string name)
    {
        var value = Int64(obj, name);
        if (value is < int.MinValue or > int.MaxValue)
        {
            throw new CryptoFormatException($"'{name}' is out of range.");
        }
        return (int)value;
    }

    /// <summary>Standard base64 with padding (RFC 4648 section 4), canonical only: re-encoding must give the same text.</summary>
    public static byte[] Base64(JsonElement obj, string name, int? exactLength = null, int minLength = 0)
    {
        var text = String(obj, name);
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException e)
        {
            throw new CryptoFormatException($"'{name}' is not base64.", e);
        }
        if (Convert.ToBase64String(bytes) != text)
        {
            throw new CryptoFormatException($"'{name}' is not canonical base64.");
        }
        if ((exactLength is { } n && bytes.Length != n) || bytes.Length < minLength)
        {
            throw new CryptoFormatException($"'{name}' has the wrong length ({bytes.Length} bytes).");
        }
        return bytes;
    }

    /// <summary>Lower-case hex of exactly <paramref name="byteLength"/> bytes.</summary>
    public static string LowerHex(JsonElement obj, string name, int byteLength)
    {
        var text = String(obj, name);
        if (text.Length != byteLength * 2 || !text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f'))
        {
            throw new CryptoFormatException($"'{name}' must be {byteLength * 2} lower-case hex digits.");
        }
        return text;
    }

    public static byte[] Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            write(writer);
        }
        return stream.ToArray();
    }
}

using System.Text.Json;

namespace MedLedger.Client;

/// <summary>
/// A one-line title for an opened record, chosen as the web app's record card chooses it (web/src/fhir/FhirCard.tsx):
/// a CodeableConcept's text, else its first coding's display, else its first code. It is medical content, so it is
/// computed on the device from the decrypted record and only ever printed to the record's reader.
/// </summary>
public static class RecordTitles
{
    public static string Of(string category, string contentType, byte[] content)
    {
        if (contentType != "application/fhir+json")
        {
            return $"{category} ({contentType}, {content.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)} bytes)";
        }
        try
        {
            // Files saved by editors often start with a UTF-8 byte order mark, which the JSON reader refuses.
            var json = content.AsMemory();
            if (json.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
            {
                json = json[3..];
            }
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            if (r.ValueKind != JsonValueKind.Object)
            {
                return category;
            }
            var title = (Str(r, "resourceType") switch
            {
                "MedicationRequest" or "MedicationStatement" => Concept(r, "medicationCodeableConcept"),
                "Immunization" => Concept(r, "vaccineCode"),
                "CarePlan" => Str(r, "title") ?? Concept(r, "category"),
                "Bundle" => r.TryGetProperty("entry", out var e) && e.ValueKind == JsonValueKind.Array ? $"{e.GetArrayLength()} resources" : null,
                _ => null,
            }) ?? Concept(r, "code") ?? Concept(r, "type") ?? Str(r, "description") ?? Str(r, "title");
            return title is null ? category : Clip(title);
        }
        catch (JsonException)
        {
            return category;
        }
    }

    private static string Clip(string s)
    {
        var oneLine = s.ReplaceLineEndings(" ").Trim();
        return oneLine.Length <= 80 ? oneLine : string.Concat(oneLine.AsSpan(0, 79), "…");
    }

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    /// <summary>A CodeableConcept (or the first of an array of them): text, else the first display, else the first code.</summary>
    private static string? Concept(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var cc))
        {
            return null;
        }
        if (cc.ValueKind == JsonValueKind.Array)
        {
            cc = cc.EnumerateArray().FirstOrDefault(x => x.ValueKind == JsonValueKind.Object);
        }
        if (cc.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        if (Str(cc, "text") is { } text)
        {
            return text;
        }
        if (!cc.TryGetProperty("coding", out var codings) || codings.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var list = codings.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object).ToList();
        return list.Select(c => Str(c, "display")).FirstOrDefault(d => d is not null) ?? list.Select(c => Str(c, "code")).FirstOrDefault(d => d is not null);
    }
}

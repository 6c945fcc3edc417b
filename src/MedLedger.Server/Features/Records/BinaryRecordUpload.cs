using System.Globalization;
using System.Text.Json;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.Net.Http.Headers;

namespace MedLedger.Server.Features.Records;

/// <summary>
/// The two bodies POST /api/records/{id}/versions accepts (docs/records-upload.md). JSON carries the ciphertext as base64
/// inside <see cref="RecordUpload"/> (the browser app's form). The binary form is <c>application/octet-stream</c>: the
/// first <c>Record-Metadata-Length</c> bytes are <see cref="RecordUploadMetadata"/> as UTF-8 JSON, the rest is the
/// ciphertext itself — no base64, no JSON parse of megabytes, and it can go to the blob store as it arrives.
/// </summary>
public static class BinaryRecordUpload
{
    public const string JsonContentType = "application/json";
    public const string BinaryContentType = "application/octet-stream";
    public const string MetadataLengthHeader = "Record-Metadata-Length";

    /// <summary>True for <c>application/octet-stream</c> (parameters ignored); the routing layer answers 415 to any type but these two.</summary>
    public static bool IsBinary(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type) && type.MediaType.Equals(BinaryContentType, StringComparison.OrdinalIgnoreCase);

    /// <summary>The JSON form's body; a missing or <c>null</c> body is a 400 like any malformed one.</summary>
    public static async Task<RecordUpload> ReadJsonAsync(HttpRequest request, JsonSerializerOptions options, CancellationToken ct) =>
        await request.ReadFromJsonAsync<RecordUpload>(options, ct)
        ?? throw new ProblemException(400, "malformed-json", "Malformed request body", "The body is JSON null; a record upload object is required.");

    /// <summary>
    /// Reads and parses the metadata part of a binary upload and leaves <see cref="HttpRequest.Body"/> at the first
    /// ciphertext byte. Refuses a missing or out-of-range length, a short metadata part, and a Content-Length that
    /// disagrees with the declared parts — before any ciphertext byte is read.
    /// </summary>
    public static async Task<RecordUploadMetadata> ReadMetadataAsync(HttpRequest request, JsonSerializerOptions options, CancellationToken ct)
    {
        if (!int.TryParse(request.Headers[MetadataLengthHeader].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length < 2 || length > RecordService.MaxMetadataBytes)
        {
            throw ProblemException.Invalid(MetadataLengthHeader,
                $"A binary upload needs the {MetadataLengthHeader} header: the byte length of the JSON metadata at the start of the body (2 to {RecordService.MaxMetadataBytes}).");
        }
        var json = new byte[length];
        if (await request.Body.ReadAtLeastAsync(json, length, throwOnEndOfStream: false, ct) < length)
        {
            throw new ProblemException(400, "truncated-body", "Truncated body", $"The body ended inside the {length}-byte metadata part; nothing was stored.");
        }
        var m = JsonSerializer.Deserialize<RecordUploadMetadata>(json, options)
            ?? throw new ProblemException(400, "malformed-json", "Malformed request body", "The metadata part is JSON null; a record upload metadata object is required.");
        if (m.CiphertextLength > RecordService.MaxCiphertextBytes)
        {
            throw ProblemException.TooLarge($"Records are limited to {RecordService.MaxPlaintextBytes / (1024 * 1024)} MiB.");
        }
        if (request.ContentLength is { } total && total != length + m.CiphertextLength)
        {
            throw new ProblemException(400, "body-length-mismatch", "Body length does not match the metadata",
                $"Content-Length is {total}; the metadata part ({length}) plus the declared ciphertextLength ({m.CiphertextLength}) is {length + m.CiphertextLength}. Nothing was stored.");
        }
        return m;
    }
}

using System.Net;
using System.Text.Json;

namespace MedLedger.Client;

/// <summary>The server refused a request; carries its RFC 9457 problem.</summary>
public sealed class MedLedgerApiException : Exception
{
    public HttpStatusCode Status { get; }
    public string? Title { get; }
    public string? Detail { get; }
    public string? ProblemType { get; }

    public MedLedgerApiException(HttpStatusCode status, string? title, string? detail, string? type)
        : base($"{(int)status} {title}: {detail}")
    {
        Status = status;
        Title = title;
        Detail = detail;
        ProblemType = type;
    }

    public MedLedgerApiException() : this(HttpStatusCode.InternalServerError, null, null, null) { }
    public MedLedgerApiException(string message) : base(message) { }
    public MedLedgerApiException(string message, Exception inner) : base(message, inner) { }

    internal static async Task<MedLedgerApiException> FromResponseAsync(HttpResponseMessage res, CancellationToken ct)
    {
        string? title = res.ReasonPhrase, detail = null, type = null;
        try
        {
            var body = await res.Content.ReadAsStringAsync(ct);
            if (!string.IsNullOrWhiteSpace(body) && body.TrimStart().StartsWith('{'))
            {
                using var doc = JsonDocument.Parse(body);
                var root = doc.RootElement;
                title = root.TryGetProperty("title", out var t) ? t.GetString() : title;
                detail = root.TryGetProperty("detail", out var d) ? d.GetString() : null;
                type = root.TryGetProperty("type", out var ty) ? ty.GetString() : null;
            }
        }
        catch (JsonException)
        {
            // Not a problem document; the status line is all we have.
        }
        return new MedLedgerApiException(res.StatusCode, title, detail, type);
    }
}

/// <summary>The client refused to continue because a cryptographic or ledger check failed (e.g. a key not on the ledger).</summary>
public sealed class MedLedgerVerificationException : Exception
{
    public MedLedgerVerificationException() { }
    public MedLedgerVerificationException(string message) : base(message) { }
    public MedLedgerVerificationException(string message, Exception inner) : base(message, inner) { }
}

namespace MedLedger.Server.Infrastructure.Errors;

/// <summary>
/// A refusal a client caused and can understand. Services throw it; one exception handler
/// turns it into an RFC 9457 problem response. Anything else escaping is a bug (500).
/// </summary>
public sealed class ProblemException : Exception
{
    public int Status { get; }
    public string Title { get; }
    public string Type { get; }
    public IDictionary<string, string[]>? Errors { get; }
    public TimeSpan? RetryAfter { get; init; }

    public ProblemException(int status, string type, string title, string detail, IDictionary<string, string[]>? errors = null)
        : base(detail)
    {
        Status = status;
        Type = type;
        Title = title;
        Errors = errors;
    }

    public ProblemException() : this(400, "bad-request", "Bad request", "The request was not valid.") { }
    public ProblemException(string message) : this(400, "bad-request", "Bad request", message) { }
    public ProblemException(string message, Exception inner) : base(message, inner)
    {
        Status = 400;
        Type = "bad-request";
        Title = "Bad request";
    }

    public static ProblemException BadRequest(string detail) => new(400, "bad-request", "Bad request", detail);
    public static ProblemException Unauthorized(string detail) => new(401, "unauthorized", "Not signed in", detail);
    public static ProblemException Forbidden(string detail) => new(403, "forbidden", "Forbidden", detail);
    public static ProblemException NotFound(string what) => new(404, "not-found", "Not found", $"{what} was not found.");
    public static ProblemException Conflict(string detail) => new(409, "conflict", "Conflict", detail);
    public static ProblemException Gone(string detail) => new(410, "gone", "Gone", detail);
    public static ProblemException TooLarge(string detail) => new(413, "payload-too-large", "Payload too large", detail);
    public static ProblemException Locked(string detail, TimeSpan retryAfter) =>
        new(429, "locked-out", "Too many attempts", detail) { RetryAfter = retryAfter };

    /// <summary>429 with Retry-After (at least one second, so a client never retries at once).</summary>
    public static ProblemException RateLimited(string detail, TimeSpan retryAfter) =>
        new(429, "rate-limited", "Too many requests", detail) { RetryAfter = retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter };

    public static ProblemException Invalid(string field, string message) =>
        new(422, "validation", "Invalid input", message, new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemException Invalid(IDictionary<string, string[]> errors) =>
        new(422, "validation", "Invalid input", "One or more fields are invalid: " + string.Join("; ", errors.SelectMany(e => e.Value)), errors);
}

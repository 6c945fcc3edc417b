using System.Text.Json;
using MedLedger.Crypto;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Infrastructure.Errors;

/// <summary>Maps every client-caused failure to an RFC 9457 problem; only genuine bugs become 500.</summary>
internal sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var problem = Map(exception);
        if (problem is null)
        {
            // Log the type and stack only: messages can echo request content.
            logger.LogError("Unhandled {ExceptionType} at {StackTrace}", exception.GetType().FullName, exception.StackTrace);
            return false;
        }
        context.Response.StatusCode = problem.Status ?? 400;
        if (exception is ProblemException { RetryAfter: { } retry })
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            // Operators need to see overload; the type only (messages can echo request content).
            logger.LogWarning("Database overloaded: {ExceptionType}", exception.GetType().FullName);
            context.Response.Headers.RetryAfter = "1";
        }
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    internal static ProblemDetails? Map(Exception exception) => exception switch
    {
        ProblemException p => Build(p),
        BadHttpRequestException b when b.StatusCode == StatusCodes.Status413PayloadTooLarge =>
            Simple(413, "payload-too-large", "Payload too large", "The request body exceeds the size limit."),
        BadHttpRequestException b when b.InnerException is JsonException j =>
            Simple(400, "malformed-json", "Malformed request body", "The body is not valid JSON for this endpoint: " + SafeJsonMessage(j)),
        BadHttpRequestException b => Simple(b.StatusCode, "bad-request", "Bad request", b.Message),
        JsonException j => Simple(400, "malformed-json", "Malformed request body", SafeJsonMessage(j)),
        FormatException => Simple(400, "bad-request", "Bad request", "A value had the wrong format (for example, invalid base64)."),
        CryptoFormatException c => Simple(400, "bad-crypto-format", "Malformed cryptographic structure", c.Message),
        CryptoIntegrityException => Simple(422, "integrity", "Integrity check failed", "A signature or authentication tag did not verify."),
        DbUpdateConcurrencyException => Simple(409, "concurrent-update", "Concurrent update", "The resource changed while you were updating it; reload and retry."),
        _ when TransientDatabaseFailure(exception) => Unavailable(),
        _ => null,
    };

    // An exhausted connection pool, "too many clients" or a busy database is overload, not a bug and not the client's
    // fault: 503 with Retry-After (set by TryHandleAsync), so a client retries instead of seeing a 500.
    private static bool TransientDatabaseFailure(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // SQLite reports BUSY (5) and LOCKED (6) without marking them transient.
            if (e is System.Data.Common.DbException { IsTransient: true } or Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 })
            {
                return true;
            }
        }
        return false;
    }

    private static ProblemDetails Unavailable() =>
        Simple(503, "temporarily-unavailable", "Temporarily unavailable", "The database is busy (too many requests at once). Retry shortly; a retried write is checked like the first.");

    // System.Text.Json messages name the path and position, not values; still trim to be safe.
    private static string SafeJsonMessage(JsonException j) =>
        j.Path is null ? "invalid JSON." : $"invalid value at '{j.Path}' (line {j.LineNumber}, byte {j.BytePositionInLine}).";

    private static ProblemDetails Build(ProblemException p)
    {
        ProblemDetails pd = p.Errors is null
            ? new ProblemDetails()
            : new HttpValidationProblemDetails(p.Errors);
        pd.Status = p.Status;
        pd.Title = p.Title;
        pd.Detail = p.Message;
        pd.Type = "https://medledger.example/problems/" + p.Type;
        return pd;
    }

    private static ProblemDetails Simple(int status, string type, string title, string detail) =>
        new() { Status = status, Title = title, Detail = detail, Type = "https://medledger.example/problems/" + type };
}

internal static class ProblemHandlingExtensions
{
    public static IServiceCollection AddMedLedgerProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Extensions["traceId"] = ctx.HttpContext.Features.Get<IHttpActivityFeature>()?.Activity.Id ?? ctx.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        return services;
    }
}

namespace MedLedger.Server.Infrastructure.Http;

/// <summary>
/// Every /api answer is data for a client, never a document: uploaded content (record ciphertext, profiles) only ever
/// leaves the server inside these JSON answers. If one is opened in a browser tab anyway it is downloaded, not
/// sniffed into HTML, and even then would run nothing (sandboxed, no sources allowed).
/// </summary>
public sealed class ApiResponseHeaders(RequestDelegate next)
{
    public const string ContentSecurityPolicy = "sandbox; default-src 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            // OnStarting: the exception handler clears headers before it writes a problem; these must survive that.
            context.Response.OnStarting(() =>
            {
                var h = context.Response.Headers;
                h.XContentTypeOptions = "nosniff";
                h.ContentSecurityPolicy = ContentSecurityPolicy;
                h.ContentDisposition = "attachment";
                return Task.CompletedTask;
            });
        }
        return next(context);
    }
}

using Scalar.AspNetCore;

namespace MedLedger.Server.Infrastructure.OpenApi;

/// <summary>
/// The API description (<c>/openapi/v1.json</c>) and its interactive reference (<c>/scalar/v1</c>). The reference page
/// is self-contained: Scalar.AspNetCore serves its bundle (<c>scalar.js</c>) and loader from the server itself, the
/// vendor fonts, telemetry, hosted client, AI agent and toolbar are off, and a per-response CSP confines the page to
/// this origin — so it works offline and a token typed into it goes nowhere but this server.
/// </summary>
public static class ApiReference
{
    private sealed class ReferencePage;

    public static IServiceCollection AddMedLedgerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "MedLedger API";
                document.Info.Description =
                    "Medical records sealed on the client and anchored on a permissioned ledger. Sign in with `POST /api/auth/prelogin`, " +
                    "`/api/auth/login` and `/api/auth/login/verify`, then send the access token as a bearer token. Every error is an " +
                    "RFC 9457 problem (`application/problem+json`); 422 problems carry an `errors` map of field messages.";
                return Task.CompletedTask;
            });
            o.AddDocumentTransformer<BearerSecurityScheme>();
            o.AddOperationTransformer<OperationConventions>();
        });

    public static WebApplication MapMedLedgerApiReference(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(o => o
                .WithTitle("MedLedger API reference")
                .DisableDefaultFonts()
                .DisableTelemetry()
                .HideClientButton()
                .HideDocumentDownload()
                .HideDeveloperTools()
                .DisableAgent()
                .DisableMcp()
                .AddPreferredSecuritySchemes([BearerSecurityScheme.Name])
                .WithNonce()
                // The sidebar's "Powered by Scalar" link is the one vendor element without an option of its own.
                .WithCustomCss("a[href*='utm_source=powered-by'] { display: none; }"))
            .WithMetadata(new ReferencePage());
        app.Use(async (ctx, next) =>
        {
            if (ctx.GetEndpoint()?.Metadata.GetMetadata<ReferencePage>() is not null)
            {
                ctx.Response.OnStarting(() =>
                {
                    // WithNonce() puts a fresh nonce on every script tag and here; the inline loader runs only with it.
                    var nonce = ctx.Items[ScalarOptions.NonceHttpContextItemKey] as string;
                    ctx.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy(nonce);
                    ctx.Response.Headers.XContentTypeOptions = "nosniff";
                    ctx.Response.Headers["Referrer-Policy"] = "no-referrer";
                    return Task.CompletedTask;
                });
            }
            await next();
        });
        return app;
    }

    /// <summary>Own origin only: the bundle mentions vendor services (fonts, proxy, telemetry); the browser may reach none.
    /// The UI sets styles at run time, hence 'unsafe-inline' for styles only.</summary>
    private static string ContentSecurityPolicy(string? nonce) =>
        $"default-src 'none'; script-src 'self'{(nonce is null ? "" : $" 'nonce-{nonce}'")}; style-src 'self' 'unsafe-inline'; " +
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; manifest-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

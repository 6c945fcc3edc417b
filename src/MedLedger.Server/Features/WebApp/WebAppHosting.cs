using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.WebApp;

/// <summary>Where the built browser app (web/dist) is. Empty: `wwwroot` beside the server binaries, if present.</summary>
public sealed class WebAppOptions
{
    public const string Section = "Web";

    public string? Root { get; set; }

    public string? ResolveRoot()
    {
        var root = string.IsNullOrWhiteSpace(Root) ? Path.Combine(AppContext.BaseDirectory, "wwwroot") : Path.GetFullPath(Root);
        return File.Exists(Path.Combine(root, "index.html")) ? root : null;
    }
}

/// <summary>
/// Serves the single-page app at `/`. Every path that is not the API, the hubs or a built file gets
/// index.html so client-side routes survive a reload; unknown API paths stay 404 problems.
/// </summary>
public static class WebAppHosting
{
    // The app loads nothing from elsewhere: no CDN, no inline script. Styles set by the UI library at run time need 'unsafe-inline'.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static IServiceCollection AddWebApp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebAppOptions>().Bind(configuration.GetSection(WebAppOptions.Section))
            .Validate(o => string.IsNullOrWhiteSpace(o.Root) || o.ResolveRoot() is not null, "Web:Root must be a folder containing index.html (run `npm run build` in web/).")
            .ValidateOnStart();
        // Bundles are ~270 KB raw, ~80 KB compressed. Only the app's static files are compressed (below), never API
        // answers: compressing responses that mix secrets (tokens) with attacker-influenced input invites BREACH.
        services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.MimeTypes = ["text/html", "text/css", "text/javascript", "application/javascript", "image/svg+xml"];
        });
        return services;
    }

    public static WebApplication UseWebApp(this WebApplication app)
    {
        var root = app.Services.GetRequiredService<IOptions<WebAppOptions>>().Value.ResolveRoot();
        if (root is null)
        {
            app.Logger.LogWarning("No built web app found (web/dist or wwwroot); only the API is served.");
            return app;
        }
        var files = new PhysicalFileProvider(root);
        app.Use(async (ctx, next) =>
        {
            if (!IsApi(ctx.Request.Path))
            {
                ctx.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                ctx.Response.Headers.XContentTypeOptions = "nosniff";
                ctx.Response.Headers["Referrer-Policy"] = "no-referrer";
            }
            await next();
        });
        app.UseWhen(ctx => !IsApi(ctx.Request.Path), branch => branch.UseResponseCompression());
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            OnPrepareResponse = c =>
            {
                // Hashed bundle names never change content; the HTML that names them must always be fresh.
                c.Context.Response.Headers.CacheControl = c.Context.Request.Path.StartsWithSegments("/assets")
                    ? "public, max-age=31536000, immutable" : "no-cache";
            },
        });
        app.MapFallback(async ctx =>
        {
            if (IsApi(ctx.Request.Path) || !HttpMethods.IsGet(ctx.Request.Method))
            {
                await Results.Problem(statusCode: 404, title: "Not found", detail: "No such endpoint.").ExecuteAsync(ctx);
                return;
            }
            ctx.Response.Headers.CacheControl = "no-cache";
            ctx.Response.ContentType = "text/html; charset=utf-8";
            await ctx.Response.SendFileAsync(files.GetFileInfo("index.html"), ctx.RequestAborted);
        }).AllowAnonymous();
        return app;
    }

    private static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/hubs") || path.StartsWithSegments("/openapi")
        || path.StartsWithSegments("/scalar") || path.StartsWithSegments("/health");
}

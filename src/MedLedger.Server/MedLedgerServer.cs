using System.Text.Json.Serialization;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Amendments;
using MedLedger.Server.Features.Appointments;
using MedLedger.Server.Features.Care;
using MedLedger.Server.Features.Consent;
using MedLedger.Server.Features.Dev;
using MedLedger.Server.Features.Dispensing;
using MedLedger.Server.Features.Insurance;
using MedLedger.Server.Features.Emergency;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Blobs;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Profiles;
using MedLedger.Server.Features.Orders;
using MedLedger.Server.Features.Claims;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Features.Messages;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Features.WebApp;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.Messaging;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Authorization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace MedLedger.Server;

/// <summary>Composition root. The CLI (`medledger serve`) and the tests build the host through here.</summary>
public static class MedLedgerServer
{
    /// <summary>Default JSON body limit; endpoints that take files raise it explicitly.</summary>
    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// Host arguments with configuration files read once. With reload on change the host watches its content root
    /// recursively, and a data folder under it turns every SQLite and blob write into file events this process then
    /// handles (about 3 % of a record write's CPU in the session-35 profile, docs/benchmarks.md). Settings change by restart.
    /// </summary>
    public static string[] HostArgs(params string[] args) => ["--hostBuilder:reloadConfigOnChange=false", .. args];

    public static WebApplicationBuilder ConfigureServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // SQL text at Information would flood the console; it never carries parameter values (no sensitive-data logging).
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore.Database.Command", LogLevel.Warning);
        // Request-line logs carry paths and query strings (search coordinates, dev-outbox addresses): keep them out.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        services.AddOptions<StorageOptions>().Bind(builder.Configuration.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<MessagingOptions>().Bind(builder.Configuration.GetSection(MessagingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();

        var storage = builder.Configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        // Pooled contexts: building a context's services per request was ~6 % of a record write's CPU (session-35 profile).
        // The contexts hold no state of their own; EF resets tracking and settings when one returns to the pool.
        if (storage.Provider == StorageProvider.Postgres)
        {
            services.AddDbContextPool<MedLedgerDbContext, PostgresMedLedgerDbContext>(o => o.UseNpgsql(storage.ConnectionString));
            services.AddSingleton(_ => new SqliteReadConnections(null, BusyTimeout.Timeout));
        }
        else
        {
            Directory.CreateDirectory(storage.DataDirectory);
            services.AddDbContextPool<MedLedgerDbContext, SqliteMedLedgerDbContext>(o => o.UseSqlite(storage.SqliteConnectionString,
                x => x.CommandTimeout(60)).AddInterceptors(BusyTimeout));
            // A factory, so the container disposes the open connections with the host.
            services.AddSingleton(_ => new SqliteReadConnections(storage.SqliteConnectionString, BusyTimeout.Timeout));
        }

        services.AddSingleton<IMessageSender>(sp =>
        {
            var m = sp.GetRequiredService<IOptions<MessagingOptions>>().Value;
            return m.SmtpHost is null
                ? new OutboxMessageSender(sp.GetRequiredService<IOptions<StorageOptions>>(), sp.GetRequiredService<TimeProvider>())
                : new SmtpMessageSender(sp.GetRequiredService<IOptions<MessagingOptions>>());
        });
        services.AddSingleton<OneTimeCodeQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<OneTimeCodeQueue>());
        services.AddSingleton(sp => new FileBlobStore(Path.Combine(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory, "blobs")));
        services.AddScoped<IBlobStore>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.Postgres
            ? new DatabaseBlobStore(sp.GetRequiredService<MedLedgerDbContext>())
            : sp.GetRequiredService<FileBlobStore>());

        // Features: one Add per feature (docs/architecture.md, "Adding a feature").
        var configuration = builder.Configuration;
        services.AddAccounts(configuration);
        services.AddOrganizations(configuration);
        services.AddAdmin(configuration);
        services.AddLedger(configuration);
        services.AddRecords(configuration);
        services.AddConsent(configuration);
        services.AddCare(configuration);
        services.AddEmergency(configuration);
        services.AddHospitals(configuration);
        services.AddAmendments(configuration);
        services.AddProfiles(configuration);
        services.AddPharmacy(configuration);
        services.AddMessages(configuration);
        services.AddAppointments(configuration);
        services.AddWebApp(configuration);
        services.AddDev(configuration);
        services.AddDispensing(configuration);
        services.AddPayments(configuration);
        services.AddInsurance(configuration);
        services.AddOrders(configuration);
        services.AddClaims(configuration);

        services.AddAuthentication(SessionAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, SessionAuthenticationHandler>(SessionAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder().AddMedLedgerPolicies();
        services.AddSingleton<IAuthorizationHandler, VerifiedRoleHandler>();
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();

        services.AddMedLedgerProblems();
        services.Configure<JsonOptions>(o => ConfigureJson(o.SerializerOptions));
        // Bind failures (wrong types, missing body) throw so the problem handler answers 400, never a bare 400/500.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = DefaultMaxBodyBytes);
        services.AddMedLedgerOpenApi();
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                if (!http.Request.Path.StartsWithSegments("/api/auth"))
                {
                    return RateLimitPartition.GetNoLimiter("unlimited");
                }
                var perMinute = http.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.AuthRequestsPerMinutePerAddress;
                return RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "local",
                    _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
            });
            o.OnRejected = async (ctx, ct) =>
            {
                ctx.HttpContext.Response.Headers.RetryAfter = "60";
                await Results.Problem(statusCode: 429, title: "Too many requests", type: "https://medledger.example/problems/rate-limited",
                    detail: "Too many sign-in requests from this address; wait a minute and try again.").ExecuteAsync(ctx.HttpContext);
            };
        });
        return builder;
    }

    public static void ConfigureJson(System.Text.Json.JsonSerializerOptions o)
    {
        o.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        // Missing required members and nulls in non-nullable members are malformed input (400), not nulls in the service.
        o.RespectNullableAnnotations = true;
        o.RespectRequiredConstructorParameters = true;
    }

    public static WebApplication Configure(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<Infrastructure.Http.ApiResponseHeaders>();
        app.UseMiddleware<RequestSizeLimitMiddleware>();
        app.UseWebApp();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapMedLedgerApiReference();
        app.MapGet("/health", Check).AllowAnonymous().WithTags("Health").WithSummary("Whether the server and its relational store answer").ProducesProblems(503);
        // Features: one Map per feature.
        app.MapAccounts();
        app.MapOrganizations();
        app.MapAdmin();
        app.MapLedger();
        app.MapRecords();
        app.MapConsent();
        app.MapCare();
        app.MapEmergency();
        app.MapHospitals();
        app.MapAmendments();
        app.MapProfiles();
        app.MapPharmacy();
        app.MapMessages();
        app.MapAppointments();
        app.MapDev();
        app.MapDispensing();
        app.MapPayments();
        app.MapInsurance();
        app.MapOrders();
        app.MapClaims();
        return app;
    }

    private static async Task<Results<Ok<HealthStatus>, ProblemHttpResult>> Check(MedLedgerDbContext db, CancellationToken ct) =>
        await db.Database.CanConnectAsync(ct)
            ? TypedResults.Ok(new HealthStatus("healthy"))
            : TypedResults.Problem(statusCode: 503, title: "Store unreachable", detail: "The relational store did not answer.");

    private static readonly SqliteBusyTimeout BusyTimeout = new(TimeSpan.FromSeconds(10));

    /// <summary>Applies migrations for the configured provider. Safe to call on every start.</summary>
    public static async Task InitializeAsync(IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers proceed during writes; the ledger writes the same file from its own connections.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            await db.Database.CloseConnectionAsync();
        }
        await db.Database.MigrateAsync(ct);
    }
}

/// <summary>The answer of <c>GET /health</c> when the store answers.</summary>
public sealed record HealthStatus(string Status);

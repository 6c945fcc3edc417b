using System.Net.Http.Json;
using System.Text.Json;
using MedLedger.Server;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MedLedger.Server.Tests.Infrastructure;

/// <summary>A clock tests can move: expiry and TOTP steps without sleeping.</summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;
    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// The real ASP.NET pipeline (TestServer) over a real store: a fresh SQLite file in a temp
/// folder by default, or a PostgreSQL database when a connection string is given.
/// </summary>
public sealed class TestHost : IAsyncDisposable
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    public WebApplication App { get; }
    public string DataDirectory { get; }
    public TestClock Clock { get; }
    public InMemoryLogSink Logs { get; }

    private TestHost(WebApplication app, string dataDirectory, TestClock clock, InMemoryLogSink logs)
    {
        App = app;
        DataDirectory = dataDirectory;
        Clock = clock;
        Logs = logs;
    }

    private static JsonSerializerOptions CreateJson()
    {
        var o = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        MedLedgerServer.ConfigureJson(o);
        return o;
    }

    /// <param name="services">Runs after the server's own registrations, so a test can decorate a service (e.g. the blob store).</param>
    public static async Task<TestHost> StartAsync(Action<IDictionary<string, string?>>? configure = null, string? postgresConnectionString = null, Action<IServiceCollection>? services = null)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "medledger-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDir);
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dataDir,
            ["Demo:Enabled"] = "true",
            // Keep the server-side hash cheap in tests; production default is 100,000.
            ["Auth:ServerHashIterations"] = "10000",
            // Every TestServer request comes from one "address"; the limiter has its own test.
            ["Auth:AuthRequestsPerMinutePerAddress"] = "100000",
        };
        if (postgresConnectionString is not null)
        {
            settings["Storage:Provider"] = "Postgres";
            settings["Storage:ConnectionString"] = postgresConnectionString;
        }
        configure?.Invoke(settings);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = MedLedgerServer.HostArgs(), EnvironmentName = "Testing", ContentRootPath = dataDir });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseTestServer();
        var logs = new InMemoryLogSink();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        MedLedgerServer.ConfigureServices(builder);
        var clock = new TestClock();
        builder.Services.AddSingleton<TimeProvider>(clock);
        // TestServer requests have no peer address; Kestrel on localhost would give loopback. A test that sets its own keeps it.
        builder.Services.AddSingleton<IStartupFilter, LoopbackPeerStartupFilter>();
        services?.Invoke(builder.Services);
        var app = builder.Build();
        MedLedgerServer.Configure(app);
        await MedLedgerServer.InitializeAsync(app.Services);
        await app.StartAsync();
        return new TestHost(app, dataDir, clock, logs);
    }

    public HttpClient CreateClient() => App.GetTestClient();

    public T Service<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(DataDirectory, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Gives TestServer requests the loopback peer address a local Kestrel would, unless the test set one.</summary>
internal sealed class LoopbackPeerStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((ctx, following) =>
        {
            ctx.Connection.RemoteIpAddress ??= System.Net.IPAddress.Loopback;
            return following(ctx);
        });
        next(app);
    };
}

/// <summary>Captures every log line so tests can prove secrets never reach the logs.</summary>
public sealed class InMemoryLogSink : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();
    public IReadOnlyCollection<string> Lines => _lines;
    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);
    public void Dispose() { }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}

public static class HttpJson
{
    public static Task<HttpResponseMessage> PostJson<T>(this HttpClient c, string url, T body) => c.PostAsJsonAsync(url, body, TestHost.Json);
    public static Task<HttpResponseMessage> PutJson<T>(this HttpClient c, string url, T body) => c.PutAsJsonAsync(url, body, TestHost.Json);
    public static async Task<T> Read<T>(this HttpResponseMessage r) =>
        (await r.Content.ReadFromJsonAsync<T>(TestHost.Json))!;
    public static async Task<JsonElement> Problem(this HttpResponseMessage r)
    {
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        return await r.Content.ReadFromJsonAsync<JsonElement>();
    }
}

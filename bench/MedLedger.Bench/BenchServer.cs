using MedLedger.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace MedLedger.Bench;

/// <summary>The real server in this process on a loopback address, as the macro benchmarks drive it (no logging, a data folder of its own).</summary>
internal static class BenchServer
{
    /// <param name="settings">Configuration on top of the data folder (e.g. a raised rate limit, the demo outbox).</param>
    /// <param name="beforePipeline">Middleware placed in front of the server's own pipeline (e.g. per-route timing).</param>
    public static async Task<WebApplication> StartAsync(string dataDirectory, Uri baseAddress, IReadOnlyDictionary<string, string?>? settings = null, Action<WebApplication>? beforePipeline = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = MedLedgerServer.HostArgs(), EnvironmentName = "Production", ContentRootPath = Path.GetTempPath() });
        var config = new Dictionary<string, string?> { ["Storage:DataDirectory"] = dataDirectory };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value;
        }
        builder.Configuration.AddInMemoryCollection(config);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(baseAddress.ToString().TrimEnd('/'));
        MedLedgerServer.ConfigureServices(builder);
        var app = builder.Build();
        beforePipeline?.Invoke(app);
        MedLedgerServer.Configure(app);
        await MedLedgerServer.InitializeAsync(app.Services);
        await app.StartAsync();
        return app;
    }
}

using System.Diagnostics;
using System.Globalization;
using MedLedger.Server;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MedLedger.Bench.Hospitals;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro hospital-search [--quick] [--postgres]
/// Nearby search (HospitalDirectoryService.SearchAsync, one DI scope per query as a request has)
/// over 10,000 verified hospitals with two wards and up to three services each, spread uniformly
/// over Germany's bounding box (a deliberately dense worst case: ~5x Germany's real hospital count).
/// Reports latency percentiles per radius and filter, single caller and 8 concurrent callers, and
/// the same query as a naive full scan (every hospital's distance computed) for comparison.
/// </summary>
public sealed class NearbySearchBenchmark : IMacroBenchmark
{
    private const int Hospitals = 10_000;
    private const double MinLat = 47.3, MaxLat = 55.0, MinLon = 5.9, MaxLon = 15.0;
    private static readonly string[] Services = ["cardiology", "dialysis", "mri", "neurosurgery", "oncology", "stroke unit", "trauma"];

    public string Name => "hospital-search";

    public async Task RunAsync(string[] args)
    {
        var quick = args.Contains("--quick");
        var queries = quick ? 300 : 2000;
        PostgresCluster? cluster = null;
        string? pg = null;
        if (args.Contains("--postgres"))
        {
            cluster = await PostgresCluster.StartAsync();
            pg = await cluster.CreateDatabaseAsync("bench_hospitals");
        }
        var dir = Path.Combine(Path.GetTempPath(), "medledger-bench-hosp-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var app = await BuildAsync(dir, pg);
            Console.WriteLine($"hospital-search: {Environment.ProcessorCount} cores, {(pg is null ? "SQLite (WAL)" : "PostgreSQL 15")}, {Hospitals} hospitals, {queries} queries per row");
            var seedWatch = Stopwatch.StartNew();
            await SeedAsync(app.Services);
            if (pg is not null)
            {
                // Statistics as autovacuum would have them on a table this size; without them the planner guesses.
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>().Database.ExecuteSqlRawAsync("ANALYZE");
            }
            Console.WriteLine($"seeded in {seedWatch.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine("| query | callers | results/query (mean) | p50 ms | p95 ms | p99 ms | queries/s |");
            Console.WriteLine("|---|---|---|---|---|---|---|");
            foreach (var (label, radius, service, bedType) in new (string, double, string?, string?)[]
            {
                ("radius 10 km", 10, null, null),
                ("radius 50 km", 50, null, null),
                ("radius 50 km, bedType=icu", 50, null, "icu"),
                ("radius 50 km, service=dialysis", 50, "dialysis", null),
                ("radius 200 km", 200, null, null),
            })
            {
                await RowAsync(app.Services, label, 1, queries, radius, service, bedType, naive: false);
                await RowAsync(app.Services, label, 8, queries, radius, service, bedType, naive: false);
            }
            await RowAsync(app.Services, "radius 50 km, naive full scan", 1, Math.Min(queries, 300), 50, null, null, naive: true);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
            if (cluster is not null)
            {
                await cluster.DisposeAsync();
            }
        }
    }

    private static async Task<WebApplication> BuildAsync(string dir, string? pg)
    {
        var settings = new Dictionary<string, string?> { ["Storage:DataDirectory"] = dir };
        if (pg is not null)
        {
            settings["Storage:Provider"] = "Postgres";
            settings["Storage:ConnectionString"] = pg;
        }
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = MedLedgerServer.HostArgs(), EnvironmentName = "Production", ContentRootPath = Path.GetTempPath() });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        MedLedgerServer.ConfigureServices(builder);
        var app = builder.Build();
        await MedLedgerServer.InitializeAsync(app.Services);
        return app;
    }

    private static async Task SeedAsync(IServiceProvider services)
    {
        var rng = new Random(6);
        for (var batch = 0; batch < Hospitals; batch += 1000)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
            db.ChangeTracker.AutoDetectChangesEnabled = false;
            for (var i = batch; i < batch + 1000; i++)
            {
                var id = Guid.NewGuid();
                db.Add(new Organization
                {
                    Id = id, Kind = OrganizationKind.Hospital, Name = $"Hospital {i}", Address = $"{i} Bench Street", RegistrationNumber = $"HRB {i}",
                    Latitude = MinLat + rng.NextDouble() * (MaxLat - MinLat), Longitude = MinLon + rng.NextDouble() * (MaxLon - MinLon),
                    Verification = VerificationStatus.Approved, CreatedAt = DateTimeOffset.UtcNow,
                });
                var icu = rng.Next(0, 20);
                var general = rng.Next(10, 300);
                db.Add(new BedWard { Id = Guid.NewGuid(), OrganizationId = id, Name = "ICU", BedType = "icu", Total = icu, Occupied = icu == 0 ? 0 : rng.Next(0, icu + 1), UpdatedAt = DateTimeOffset.UtcNow });
                db.Add(new BedWard { Id = Guid.NewGuid(), OrganizationId = id, Name = "General", BedType = "general", Total = general, Occupied = rng.Next(0, general + 1), UpdatedAt = DateTimeOffset.UtcNow });
                foreach (var s in Services.OrderBy(_ => rng.Next()).Take(rng.Next(1, 4)))
                {
                    db.Add(new HospitalOffering { Id = Guid.NewGuid(), OrganizationId = id, Kind = HospitalOfferingKind.Service, Name = s, Key = s });
                }
            }
            await db.SaveChangesAsync();
        }
    }

    private static async Task RowAsync(IServiceProvider services, string label, int callers, int queries, double radius, string? service, string? bedType, bool naive)
    {
        var rng = new Random(60 + callers);
        var points = Enumerable.Range(0, queries).Select(_ => (MinLat + 1 + rng.NextDouble() * (MaxLat - MinLat - 2), MinLon + 1 + rng.NextDouble() * (MaxLon - MinLon - 2))).ToArray();
        // Warm-up: connections, query plans, JIT.
        for (var i = 0; i < 20; i++)
        {
            await QueryAsync(services, points[i % points.Length], radius, service, bedType, naive);
        }
        var latencies = new double[queries];
        long results = 0;
        var next = -1;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < queries)
            {
                var sw = Stopwatch.StartNew();
                var n = await QueryAsync(services, points[i], radius, service, bedType, naive);
                latencies[i] = sw.Elapsed.TotalMilliseconds;
                Interlocked.Add(ref results, n);
            }
        })));
        var elapsed = total.Elapsed.TotalSeconds;
        Array.Sort(latencies);
        double P(double q) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(q * latencies.Length) - 1)];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {label} | {callers} | {(double)results / queries:F1} | {P(0.50):F2} | {P(0.95):F2} | {P(0.99):F2} | {queries / elapsed:F0} |"));
    }

    /// <summary>One request's worth of work; returns the total number of hospitals matched.</summary>
    private static async Task<int> QueryAsync(IServiceProvider services, (double Lat, double Lon) p, double radius, string? service, string? bedType, bool naive)
    {
        await using var scope = services.CreateAsyncScope();
        if (!naive)
        {
            var r = await scope.ServiceProvider.GetRequiredService<HospitalDirectoryService>()
                .SearchAsync(p.Lat, p.Lon, radius, service, bedType, 1, 20, CancellationToken.None);
            return r.Total;
        }
        // The approach the issue rules out: every hospital's distance on every request.
        var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
        var all = await db.Organizations.AsNoTracking()
            .Where(o => o.Kind == OrganizationKind.Hospital && o.Verification == VerificationStatus.Approved)
            .Select(o => new { o.Id, o.Name, o.Latitude, o.Longitude }).ToListAsync();
        return all.Select(o => Geo.HaversineKm(p.Lat, p.Lon, o.Latitude, o.Longitude)).Count(d => d <= radius);
    }
}

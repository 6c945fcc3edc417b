using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using MedLedger.Client;
using MedLedger.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace MedLedger.Bench.Accounts;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro enumeration [--accounts=20] [--rounds=4]
/// A coarse timing comparison of the anonymous account endpoints for registered and unregistered emails, over a real
/// loopback Kestrel port: prelogin, a wrong-password login (below the lockout limit) and recovery start (within its
/// hourly limit), and registration start (a taken vs a fresh email; only the POST is timed, the key generation on the
/// client is not). Known and unknown requests are interleaved so load from other work hits both alike. Reports per-cell
/// percentiles and the difference of medians; it is a check for a gross difference (a skipped hash, a skipped write),
/// not a proof that no timing channel exists.
/// </summary>
public sealed class EnumerationTimingBenchmark : IMacroBenchmark
{
    public string Name => "enumeration";

    public async Task RunAsync(string[] args)
    {
        var accounts = int.Parse(Arg(args, "--accounts=") ?? "20", CultureInfo.InvariantCulture);
        var rounds = int.Parse(Arg(args, "--rounds=") ?? "4", CultureInfo.InvariantCulture);
        var dir = Path.Combine(Path.GetTempPath(), "medledger-bench-enum-" + Guid.NewGuid().ToString("N")[..8]);
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var app = await BenchServer.StartAsync(dir, baseAddress, new Dictionary<string, string?>
        {
            // One client address sends everything; the per-address limiter would otherwise be what is measured.
            ["Auth:AuthRequestsPerMinutePerAddress"] = "1000000",
            // Registration is confirmed with the emailed code, read from the demo outbox.
            ["Demo:Enabled"] = "true",
        });
        try
        {
            await using (app)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"enumeration: {Environment.ProcessorCount} cores, Kestrel on {baseAddress}, SQLite in {dir}; {accounts} registered and {accounts} unknown emails, {rounds} rounds"));
                var known = new List<string>();
                for (var i = 0; i < accounts; i++)
                {
                    using var c = new MedLedgerClient(baseAddress);
                    var email = $"known{i}-{Guid.NewGuid():N}@bench.example.org";
                    await c.RegisterWithDevOutboxAsync(email, "bench pass phrase " + i, MedLedger.Client.Role.Patient);
                    known.Add(email);
                }
                var unknown = Enumerable.Range(0, accounts).Select(i => $"unknown{i}-{Guid.NewGuid():N}@bench.example.org").ToList();
                using var http = new HttpClient { BaseAddress = baseAddress };
                var wrongKey = new byte[32];

                // Warm-up (JIT, connection, SQLite pages) with addresses not measured.
                for (var i = 0; i < 10; i++)
                {
                    await http.PostAsJsonAsync("/api/auth/prelogin", new { email = $"warm{i}@bench.example.org" });
                    await http.PostAsJsonAsync("/api/auth/login", new { email = $"warm{i}@bench.example.org", authKey = wrongKey });
                }

                var cells = new Dictionary<string, List<double>>(StringComparer.Ordinal);
                async Task Time(string cell, Func<Task<HttpResponseMessage>> call, HttpStatusCode expected)
                {
                    var sw = Stopwatch.StartNew();
                    using var res = await call();
                    var ms = sw.Elapsed.TotalMilliseconds;
                    if (res.StatusCode != expected)
                    {
                        throw new InvalidOperationException($"{cell}: {res.StatusCode}, expected {expected}");
                    }
                    (cells.TryGetValue(cell, out var l) ? l : cells[cell] = []).Add(ms);
                }
                for (var round = 0; round < rounds; round++)
                {
                    for (var i = 0; i < accounts; i++)
                    {
                        // Alternate which goes first so a slow moment does not always land on the same side.
                        var pair = round % 2 == 0 ? new[] { ("known", known[i]), ("unknown", unknown[i]) } : [("unknown", unknown[i]), ("known", known[i])];
                        foreach (var (side, email) in pair)
                        {
                            await Time($"prelogin {side}", () => http.PostAsJsonAsync("/api/auth/prelogin", new { email }), HttpStatusCode.OK);
                            await Time($"login, wrong password {side}", () => http.PostAsJsonAsync("/api/auth/login", new { email, authKey = wrongKey }), HttpStatusCode.Unauthorized);
                            if (round < 3)
                            {
                                await Time($"recovery start {side}", () => http.PostAsJsonAsync("/api/auth/recovery/start", new { email }), HttpStatusCode.Accepted);
                            }
                        }
                    }
                }

                // Registration start: the SDK makes the keys (slow, client side), the handler times only the POST.
                var timing = new RegisterTiming();
                for (var round = 0; round < Math.Min(rounds, 2); round++)
                {
                    for (var i = 0; i < accounts; i++)
                    {
                        var pair = round % 2 == 0 ? new[] { ("known", known[i]), ("unknown", $"fresh{round}-{i}-{Guid.NewGuid():N}@bench.example.org") }
                            : [("unknown", $"fresh{round}-{i}-{Guid.NewGuid():N}@bench.example.org"), ("known", known[i])];
                        foreach (var (side, email) in pair)
                        {
                            using var c = new MedLedgerClient(new HttpClient(timing, disposeHandler: false) { BaseAddress = baseAddress }, ownsHttp: true);
                            await c.RegisterAsync(email, "bench pass phrase", MedLedger.Client.Role.Patient);
                            (cells.TryGetValue($"registration start {side}", out var l) ? l : cells[$"registration start {side}"] = []).Add(timing.LastMs);
                        }
                    }
                }

                Console.WriteLine("| request | email | n | p50 ms | p95 ms | mean ms |");
                Console.WriteLine("|---|---|---|---|---|---|");
                foreach (var request in new[] { "prelogin", "login, wrong password", "recovery start", "registration start" })
                {
                    foreach (var side in new[] { "known", "unknown" })
                    {
                        var l = cells[$"{request} {side}"];
                        l.Sort();
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"| {request} | {side} | {l.Count} | {Pct(l, 0.50):F2} | {Pct(l, 0.95):F2} | {l.Average():F2} |"));
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"|   | median unknown − known | | {Pct(cells[$"{request} unknown"], 0.5) - Pct(cells[$"{request} known"], 0.5):+0.00;-0.00} | | |"));
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Times the registration start POST alone; its status must be the uniform 202.</summary>
    private sealed class RegisterTiming() : DelegatingHandler(new SocketsHttpHandler())
    {
        public double LastMs { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var sw = Stopwatch.StartNew();
            var res = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath == "/api/auth/register")
            {
                LastMs = sw.Elapsed.TotalMilliseconds;
                if (res.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new InvalidOperationException($"registration start: {res.StatusCode}, expected Accepted");
                }
            }
            return res;
        }
    }

    private static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];

    private static string? Arg(string[] args, string prefix) =>
        args.FirstOrDefault(a => a.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}

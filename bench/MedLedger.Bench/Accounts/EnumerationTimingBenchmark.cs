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
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

using static MedLedger.Bench.Macro.MacroKit;

namespace MedLedger.Bench.Accounts;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro enumeration [--accounts=20] [--rounds=4]
/// A coarse timing comparison of the anonymous account endpoints for registered and unregistered emails, over a real
/// loopback Kestrel port: prelogin, a wrong-password login (below the lockout limit) and recovery start (within its
/// hourly limit), and registration start (a taken vs a fresh email; only the POST is timed, the key generation on the
/// client is not), and the directory lookup a signed-in patient makes (`POST /api/users/lookup`: another patient's
/// email and an unverified doctor's email against an unknown one, all 404; a verified doctor's 200 is shown for scale).
/// Known and unknown requests are interleaved so load from other work hits both alike. Reports per-cell
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
                var timing = new RequestTiming("/api/auth/register", HttpStatusCode.Accepted); // the uniform 202
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

                await TimeLookupsAsync(app, baseAddress, known, unknown, rounds, cells);

                Console.WriteLine("| request | email | n | p50 ms | p95 ms | mean ms |");
                Console.WriteLine("|---|---|---|---|---|---|");
                foreach (var request in new[] { "prelogin", "login, wrong password", "recovery start", "registration start", "lookup" })
                {
                    foreach (var side in request == "lookup" ? new[] { "known", "unverified doctor", "verified doctor", "unknown" } : ["known", "unknown"])
                    {
                        var l = cells[$"{request} {side}"];
                        l.Sort();
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"| {request} | {side} | {l.Count} | {Pct(l, 0.50):F2} | {Pct(l, 0.95):F2} | {l.Average():F2} |"));
                    }
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"|   | median unknown − known | | {Pct(cells[$"{request} unknown"], 0.5) - Pct(cells[$"{request} known"], 0.5):+0.00;-0.00} | | |"));
                    if (request == "lookup")
                    {
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"|   | median unknown − unverified doctor | | {Pct(cells["lookup unknown"], 0.5) - Pct(cells["lookup unverified doctor"], 0.5):+0.00;-0.00} | | |"));
                    }
                }
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>
    /// The lookup a patient makes before sharing: only verified professionals are found, so another patient's email and an
    /// unverified doctor's must answer like an unknown one. The caller is a registered patient ("known" in the table is
    /// another registered patient's email); the admin verifies one hospital, its staff and half of its doctors.
    /// </summary>
    private static async Task TimeLookupsAsync(WebApplication app, Uri baseAddress, List<string> known, List<string> unknown,
        int rounds, Dictionary<string, List<double>> cells)
    {
        const string password = "bench admin pass phrase";
        // An admin is created on the server itself, as `medledger admin create` does: the keys are made here, client side.
        var (request, _) = MedLedgerClient.PrepareAdmin("admin@bench.example.org", password);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MedLedger.Server.Features.Accounts.RegistrationService>().CreateAdminAsync(
                new MedLedger.Server.Features.Accounts.CreateAdminRequest(request.UserId, request.Email, request.AuthKey,
                    new MedLedger.Server.Features.Accounts.KdfParametersDto(request.Kdf.Algorithm, request.Kdf.Iterations, request.Kdf.Salt),
                    new MedLedger.Server.Features.Accounts.KeyBundleUpload(request.Keys.SigningPublicKey, request.Keys.EncryptionPublicKey, request.Keys.PasswordWrappedPrivateKeys, request.Keys.RecoveryWrappedPrivateKeys),
                    new MedLedger.Server.Features.Ledger.SignedTransactionDto(request.KeyRegistration.Transaction, request.KeyRegistration.Signature)), CancellationToken.None);
        }
        using var admin = new MedLedgerClient(baseAddress);
        await admin.LoginWithDevOutboxAsync("admin@bench.example.org", password);
        using var staffClient = new MedLedgerClient(baseAddress);
        var staff = await staffClient.RegisterWithDevOutboxAsync($"staff-{Guid.NewGuid():N}@bench.example.org", "bench staff pass phrase", MedLedger.Client.Role.HospitalStaff,
            newOrganization: new NewOrganization(OrganizationKind.Hospital, "Bench General", "1 Bench Street", 52.5, 13.4, null, null, "HRB 1"), displayName: "Bench Staff");
        var hospitalId = staff.OrganizationId!.Value;
        await admin.DecideOrganizationAsync(hospitalId, true);
        await admin.DecideProfessionalAsync(staff.UserId, true);
        var accounts = known.Count;
        var verified = new List<string>();
        var unverified = new List<string>();
        for (var i = 0; i < 2 * accounts; i++)
        {
            using var c = new MedLedgerClient(baseAddress);
            var email = $"doctor{i}-{Guid.NewGuid():N}@bench.example.org";
            var doctor = await c.RegisterWithDevOutboxAsync(email, "bench doctor pass phrase", MedLedger.Client.Role.Doctor, hospitalId,
                licenseNumber: $"MD-{i:D5}", displayName: $"Dr. Bench {i}", specialty: "General medicine");
            if (i % 2 == 0)
            {
                await admin.DecideProfessionalAsync(doctor.UserId, true);
                verified.Add(email);
            }
            else
            {
                unverified.Add(email);
            }
        }

        var timing = new RequestTiming("/api/users/lookup");
        using var caller = new MedLedgerClient(new HttpClient(timing, disposeHandler: false) { BaseAddress = baseAddress }, ownsHttp: true);
        await caller.LoginWithDevOutboxAsync(known[0], "bench pass phrase 0");
        async Task Look(string cell, string email, bool found)
        {
            try
            {
                await caller.LookUpProfessionalAsync(email);
                if (!found)
                {
                    throw new InvalidOperationException($"{cell}: found, expected 404");
                }
            }
            catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.NotFound && !found)
            {
            }
            (cells.TryGetValue(cell, out var l) ? l : cells[cell] = []).Add(timing.LastMs);
        }
        for (var i = 0; i < 5; i++)
        {
            await Look("lookup warm-up", $"warm{i}@bench.example.org", found: false);
        }
        for (var round = 0; round < rounds; round++)
        {
            for (var i = 1; i < accounts; i++)
            {
                var cellsInOrder = new (string Side, string Email, bool Found)[]
                {
                    ("known", known[i], false), ("unverified doctor", unverified[i], false), ("verified doctor", verified[i], true), ("unknown", unknown[i], false),
                };
                foreach (var (side, email, found) in round % 2 == 0 ? cellsInOrder : cellsInOrder.AsEnumerable().Reverse())
                {
                    await Look($"lookup {side}", email, found);
                }
            }
        }
    }

    /// <summary>Times one route's requests alone (the SDK's other requests are not counted); optionally insists on one status.</summary>
    private sealed class RequestTiming(string path, HttpStatusCode? expected = null) : DelegatingHandler(new SocketsHttpHandler())
    {
        public double LastMs { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var sw = Stopwatch.StartNew();
            var res = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath == path)
            {
                LastMs = sw.Elapsed.TotalMilliseconds;
                if (expected is { } status && res.StatusCode != status)
                {
                    throw new InvalidOperationException($"{path}: {res.StatusCode}, expected {status}");
                }
            }
            return res;
        }
    }

    private static double Pct(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Floor(p * sorted.Count))];

}

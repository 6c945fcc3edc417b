using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Server;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MedLedger.Bench.Macro;
using static MedLedger.Bench.Macro.MacroKit;
using ClientRole = MedLedger.Client.Role;

namespace MedLedger.Bench.Records;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro records-e2e [--duration=10] [--clients=1,8,32] [--warmup=2] [--only=TEXT[,TEXT]]
/// (--only keeps the cells whose "operation payload" contains one of the texts, e.g. --only="reads own record 1 KiB", for a profile of one cell.)
/// Records written and read per second end to end through the C# SDK against the real server on a
/// loopback Kestrel port (same process, SQLite, file blob store): a 1 KiB FHIR Observation and a
/// 1 MiB file. Every operation is the SDK call a device makes, client-side work included (FHIR
/// validation, sealing/opening, signature and receipt checks). Cells: patient writes own record,
/// patient reads own record, doctor (assigned + consented) reads a patient's record — the latter
/// also commits a records.read ledger transaction. Logins (PBKDF2, 600k iterations) happen before timing, and each
/// cell first runs its operation untimed for --warmup seconds: the JIT compiles a path's methods (and tiers them up) the
/// first time it runs, which in a short cell was a tenth of the CPU (docs/benchmarks.md, session 36).
/// </summary>
public sealed partial class RecordsEndToEndBenchmark : IMacroBenchmark
{
    private const int FhirBytes = 1024;
    private const int FileBytes = 1024 * 1024;
    private const int SeedFhirPerPatient = 4;
    private const int SeedFilesPerPatient = 2;

    public string Name => "records-e2e";

    public async Task RunAsync(string[] args)
    {
        var duration = TimeSpan.FromSeconds(double.Parse(Arg(args, "--duration=") ?? "10", CultureInfo.InvariantCulture));
        var warmup = TimeSpan.FromSeconds(double.Parse(Arg(args, "--warmup=") ?? "2", CultureInfo.InvariantCulture));
        var clientCounts = (Arg(args, "--clients=") ?? "1,8,32").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var maxClients = clientCounts.Max();
        using var efSubscription = DiagnosticListener.AllListeners.Subscribe(Ef);
        var dir = Path.Combine(Path.GetTempPath(), "medledger-bench-records-" + Guid.NewGuid().ToString("N")[..8]);
        var port = FreePort();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var fhir = FhirObservation(FhirBytes);
        var file = RandomNumberGenerator.GetBytes(FileBytes);
        try
        {
            var app = await BenchServer.StartAsync(dir, baseAddress,
                // The dev outbox endpoint: the bench reads e-mailed login codes from it, as the SDK tests do.
                // Its 64 sign-ins from one address exceed the default per-address limit on a quiet machine.
                new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Auth:AuthRequestsPerMinutePerAddress"] = "1000000" },
                app => app.Use(async (ctx, next) =>
                {
                    var t0 = Stopwatch.GetTimestamp();
                    await next(ctx);
                    RouteTimes.Server(RouteTimes.Key(ctx.Request.Method, ctx.Request.Path.Value ?? ""), Stopwatch.GetTimestamp() - t0);
                }));
            await using (app)
            {
                var peer = app.Services.GetRequiredService<LedgerGateway>().Peer;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"records-e2e: {Environment.ProcessorCount} cores, server + clients in one process, Kestrel on {baseAddress}, SQLite (WAL) + file blobs in {dir}, {duration.TotalSeconds:F0} s per cell, clients {string.Join(",", clientCounts)}"));
                Console.WriteLine($"FHIR resource: {Encoding.UTF8.GetByteCount(fhir)} bytes (Observation, validated by Firely on the client); file: {file.Length} bytes (random, application/pdf)");

                var setup = Stopwatch.StartNew();
                var world = new BenchWorld(app, () => new MedLedgerClient(new HttpClient(new CountingHandler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) }, ownsHttp: true));
                var admin = await world.AdminAsync();
                var staff = await world.RegisterAsync(ClientRole.HospitalStaff, newOrganization: new NewOrganization(OrganizationKind.Hospital, "Bench Hospital", "1 Care Street", 52.5, 13.4, null, null, "HRB 2"));
                await admin.Client.DecideOrganizationAsync(staff.OrganizationId!.Value, true);
                await admin.Client.DecideProfessionalAsync(staff.Id, true);
                // Registration and login are PBKDF2-bound; two at a time keeps both cores busy.
                var patients = await InParallelAsync(maxClients, 2, _ => world.RegisterAsync(ClientRole.Patient));
                var doctors = await InParallelAsync(maxClients, 2, _ => world.RegisterAsync(ClientRole.Doctor, staff.OrganizationId));
                foreach (var d in doctors)
                {
                    await admin.Client.DecideProfessionalAsync(d.Id, true);
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"registered and signed in {patients.Count} patients, {doctors.Count} doctors, staff, admin in {setup.Elapsed.TotalSeconds:F1} s"));

                // Seed (also the warm-up: JIT, connections, SQLite pages): every patient writes a few records of each kind,
                // is assigned doctor i, and shares exactly those records with doctor i (Records scope, so later writes gain no extra reader).
                var seedWatch = Stopwatch.StartNew();
                var seeded = await InParallelAsync(patients.Count, 4, async i =>
                {
                    var p = patients[i];
                    var fhirIds = new List<Guid>();
                    var fileIds = new List<Guid>();
                    for (var k = 0; k < SeedFhirPerPatient; k++)
                    {
                        fhirIds.Add((await p.Client.CreateFhirRecordAsync(fhir)).RecordId);
                    }
                    for (var k = 0; k < SeedFilesPerPatient; k++)
                    {
                        fileIds.Add((await p.Client.CreateFileRecordAsync(file, "application/pdf")).RecordId);
                    }
                    return (Fhir: fhirIds.ToArray(), Files: fileIds.ToArray());
                });
                for (var i = 0; i < patients.Count; i++)
                {
                    await patients[i].Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
                    await staff.Client.AssignDoctorAsync(doctors[i].Id, patients[i].Id);
                    await patients[i].Client.GrantConsentAsync(doctors[i].Id, ConsentScope.Records, [.. seeded[i].Fhir.Concat(seeded[i].Files).Select(g => g.ToString())]);
                }
                // Sanity: a doctor decrypts what the patient wrote.
                var check = await doctors[0].Client.OpenRecordAsync(seeded[0].Files[0]);
                if (!check.Content.AsSpan().SequenceEqual(file))
                {
                    throw new InvalidOperationException("The doctor's decrypted file differs from what the patient wrote.");
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seeded {patients.Count * (SeedFhirPerPatient + SeedFilesPerPatient)} records, {patients.Count} assignments and grants in {seedWatch.Elapsed.TotalSeconds:F1} s"));

                var cells = new List<(string Op, string Size, int Payload, Func<int, Random, Task> Run)>
                {
                    ("patient writes own record", "1 KiB FHIR", FhirBytes, (w, _) => patients[w].Client.CreateFhirRecordAsync(fhir)),
                    ("patient writes own record", "1 MiB file", FileBytes, (w, _) => patients[w].Client.CreateFileRecordAsync(file, "application/pdf")),
                    ("patient reads own record", "1 KiB FHIR", FhirBytes, (w, rng) => OpenAsync(patients[w].Client, seeded[w].Fhir[rng.Next(seeded[w].Fhir.Length)], FhirBytes)),
                    ("patient reads own record", "1 MiB file", FileBytes, (w, rng) => OpenAsync(patients[w].Client, seeded[w].Files[rng.Next(seeded[w].Files.Length)], FileBytes)),
                    ("doctor reads shared record", "1 KiB FHIR", FhirBytes, (w, rng) => OpenAsync(doctors[w].Client, seeded[w].Fhir[rng.Next(seeded[w].Fhir.Length)], FhirBytes)),
                    ("doctor reads shared record", "1 MiB file", FileBytes, (w, rng) => OpenAsync(doctors[w].Client, seeded[w].Files[rng.Next(seeded[w].Files.Length)], FileBytes)),
                };
                if (Arg(args, "--only=") is { } only)
                {
                    var wanted = only.Split(',');
                    cells.RemoveAll(c => !wanted.Any(w => $"{c.Op} {c.Size}".Contains(w, StringComparison.OrdinalIgnoreCase)));
                }
                await SettleAsync("before the cells");
                var rows = new List<string>();
                Console.WriteLine();
                Console.WriteLine(Header);
                Console.WriteLine(Rule);
                foreach (var (op, size, payload, run) in cells)
                {
                    foreach (var clients in clientCounts)
                    {
                        await RunClientsAsync(clients, warmup, run, latencies: null);
                        var row = await CellAsync(peer, op, size, payload, clients, duration, run);
                        Console.WriteLine(row);
                        rows.Add(row);
                    }
                }
                Console.WriteLine();
                Console.WriteLine("columns: ops/s = completed SDK calls per second over the cell's wall time; MB/s = plaintext payload; p50/p99 = per-call latency;");
                Console.WriteLine("HTTP/op = requests the SDK sent; tx/op = ledger transactions committed; committer ms/op = ledger committer busy time (contracts+Merkle, SQL, COMMIT, receipts);");
                Console.WriteLine("CPU ms/op = process CPU time (server and clients share the process); alloc MB/op = managed allocations.");
                Console.WriteLine();
                Console.WriteLine("Where the wall time of one call goes: each HTTP request, how many per call, and its mean ms as the SDK sees it (send to last response byte) / inside the server pipeline (first middleware, body parsing included); the rest of the call is client-side work (FHIR parse, seal/open, signature and receipt checks).");
                Console.WriteLine();
                Console.WriteLine("| operation | payload | clients | p50 ms | mean ms | EF SQL commands/op | EF SQL ms/op | EF queries compiled | methods JIT-compiled | ledger committer ms/op | requests: ×per call: client ms / server ms |");
                Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|");
                foreach (var line in RouteLines)
                {
                    Console.WriteLine(line);
                }
                Console.WriteLine();
                await SettleAsync("after the cells");
                await BreakdownAsync(patients[0].Client, fhir, file, baseAddress);
                await KeyLookupAsync(peer, doctors[0].Client, [patients[0], patients[^1]], baseAddress);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    private const string Header = "| operation | payload | clients | ops | ops/s | MB/s | p50 ms | p99 ms | HTTP/op | tx/op | committer ms/op | CPU ms/op | alloc MB/op |";
    private const string Rule = "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|";

    private static async Task OpenAsync(MedLedgerClient client, Guid recordId, int expectedLength)
    {
        var r = await client.OpenRecordAsync(recordId);
        if (r.Content.Length != expectedLength)
        {
            throw new InvalidOperationException($"Record {recordId} decrypted to {r.Content.Length} bytes, expected {expectedLength}.");
        }
    }

    /// <summary>Every client runs the operation in a loop until the time is up; with <paramref name="latencies"/>, each call's ms is kept.</summary>
    private static Task RunClientsAsync(int clients, TimeSpan duration, Func<int, Random, Task> run, List<double>[]? latencies)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, clients).Select(w => Task.Run(async () =>
        {
            var list = latencies is null ? null : latencies[w] = [];
            var rng = new Random(1000 + w);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                var t0 = Stopwatch.GetTimestamp();
                await run(w, rng);
                list?.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        })));
    }

    private static async Task<string> CellAsync(LedgerPeer peer, string op, string size, int payload, int clients, TimeSpan duration, Func<int, Random, Task> run)
    {
        var latencies = new List<double>[clients];
        var tree0 = peer.Head!.TreeSize;
        var commit0 = peer.CommitTicks.Sum();
        var http0 = CountingHandler.Requests;
        var cpu0 = CpuTime();
        var alloc0 = GC.GetTotalAllocatedBytes(precise: false);
        var sql0 = Ef.Milliseconds;
        var sqlCount0 = Ef.Commands;
        var compiled0 = Ef.QueriesCompiled;
        var jit0 = System.Runtime.JitInfo.GetCompiledMethodCount();
        RouteTimes.Reset();
        var wall = Stopwatch.StartNew();
        await RunClientsAsync(clients, duration, run, latencies);
        wall.Stop();
        var cpu = CpuTime() - cpu0;
        var alloc = GC.GetTotalAllocatedBytes(precise: false) - alloc0;
        var committer = (peer.CommitTicks.Sum() - commit0) * 1000.0 / Stopwatch.Frequency;
        var sql = Ef.Milliseconds - sql0;
        var sqlCount = Ef.Commands - sqlCount0;
        // A steady state compiles nothing: a query EF compiles again and again (a cache miss per call) shows here, and so
        // does the JIT work it brings (every compiled query is new IL).
        var compiled = Ef.QueriesCompiled - compiled0;
        var jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jit0;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var n = all.Length;
        var tx = peer.Head!.TreeSize - tree0;
        var seconds = wall.Elapsed.TotalSeconds;
        var requests = CountingHandler.Requests - http0;
        var routes = string.Join("; ", RouteTimes.Snapshot().OrderByDescending(r => r.ClientMs * r.Count)
            .Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.Route} ×{(double)r.Count / n:F1}: {r.ClientMs:F2} / {r.ServerMs:F2}")));
        RouteLines.Add(string.Create(CultureInfo.InvariantCulture, $"| {op} | {size} | {clients} | {Percentile(all, 0.50):F1} | {all.Average():F1} | {(double)sqlCount / n:F1} | {sql / n:F2} | {compiled} | {jitted} | {committer / n:F2} | {routes} |"));
        return string.Create(CultureInfo.InvariantCulture,
            $"| {op} | {size} | {clients} | {n} | {n / seconds:F1} | {n * (double)payload / seconds / 1e6:F2} | {Percentile(all, 0.50):F1} | {Percentile(all, 0.99):F1} | {(double)requests / n:F1} | {(double)tx / n:F2} | {committer / n:F2} | {cpu.TotalMilliseconds / n:F1} | {alloc / 1e6 / n:F1} |");
    }

    private static readonly List<string> RouteLines = [];
    private static readonly EfTimes Ef = new();

    /// <summary>Single-threaded costs of the pieces an end-to-end call is made of, measured in the same process with the server idle.</summary>
    private static async Task BreakdownAsync(MedLedgerClient patient, string fhir, byte[] file, Uri baseAddress)
    {
        var keys = patient.Keys!;
        var fhirBytes = Encoding.UTF8.GetBytes(fhir);
        var header = new RecordHeader(Guid.NewGuid().ToString(), 1, patient.UserId.ToString(), patient.UserId.ToString(), "application/pdf", 0);
        var sealedSmall = RecordCrypto.Seal(header, fhirBytes, keys.Signing, [keys.Encryption.PublicKey]);
        var sealedLarge = RecordCrypto.Seal(header, file, keys.Signing, [keys.Encryption.PublicKey]);
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        var body = JsonSerializer.SerializeToUtf8Bytes(new CiphertextBody(sealedLarge.Ciphertext), json);
        using var http = new HttpClient { BaseAddress = baseAddress };
        Console.WriteLine("| piece (single thread, server idle) | mean ms |");
        Console.WriteLine("|---|---:|");
        Line("Firely strict parse of the 1 KiB Observation (`ValidateFhir`)", Time(200, () => MedLedgerClient.ValidateFhir(fhir)));
        Line("`RecordCrypto.Seal` 1 KiB, 1 reader", Time(200, () => RecordCrypto.Seal(header, fhirBytes, keys.Signing, [keys.Encryption.PublicKey])));
        Line("`RecordCrypto.Open` 1 KiB", Time(200, () => RecordCrypto.Open(sealedSmall, keys.Encryption, keys.Signing.PublicKey)));
        Line("`RecordCrypto.Seal` 1 MiB, 1 reader", Time(50, () => RecordCrypto.Seal(header, file, keys.Signing, [keys.Encryption.PublicKey])));
        Line("`RecordCrypto.Open` 1 MiB", Time(50, () => RecordCrypto.Open(sealedLarge, keys.Encryption, keys.Signing.PublicKey)));
        Line("`RecordCrypto.VerifySignature` 1 MiB (server, on write)", Time(50, () => RecordCrypto.VerifySignature(sealedLarge, keys.Signing.PublicKey)));
        Line("SHA-256 of 1 MiB", Time(50, () => SHA256.HashData(file)));
        Line($"JSON serialize 1 MiB ciphertext as base64 ({body.Length} bytes)", Time(50, () => JsonSerializer.SerializeToUtf8Bytes(new CiphertextBody(sealedLarge.Ciphertext), json)));
        Line("JSON deserialize the same body", Time(50, () => JsonSerializer.Deserialize<CiphertextBody>(body, json)));
        Line("loopback HTTP GET /health (Kestrel + SQLite connection check)", await TimeAsync(200, () => http.GetAsync(new Uri("/health", UriKind.Relative))));
    }

    private sealed record CiphertextBody(byte[] Ciphertext);

    /// <summary>
    /// GET /api/ledger/keys/{user} (what the SDK calls before encrypting for someone and on every read of a record
    /// someone else wrote) for users with many and with few ledger transactions about them.
    /// </summary>
    private static async Task KeyLookupAsync(LedgerPeer peer, MedLedgerClient caller, IReadOnlyList<BenchUser> users, Uri baseAddress)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await caller.GetAccessTokenAsync());
        Console.WriteLine();
        Console.WriteLine("| GET /api/ledger/keys/{user}, single thread, server idle | ledger transactions about the user | mean ms |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (u, i) in users.Select((u, i) => (u, i)))
        {
            long about = 0;
            long? before = null;
            while (true)
            {
                var page = await peer.Queries.GetTransactionsAboutAsync(u.Id.ToString(), before, 1000);
                if (page.Count == 0)
                {
                    break;
                }
                about += page.Count;
                before = page.Min(t => t.LogIndex);
            }
            var ms = await TimeAsync(20, () => http.GetAsync(new Uri($"/api/ledger/keys/{u.Id}", UriKind.Relative)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| patient {(i == 0 ? "0 (used by every 1-client cell)" : "with the fewest records")} | {about} | {ms:F2} |"));
        }
    }

    private static void Line(string label, double ms) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {label} | {ms:F3} |"));

    private static double Time(int n, Func<object?> f)
    {
        for (var i = 0; i < 5; i++)
        {
            f();
        }
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            f();
        }
        return sw.Elapsed.TotalMilliseconds / n;
    }

    private static async Task<double> TimeAsync(int n, Func<Task<HttpResponseMessage>> f)
    {
        for (var i = 0; i < 5; i++)
        {
            (await f()).Dispose();
        }
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            (await f()).Dispose();
        }
        return sw.Elapsed.TotalMilliseconds / n;
    }

    /// <summary>A FHIR R4 Observation padded with a note to exactly <paramref name="size"/> UTF-8 bytes.</summary>
    private static string FhirObservation(int size)
    {
        static string Build(string note) =>
            "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
            + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":\"Heart rate\"}]},\"subject\":{\"reference\":\"Patient/bench\"},"
            + "\"effectiveDateTime\":\"2026-11-24T02:00:00Z\",\"valueQuantity\":{\"value\":72,\"unit\":\"beats/minute\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"},"
            + "\"note\":[{\"text\":\"" + note + "\"}]}";
        var pad = size - Encoding.UTF8.GetByteCount(Build(""));
        var json = Build(string.Concat(Enumerable.Repeat("Resting heart rate measured after five minutes seated. ", pad / 55 + 1))[..pad]);
        MedLedgerClient.ValidateFhir(json);
        return json;
    }

    /// <summary>Per-route request counts and times, as the SDK's HttpClient sees them and as the server's pipeline sees them.</summary>
    private static partial class RouteTimes
    {
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Stats> s_client = new();
        private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Stats> s_server = new();

        public static void Reset()
        {
            s_client.Clear();
            s_server.Clear();
        }

        public static string Key(string method, string path) => method + " " + Ids().Replace(path, "{id}");

        public static void Client(string key, long ticks) => Add(s_client, key, ticks);

        public static void Server(string key, long ticks) => Add(s_server, key, ticks);

        /// <summary>Route, calls, mean ms seen by the client, mean ms inside the server pipeline.</summary>
        public static IEnumerable<(string Route, long Count, double ClientMs, double ServerMs)> Snapshot() =>
            s_client.Select(kv =>
            {
                var c = Interlocked.Read(ref kv.Value.Count);
                var server = s_server.TryGetValue(kv.Key, out var sv) ? Interlocked.Read(ref sv.Ticks) * 1000.0 / Stopwatch.Frequency / Math.Max(1, Interlocked.Read(ref sv.Count)) : double.NaN;
                return (kv.Key, c, Interlocked.Read(ref kv.Value.Ticks) * 1000.0 / Stopwatch.Frequency / c, server);
            });

        private static void Add(System.Collections.Concurrent.ConcurrentDictionary<string, Stats> map, string key, long ticks)
        {
            var stats = map.GetOrAdd(key, _ => new Stats());
            Interlocked.Increment(ref stats.Count);
            Interlocked.Add(ref stats.Ticks, ticks);
        }

        [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
        private static partial Regex Ids();

        private sealed class Stats
        {
            public long Count;
            public long Ticks;
        }
    }

    /// <summary>Time spent in EF Core commands and transaction commits on the server's relational store (the ledger's own SQLite connections are not EF and not counted).</summary>
    private sealed class EfTimes : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
    {
        private long _commands;
        private long _commandTicks;
        private static readonly StreamWriter? SqlLog = Environment.GetEnvironmentVariable("MEDLEDGER_BENCH_SQL") is { Length: > 0 } path
            ? new StreamWriter(path, append: false) { AutoFlush = true }
            : null;

        public long Commands => Interlocked.Read(ref _commands);

        public long QueriesCompiled => Interlocked.Read(ref _compiled);

        private long _compiled;

        public double Milliseconds => Interlocked.Read(ref _commandTicks) / (double)TimeSpan.TicksPerMillisecond;

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == DbLoggerCategory.Name)
            {
                value.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            switch (value.Value)
            {
                case CommandExecutedEventData e:
                    Interlocked.Increment(ref _commands);
                    Interlocked.Add(ref _commandTicks, e.Duration.Ticks);
                    if (SqlLog is { } log)
                    {
                        // MEDLEDGER_BENCH_SQL=<file>: which statements a call runs (for the profile in docs/benchmarks.md).
                        lock (log)
                        {
                            log.WriteLine(e.Command.CommandText.ReplaceLineEndings(" "));
                        }
                    }
                    break;
                case QueryExpressionEventData when value.Key == CoreEventId.QueryCompilationStarting.Name:
                    Interlocked.Increment(ref _compiled);
                    break;
                case TransactionEndEventData t when value.Key == RelationalEventId.TransactionCommitted.Name:
                    Interlocked.Add(ref _commandTicks, t.Duration.Ticks);
                    break;
            }
        }

        public void OnCompleted() { }

        public void OnError(Exception error) { }
    }

    /// <summary>Counts and times the HTTP requests the SDK clients send (all clients of this benchmark).</summary>
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler())
    {
        private static long s_requests;

        public static long Requests => Interlocked.Read(ref s_requests);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref s_requests);
            var t0 = Stopwatch.GetTimestamp();
            var res = await base.SendAsync(request, cancellationToken);
            // The SDK reads bodies fully; buffer here so the time includes the response body.
            await res.Content.LoadIntoBufferAsync(cancellationToken);
            RouteTimes.Client(RouteTimes.Key(request.Method.Method, request.RequestUri!.AbsolutePath), Stopwatch.GetTimestamp() - t0);
            return res;
        }
    }
}

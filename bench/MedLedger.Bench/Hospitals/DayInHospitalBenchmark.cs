using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MedLedger.Bench.Macro;
using MedLedger.Client;
using MedLedger.Server.Features.Ledger;
using MedLedger.Testing;
using Microsoft.Extensions.DependencyInjection;
using static MedLedger.Bench.Macro.MacroKit;
using ClientRole = MedLedger.Client.Role;

namespace MedLedger.Bench.Hospitals;

/// <summary>
/// dotnet run -c Release --project bench/MedLedger.Bench -- macro day-in-hospital [--users=8,32] [--duration=30] [--postgres]
/// "A day in a hospital": N concurrent users drive a mixed load through the C# SDK against the real server on a loopback
/// Kestrel port (server and clients in one process; SQLite by default, a throwaway PostgreSQL 15 cluster with --postgres).
/// Each virtual user is a patient with their own doctor at one hospital, one pharmacy and one insurer; every step is the
/// SDK call a device makes, client-side crypto and receipt checks included. Per operation: count, ops/s, p50/p99; per run:
/// ledger transactions committed, invalid transactions, process CPU per operation.
/// </summary>
public sealed class DayInHospitalBenchmark : IMacroBenchmark
{
    public string Name => "day-in-hospital";

    /// <summary>The mix, by weight: what a hospital day is mostly made of (reads and writes of records), with the rarer flows in proportion.</summary>
    private static readonly (string Op, int Weight)[] Mix =
    [
        ("sign-in (password + e-mailed code)", 2),
        ("record write (1 KiB FHIR)", 20),
        ("record read by the doctor", 20),
        ("consent grant", 5),
        ("bed hold + cancel", 5),
        ("appointment book + cancel", 5),
        ("message to the doctor", 10),
        ("pharmacy order: place → accept → ready → pay → collect", 4),
        ("prescribe → share with the pharmacy → dispense", 4),
        ("claim: file → approve → pay out", 4),
    ];

    public async Task RunAsync(string[] args)
    {
        var duration = TimeSpan.FromSeconds(double.Parse(Arg(args, "--duration=") ?? "30", CultureInfo.InvariantCulture));
        var userCounts = (Arg(args, "--users=") ?? "8,32").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        var postgres = args.Contains("--postgres");
        await using var cluster = postgres ? await PostgresCluster.StartAsync() : null;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"day-in-hospital: {Environment.ProcessorCount} cores, load average {LoadAverage()}, store {(postgres ? "PostgreSQL 15 (throwaway cluster)" : "SQLite (WAL)")}, {duration.TotalSeconds:F0} s per run, users {string.Join(",", userCounts)}"));
        Console.WriteLine();
        Console.WriteLine("| store | users | operation | count | ops/s | p50 ms | p99 ms | errors |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|---:|---:|");
        var summaries = new List<string>();
        foreach (var users in userCounts)
        {
            var dir = Path.Combine(Path.GetTempPath(), "medledger-bench-day-" + Guid.NewGuid().ToString("N")[..8]);
            var settings = new Dictionary<string, string?> { ["Demo:Enabled"] = "true", ["Auth:AuthRequestsPerMinutePerAddress"] = "1000000" };
            if (cluster is not null)
            {
                settings["Storage:Provider"] = "Postgres";
                settings["Storage:ConnectionString"] = await cluster.CreateDatabaseAsync("bench_day_" + users.ToString(CultureInfo.InvariantCulture) + "_" + Guid.NewGuid().ToString("N")[..6]);
            }
            try
            {
                summaries.Add(await RunOnceAsync(dir, settings, users, duration, postgres ? "PostgreSQL" : "SQLite"));
            }
            finally
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                try { Directory.Delete(dir, true); } catch (IOException) { }
            }
        }
        Console.WriteLine();
        Console.WriteLine("| store | users | operations | ops/s | ledger tx | tx/s | invalid tx | CPU cores used | CPU ms/op | set-up s |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        summaries.ForEach(Console.WriteLine);
    }

    private static async Task<string> RunOnceAsync(string dir, Dictionary<string, string?> settings, int users, TimeSpan duration, string store)
    {
        var baseAddress = new Uri($"http://127.0.0.1:{FreePort()}");
        var app = await BenchServer.StartAsync(dir, baseAddress, settings);
        await using (app)
        {
            var peer = app.Services.GetRequiredService<LedgerGateway>().Peer;
            var setup = Stopwatch.StartNew();
            var day = await Day.CreateAsync(new BenchWorld(app, () => new MedLedgerClient(new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) }, ownsHttp: true)), users);
            var setupSeconds = setup.Elapsed.TotalSeconds;
            await SettleAsync($"before the {users}-user run");

            var ops = Mix.Select(m => m.Op).ToArray();
            var latencies = ops.ToDictionary(o => o, _ => new ConcurrentBag<double>());
            var errors = ops.ToDictionary(o => o, _ => 0);
            var errorSamples = new ConcurrentDictionary<string, string>();
            var totalWeight = Mix.Sum(m => m.Weight);
            var tree0 = peer.Head!.TreeSize;
            var invalid0 = await InvalidCountAsync(peer);
            var cpu0 = CpuTime();
            var wall = Stopwatch.StartNew();
            var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, users).Select(u => Task.Run(async () =>
            {
                var rng = new Random(7000 + u);
                while (Stopwatch.GetTimestamp() < deadline)
                {
                    var pick = rng.Next(totalWeight);
                    var i = 0;
                    while (pick >= Mix[i].Weight)
                    {
                        pick -= Mix[i].Weight;
                        i++;
                    }
                    var t0 = Stopwatch.GetTimestamp();
                    try
                    {
                        await day.RunAsync(i, u, rng);
                        latencies[ops[i]].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    }
                    catch (Exception e) when (e is MedLedgerApiException or InvalidOperationException or HttpRequestException)
                    {
                        lock (errors)
                        {
                            errors[ops[i]]++;
                        }
                        errorSamples.TryAdd(ops[i], e.Message);
                    }
                }
            })));
            wall.Stop();
            var cpu = CpuTime() - cpu0;
            var seconds = wall.Elapsed.TotalSeconds;
            var tx = peer.Head!.TreeSize - tree0;
            var invalid = await InvalidCountAsync(peer) - invalid0;
            var total = 0;
            foreach (var op in ops)
            {
                var sorted = latencies[op].Order().ToArray();
                total += sorted.Length;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {store} | {users} | {op} | {sorted.Length} | {sorted.Length / seconds:F1} | {Percentile(sorted, 0.50):F1} | {Percentile(sorted, 0.99):F1} | {errors[op]} |"));
            }
            foreach (var (op, message) in errorSamples)
            {
                Console.WriteLine($"  first error in '{op}': {message}");
            }
            return string.Create(CultureInfo.InvariantCulture,
                $"| {store} | {users} | {total} | {total / seconds:F1} | {tx} | {tx / seconds:F1} | {invalid} | {cpu.TotalSeconds / seconds:F2} | {cpu.TotalMilliseconds / Math.Max(1, total):F1} | {setupSeconds:F0} |");
        }
    }

    private static async Task<long> InvalidCountAsync(MedLedger.Ledger.LedgerPeer peer) =>
        await peer.Queries.CountInvalidAsync();

    /// <summary>The hospital's world: one hospital (staff, a doctor per patient, beds, schedules), a pharmacy, an insurer, N patients.</summary>
    private sealed class Day
    {
        private const string Currency = "EUR";
        private BenchWorld _world = null!;
        private BenchUser _staff = null!, _pharmacist = null!, _insurer = null!;
        private Guid _hospital, _pharmacy, _otc, _rxMedicine;
        private BenchUser[] _patients = [], _doctors = [];
        private Guid[] _policies = [], _conversations = [], _sharedRecords = [];
        private int _claims;

        public static async Task<Day> CreateAsync(BenchWorld world, int users)
        {
            var d = new Day { _world = world };
            var admin = await world.AdminAsync();
            d._staff = await world.VerifiedAsync(admin, ClientRole.HospitalStaff, OrganizationKind.Hospital, "Bench General");
            d._hospital = d._staff.OrganizationId!.Value;
            d._pharmacist = await world.VerifiedAsync(admin, ClientRole.Pharmacist, OrganizationKind.Pharmacy, "Bench Pharmacy");
            d._pharmacy = d._pharmacist.OrganizationId!.Value;
            await d._pharmacist.Client.PublishPharmacyKeyAsync();
            d._insurer = await world.VerifiedAsync(admin, ClientRole.InsurerStaff, OrganizationKind.Insurer, "Bench Mutual");

            // Beds enough that holds never run out; stock enough that orders and dispenses never do.
            await d._staff.Client.SetWardAsync(d._hospital, "General", "general", total: 100_000, occupied: 0);
            var expires = DateOnly.FromDateTime(DateTime.UtcNow).AddYears(1);
            d._otc = (await d._pharmacist.Client.AddMedicineAsync(d._pharmacy, new NewMedicine("Benchamol", "500 mg", DosageForm.Tablet, 20, 349, Currency,
                PrescriptionOnly: false, DrugSchedule.None, ReorderLevel: 0))).Id;
            await d._pharmacist.Client.ReceiveStockAsync(d._pharmacy, d._otc, "DAY-OTC-1", expires, 1_000_000);
            d._rxMedicine = (await d._pharmacist.Client.AddMedicineAsync(d._pharmacy, new NewMedicine("Benchcillin", "500 mg", DosageForm.Capsule, 21, 890, Currency,
                PrescriptionOnly: true, DrugSchedule.None, ReorderLevel: 0))).Id;
            await d._pharmacist.Client.ReceiveStockAsync(d._pharmacy, d._rxMedicine, "DAY-RX-1", expires, 1_000_000);
            var plan = await d._insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Bench Outpatient", null, Currency, 100, PremiumInterval.Monthly, 1_000_000_000,
                DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 80, null, 1_000_000_000, 0)]));

            d._doctors = [.. await InParallelAsync(users, 2, _ => world.RegisterAsync(ClientRole.Doctor, d._hospital))];
            d._patients = [.. await InParallelAsync(users, 2, _ => world.RegisterAsync(ClientRole.Patient))];
            var everyDay = Enum.GetValues<DayOfWeek>().Select(day => new WorkingHours(day, new TimeOnly(0, 0), new TimeOnly(23, 55))).ToArray();
            foreach (var doctor in d._doctors)
            {
                await admin.Client.DecideProfessionalAsync(doctor.Id, true);
                await d._staff.Client.SetScheduleAsync(doctor.Id, "UTC", 10, VisitKind.InPerson, everyDay);
            }
            var today = DateOnly.FromDateTime(DateTime.UtcNow);
            var seeded = await InParallelAsync(users, 2, async i =>
            {
                var p = d._patients[i];
                await p.Client.RegisterWithHospitalAsync(d._hospital);
                await d._staff.Client.AssignDoctorAsync(d._doctors[i].Id, p.Id);
                var record = await p.Client.CreateFhirRecordAsync(Observation(72));
                await p.Client.GrantConsentAsync(d._doctors[i].Id, ConsentScope.Records, [record.RecordId.ToString()]);
                var conversation = await p.Client.StartConversationAsync([d._doctors[i].Id], "Follow-up");
                await p.Client.TopUpAsync(10_000_000, Currency, "bench-top-up-" + p.Id.ToString("N"));
                var application = await p.Client.ApplyForInsuranceAsync(plan.Id, today);
                var accepted = await d._insurer.Client.AcceptApplicationAsync(application.Id);
                var premium = (await p.Client.MyPayablesAsync()).Single(x => x.ReferenceId == accepted.Policy.Id);
                await p.Client.PayAsync(premium.Id);
                await p.Client.SharePolicyCardAsync(accepted.Policy.Id, d._staff.Id);
                return (Record: record.RecordId, Conversation: conversation.Id, Policy: accepted.Policy.Id);
            });
            d._sharedRecords = [.. seeded.Select(s => s.Record)];
            d._conversations = [.. seeded.Select(s => s.Conversation)];
            d._policies = [.. seeded.Select(s => s.Policy)];
            return d;
        }

        public Task RunAsync(int op, int u, Random rng) => op switch
        {
            0 => SignInAsync(u),
            1 => _patients[u].Client.CreateFhirRecordAsync(Observation(60 + rng.Next(60))),
            2 => ReadAsync(u),
            3 => GrantAsync(u),
            4 => BedAsync(u),
            5 => AppointmentAsync(u, rng),
            6 => _patients[u].Client.SendMessageAsync(_conversations[u], "Is it fine to take the tablets with food?"),
            7 => OrderAsync(u),
            8 => PrescribeAndDispenseAsync(u),
            _ => ClaimAsync(u),
        };

        private async Task SignInAsync(int u)
        {
            var p = _patients[u];
            using var client = _world.NewClient();
            await client.LoginWithDevOutboxAsync(p.Email, p.Password);
        }

        private async Task ReadAsync(int u)
        {
            var r = await _doctors[u].Client.OpenRecordAsync(_sharedRecords[u]);
            if (r.Content.Length == 0)
            {
                throw new InvalidOperationException("empty record");
            }
        }

        private async Task GrantAsync(int u)
        {
            var record = await _patients[u].Client.CreateFhirRecordAsync(Observation(80));
            await _patients[u].Client.GrantConsentAsync(_doctors[u].Id, ConsentScope.Records, [record.RecordId.ToString()]);
        }

        private async Task BedAsync(int u)
        {
            var booking = await _patients[u].Client.BookBedAsync(_hospital, "general");
            await _patients[u].Client.CancelBedBookingAsync(booking.Id);
        }

        private async Task AppointmentAsync(int u, Random rng)
        {
            var from = DateTimeOffset.UtcNow.AddDays(1 + rng.Next(20));
            var slots = await _patients[u].Client.FreeSlotsAsync(_doctors[u].Id, from, from.AddDays(1));
            var booked = await _patients[u].Client.BookAppointmentAsync(slots[rng.Next(slots.Count)], "check-up");
            await _patients[u].Client.CancelAppointmentAsync(booked.Id, asPatient: true);
        }

        private async Task OrderAsync(int u)
        {
            var p = _patients[u].Client;
            var order = await p.PlaceOrderAsync(_pharmacy, [new OrderItem(_otc, 1)]);
            await _pharmacist.Client.AcceptOrderAsync(order.Id);
            await _pharmacist.Client.MarkOrderReadyAsync(order.Id);
            var payable = (await p.MyPayablesAsync()).Single(x => x.ReferenceId == order.Id);
            await p.PayAsync(payable.Id);
            await _pharmacist.Client.CollectOrderAsync(order.Id);
        }

        private async Task PrescribeAndDispenseAsync(int u)
        {
            var rx = await _doctors[u].Client.WritePrescriptionAsync(MedicationRequest(_patients[u].Id, _doctors[u].Id), _patients[u].Id);
            // What placing an order for a prescription does: the patient's client grants the record to the pharmacy's verified pharmacists.
            await _patients[u].Client.SharePrescriptionWithPharmacyAsync(_pharmacy, rx.Info.PrescriptionId);
            await _pharmacist.Client.DispenseAsync(rx.Info.PrescriptionId, _rxMedicine, 21);
        }

        private async Task ClaimAsync(int u)
        {
            var n = Interlocked.Increment(ref _claims);
            var claim = await _staff.Client.FileClaimAsync(_policies[u], "visit-" + n.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..6],
                [new NewClaimLine("Outpatient", 5_000, DateTimeOffset.UtcNow)]);
            await _insurer.Client.ApproveClaimAsync(claim.Id);
            await _insurer.Client.PayOutClaimAsync(claim.Id);
        }

        private static string Observation(int beats) =>
            "{\"resourceType\":\"Observation\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":\"Heart rate\"}]},"
            + "\"effectiveDateTime\":\"" + DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + "\","
            + "\"valueQuantity\":{\"value\":" + beats.ToString(CultureInfo.InvariantCulture) + ",\"unit\":\"beats/minute\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"},"
            + "\"note\":[{\"text\":\"" + new string('x', 700) + "\"}]}";

        private static string MedicationRequest(Guid patientId, Guid doctorId) =>
            new JsonObject
            {
                ["resourceType"] = "MedicationRequest",
                ["status"] = "active",
                ["intent"] = "order",
                ["medicationCodeableConcept"] = new JsonObject { ["text"] = "Benchcillin 500 mg capsules" },
                ["subject"] = new JsonObject { ["reference"] = $"Patient/{patientId}" },
                ["authoredOn"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                ["requester"] = new JsonObject { ["reference"] = $"Practitioner/{doctorId}" },
                ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = "One capsule three times a day for 7 days" }),
                ["dispenseRequest"] = new JsonObject
                {
                    ["validityPeriod"] = new JsonObject { ["end"] = DateTimeOffset.UtcNow.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) },
                    ["numberOfRepeatsAllowed"] = 0,
                    ["quantity"] = new JsonObject { ["value"] = 21 },
                },
            }.ToJsonString();
    }
}

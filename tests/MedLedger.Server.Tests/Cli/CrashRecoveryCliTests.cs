using System.Text;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using OtpNet;
using Xunit.Abstractions;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `medledger serve` killed with SIGKILL at random points under a mixed write load (records, consent grants and
/// revocations, care assignments, bed bookings) through the C# SDK, three times, restarted on the same data folder
/// each time. After every restart `ledger verify` (chain + relational rows) passes on the idle server; at the end every
/// record, grant, assignment and booking is writable again (a next version of each record, each grant revoked, each
/// assignment removed, each held booking cancelled) and the final data verifies.
/// </summary>
public sealed class CrashRecoveryCliTests(ITestOutputHelper output) : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;

    public async Task InitializeAsync() => _demo = await DemoServerProcess.StartAsync();

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    private sealed record User(MedLedgerClient Client, Me Me);

    private int _writes;
    /// <summary>Every write the server acknowledged, with its transaction id: each must still be on the ledger after the kills.</summary>
    private readonly System.Collections.Concurrent.ConcurrentQueue<(User User, string Kind, string TransactionId)> _acknowledged = new();

    private void Acknowledged(User user, string kind, string? transactionId)
    {
        if (transactionId is not null)
        {
            _acknowledged.Enqueue((user, kind, transactionId));
        }
        Interlocked.Increment(ref _writes);
    }
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _refusals = new();

    private void Refused(MedLedgerApiException e) => _refusals.AddOrUpdate($"{(int)e.Status} {e.Title}", 1, (_, n) => n + 1);

    private async Task<IReadOnlyList<User>> SignInAsync(IEnumerable<DemoAccount> accounts)
    {
        var started = new List<(DemoAccount Account, MedLedgerClient Client, LoginChallenge Challenge)>();
        foreach (var a in accounts)
        {
            var c = new MedLedgerClient(new Uri(_demo.Url));
            started.Add((a, c, await c.StartLoginAsync(a.Email, a.Password)));
        }
        // Each account's enrolment used a TOTP step: one fresh step serves them all.
        await Task.Delay(TimeSpan.FromSeconds(new Totp(Base32Encoding.ToBytes(started[0].Account.TotpSecret)).RemainingSeconds() + 1));
        var users = new List<User>();
        foreach (var (account, client, challenge) in started)
        {
            var me = await client.CompleteLoginAsync(challenge, OtpMethod.Totp, new Totp(Base32Encoding.ToBytes(account.TotpSecret)).ComputeTotp());
            users.Add(new User(client, me));
        }
        return users;
    }

    private static byte[] Fhir(int n) => Encoding.UTF8.GetBytes(File.ReadAllText(Repo.TestData("fhir-r4", "Condition-For-Patient-f001.json")) + new string('\n', n % 50));

    private async Task<CliResult> VerifyAsync() => await _demo.RunAsync(null, "ledger", "verify", "--data", _demo.DataDirectory);

    /// <summary>One patient's loop: new records, next versions, grants and revocations to the doctors, bookings and cancellations.</summary>
    private async Task PatientLoadAsync(User p, IReadOnlyList<User> doctors, Guid hospital, Random random, CancellationToken stop)
    {
        var n = 0;
        while (!stop.IsCancellationRequested)
        {
            n++;
            try
            {
                switch (random.Next(6))
                {
                    case 0:
                        Acknowledged(p, "records.write", (await p.Client.CreateFhirRecordAsync(Encoding.UTF8.GetString(Fhir(n)))).LedgerTransactionId);
                        break;
                    case 1 or 2:
                        // Their own records: the demo's consultation records are the doctor's to version.
                        var records = await p.Client.ListRecordsAsync(author: p.Me.Id);
                        var written = records.Count == 0
                            ? await p.Client.CreateFhirRecordAsync(Encoding.UTF8.GetString(Fhir(n)))
                            : await p.Client.AddVersionAsync(records[random.Next(records.Count)].RecordId, Fhir(n));
                        Acknowledged(p, "records.write", written.LedgerTransactionId);
                        break;
                    case 3:
                        var doctor = doctors[random.Next(doctors.Count)].Me.Id;
                        var active = (await p.Client.GrantsAsync()).FirstOrDefault(g => g.Active && g.GranteeId == doctor);
                        if (active is null)
                        {
                            Acknowledged(p, "consent.grant", (await p.Client.GrantConsentAsync(doctor, ConsentScope.Categories, ["Condition"])).GrantTransactionId);
                        }
                        else
                        {
                            Acknowledged(p, "consent.revoke", (await p.Client.RevokeConsentAsync(active.Id)).RevokeTransactionId);
                        }
                        break;
                    default:
                        var held = (await p.Client.MyBedBookingsAsync(BedBookingStatus.Held)).FirstOrDefault();
                        if (held is null)
                        {
                            Acknowledged(p, "beds.book", (await p.Client.BookBedAsync(hospital, "general")).BookTransactionId);
                        }
                        else
                        {
                            Acknowledged(p, "beds.cancel", (await p.Client.CancelBedBookingAsync(held.Id)).CloseTransactionId);
                        }
                        break;
                }
            }
            catch (MedLedgerApiException e)
            {
                // A race with the other loops (409) is part of the load.
                Refused(e);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return; // the server was killed
            }
        }
    }

    /// <summary>Hospital staff: assign or unassign a doctor to a patient, admit a held booking now and then.</summary>
    private async Task StaffLoadAsync(User staff, IReadOnlyList<User> doctors, IReadOnlyList<User> patients, Guid hospital, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (random.Next(4) == 0)
                {
                    var held = (await staff.Client.HospitalBedBookingsAsync(hospital, BedBookingStatus.Held)).FirstOrDefault();
                    if (held is not null)
                    {
                        Acknowledged(staff, "beds.admit", (await staff.Client.AdmitBedBookingAsync(held.Id)).CloseTransactionId);
                    }
                    continue;
                }
                var (doctor, patient) = (doctors[random.Next(doctors.Count)].Me.Id, patients[random.Next(patients.Count)].Me.Id);
                if ((await staff.Client.AssignmentsAsync()).Any(a => a.DoctorId == doctor && a.PatientId == patient))
                {
                    await staff.Client.UnassignDoctorAsync(doctor, patient);
                    Acknowledged(staff, "care.unassign", null);
                }
                else
                {
                    Acknowledged(staff, "care.assign", (await staff.Client.AssignDoctorAsync(doctor, patient)).TransactionId);
                }
            }
            catch (MedLedgerApiException e)
            {
                Refused(e);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task Sigkill_under_a_mixed_write_load_then_restart_leaves_every_row_consistent_with_the_ledger_and_writable()
    {
        var accounts = _demo.Accounts;
        var staffAccount = accounts.First(u => u.Role == "HospitalStaff");
        var signedIn = await SignInAsync(
            accounts.Where(u => u.Role == "Patient")
                .Concat(accounts.Where(u => u.Role == "Doctor" && u.Organization == staffAccount.Organization))
                .Prepend(staffAccount));
        var staff = signedIn[0];
        var patients = signedIn.Where(u => u.Me.Role == Role.Patient).ToList();
        var doctors = signedIn.Where(u => u.Me.Role == Role.Doctor).ToList();
        var hospital = staff.Me.OrganizationId!.Value;
        await staff.Client.SetWardAsync(hospital, "General", "general", 1000, 0);

        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        for (var kill = 1; kill <= 3; kill++)
        {
            using var stop = new CancellationTokenSource();
            var load = patients.Select(p => PatientLoadAsync(p, doctors, hospital, new Random(random.Next()), stop.Token))
                .Append(StaffLoadAsync(staff, doctors, patients, hospital, new Random(random.Next()), stop.Token))
                .ToList();
            // Kill at a random point once the load is under way (a few writes in), not before it starts.
            var target = Volatile.Read(ref _writes) + random.Next(4, 16);
            for (var waited = 0; Volatile.Read(ref _writes) < target && waited < 600; waited++)
            {
                await Task.Delay(50);
            }
            await Task.Delay(random.Next(0, 300));
            await _demo.StopAsync(); // SIGKILL in the middle of the load
            await stop.CancelAsync();
            await Task.WhenAll(load);

            // What the kill left (measured, not asserted: where it lands is random).
            var left = await VerifyAsync();
            output.WriteLine($"kill {kill}: {Volatile.Read(ref _writes)} writes so far, refusals {string.Join(", ", _refusals.Select(r => $"{r.Key} ×{r.Value}"))}; verify before restart exit {left.Exit}: {left.Out.Trim()}");
            Assert.True(left.Exit is 0 or 2, left.All);

            await _demo.RestartAsync();
            // Nothing the server acknowledged was lost: each acknowledged transaction has a verifying receipt.
            foreach (var (user, _, txId) in _acknowledged)
            {
                await user.Client.VerifyReceiptAsync(await user.Client.ReceiptAsync(txId));
            }
            output.WriteLine($"kill {kill}: after restart, {_acknowledged.Count} acknowledged transactions all on the ledger ({string.Join(", ", _acknowledged.GroupBy(a => a.Kind).Select(g => $"{g.Key} ×{g.Count()}"))})");
            var after = await VerifyAsync();
            Assert.True(after.Exit == 0, $"after restart {kill}: {after.All}");
            Assert.Contains("relational rows agree with the ledger", after.Out);
        }

        // Writable again: everything the load left behind takes its next write.
        var records = 0;
        foreach (var p in patients)
        {
            foreach (var r in await p.Client.ListRecordsAsync(author: p.Me.Id))
            {
                var latest = await p.Client.OpenRecordAsync(r.RecordId);
                Assert.Equal(r.LatestVersion, latest.Version);
                Assert.Equal(r.LatestVersion + 1, (await p.Client.AddVersionAsync(r.RecordId, Fhir(r.LatestVersion))).Version);
                records++;
            }
            foreach (var g in (await p.Client.GrantsAsync()).Where(g => g.Active))
            {
                Assert.False((await p.Client.RevokeConsentAsync(g.Id)).Active);
            }
            await p.Client.GrantConsentAsync(doctors[0].Me.Id, ConsentScope.All);
            foreach (var b in await p.Client.MyBedBookingsAsync(BedBookingStatus.Held))
            {
                Assert.Equal(BedBookingStatus.Cancelled, (await p.Client.CancelBedBookingAsync(b.Id)).Status);
            }
            Assert.Equal(BedBookingStatus.Held, (await p.Client.BookBedAsync(hospital, "general")).Status);
        }
        foreach (var a in await staff.Client.AssignmentsAsync())
        {
            await staff.Client.UnassignDoctorAsync(a.DoctorId, a.PatientId);
        }
        await staff.Client.AssignDoctorAsync(doctors[0].Me.Id, patients[0].Me.Id);
        output.WriteLine($"{records} records written again");
        Assert.True(records > 0);

        await _demo.StopAsync();
        var final = await VerifyAsync();
        Assert.True(final.Exit == 0, final.All);
        Assert.Contains("relational rows agree with the ledger", final.Out);
    }
}

using MedLedger.Client;
using MedLedger.Server.Tests.CrossCutting;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `serve --demo`'s hospitals (DemoWorld.Hospitals.cs, docs/hospitals.md "Demo"): each has a profile, wards with beds
/// (at least one full), an emergency key anchored on the ledger and sealed to its doctors; Northside has a held and an
/// admitted booking; and what the seed sealed (patients' names, messages, visit reasons) never reaches the server's
/// storage or console in clear.
/// </summary>
public sealed class DemoHospitalsTests : IAsyncLifetime
{
    private DemoServerProcess _demo = null!;

    public async Task InitializeAsync() => _demo = await DemoServerProcess.StartAsync();

    public async Task DisposeAsync() => await _demo.DisposeAsync();

    private async Task<MedLedgerClient> SignInAsync(string prefix)
    {
        var account = _demo.Accounts.Single(a => a.Email == prefix + "@demo.medledger.local");
        var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(_demo.Url) }, ownsHttp: true);
        await client.LoginWithDevOutboxAsync(account.Email, account.Password);
        return client;
    }

    [Fact]
    public async Task Every_demo_hospital_has_departments_wards_a_full_ward_and_a_ledger_anchored_emergency_key_and_northside_has_a_held_and_an_admitted_booking()
    {
        // One after another: the dev outbox is not safe for concurrent readers.
        using var patient2 = await SignInAsync("patient2");
        using var patient3 = await SignInAsync("patient3");
        using var staff1 = await SignInAsync("staff1");
        using var doctor12 = await SignInAsync("doctor12");

        var hospitals = await patient2.OrganizationsAsync(OrganizationKind.Hospital);
        Assert.Equal(2, hospitals.Count);
        var occupancy = new List<(int Occupied, int Total)>();
        foreach (var hospital in hospitals)
        {
            var profile = await patient2.HospitalProfileAsync(hospital.Id);
            Assert.True(profile.Departments.Count >= 3, $"{hospital.Name} departments: {string.Join(", ", profile.Departments)}");
            Assert.True(profile.Services.Count >= 3, $"{hospital.Name} services: {string.Join(", ", profile.Services)}");
            Assert.False(string.IsNullOrWhiteSpace(profile.VisitingRules));

            var beds = await patient2.BedsAsync(hospital.Id);
            Assert.InRange(beds.Wards.Count, 2, 3);
            Assert.All(beds.Wards, w => Assert.True(w.Total > 0 && w.Free >= 0, $"{w.Ward}: {w}"));
            Assert.Contains(beds.Wards, w => w.Free == 0);
            Assert.Contains(beds.Wards, w => w.Free > 0);
            // HospitalCliTests adds an ICU ward of its own and counts on the demo having no free ICU bed.
            Assert.All(beds.Wards.Where(w => w.BedType == "icu"), w => Assert.Equal(0, w.Free));
            occupancy.Add((beds.Wards.Sum(w => w.Occupied + w.Held), beds.Wards.Sum(w => w.Total)));

            // The key is accepted only on the ledger's word: a verified receipt of staff's emergency.hospital-key naming it.
            var key = await patient2.GetVerifiedHospitalKeyAsync(hospital.Id);
            Assert.Equal(hospital.Id, key.HospitalId);
        }
        Assert.Equal(2, occupancy.Distinct().Count());

        // A verified doctor of Northside holds Northside's key, sealed to them.
        var northside = staff1.Tokens!.User.OrganizationId!.Value;
        Assert.Contains(await doctor12.MyEmergencyKeySharesAsync(), s => s.HospitalId == northside);

        // The patient's "free bed nearby": both hospitals are found with free beds (none in an ICU).
        var search = await patient2.SearchHospitalsAsync(52.52, 13.40, radiusKm: 10);
        Assert.Equal(2, search.Total);
        Assert.All(search.Items, h => Assert.True(h.FreeBeds.Values.Sum() > 0, h.Name));
        Assert.All(search.Items, h => Assert.Equal(0, h.FreeBeds.GetValueOrDefault("icu")));

        var held = Assert.Single(await patient2.MyBedBookingsAsync(BedBookingStatus.Held));
        Assert.Equal(northside, held.HospitalId);
        Assert.NotNull(held.BookTransactionId);
        var admitted = Assert.Single(await patient3.MyBedBookingsAsync(BedBookingStatus.Admitted));
        Assert.Equal(northside, admitted.HospitalId);
        Assert.NotNull(admitted.CloseTransactionId);
        var staffList = await staff1.HospitalBedBookingsAsync(northside);
        Assert.Contains(staffList, b => b.Id == held.Id && b.Status == BedBookingStatus.Held);
        Assert.Contains(staffList, b => b.Id == admitted.Id && b.Status == BedBookingStatus.Admitted);
        // Staff open the patient's sealed profile (wrapped for the hospital when the patient registered and booked).
        Assert.Equal("Lukas Brandt", (await staff1.PatientProfileAsync(held.PatientId))!.Profile.Name);

        // The curious server: the demo's sealed words (DemoWorld.cs patient profiles, DemoWorld.Messages.cs,
        // DemoWorld.Appointments.cs) are nowhere in its files or console.
        var needles = new List<(string What, byte[] Bytes)>();
        foreach (var (name, birthDate, phone) in new[]
        {
            ("Maria Keller", "1972-03-14", "+49 30 5550 1201"), ("Lukas Brandt", "1988-11-02", "+49 30 5550 1202"), ("Aylin Demir", "1995-06-27", "+49 30 5550 1203"),
            ("Jonas Richter", "1983-09-21", "+49 30 5550 1204"), ("Elena Popescu", "1979-08-09", "+49 30 5550 1205"),
        })
        {
            needles.AddRange(CuriousServerScan.Needles("patient name", name));
            needles.AddRange(CuriousServerScan.Needles("birth date", birthDate));
            needles.AddRange(CuriousServerScan.Needles("phone", phone));
        }
        foreach (var words in new[] { "forearm", "blood-pressure tablets", "cough has lasted", "Post-viral cough", "Sprained ankle" })
        {
            needles.AddRange(CuriousServerScan.Needles("medical words", words));
        }
        var console = string.Join('\n', _demo.RecentLog);
        await _demo.StopAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var haystacks = Directory.EnumerateFiles(_demo.DataDirectory, "*", SearchOption.AllDirectories)
            .Select(f => (Name: f, Bytes: File.ReadAllBytes(f))).ToList();
        Assert.Contains(haystacks, h => h.Name.EndsWith("medledger.db", StringComparison.Ordinal));
        haystacks.Add(("server console", System.Text.Encoding.UTF8.GetBytes(console)));
        CuriousServerScan.AssertNoneFound(haystacks, needles);
    }
}

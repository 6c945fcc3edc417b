using System.Net;
using System.Text;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Hospitals;

/// <summary>Hospitals, beds, bookings, reviews and the admin overview through the real HTTP pipeline; run on SQLite and PostgreSQL.</summary>
public abstract class HospitalFlows : IAsyncLifetime
{
    protected TestHost Host = null!;
    protected HospitalWorld World = null!;

    protected abstract Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null);

    public async Task InitializeAsync()
    {
        Host = await StartHostAsync();
        World = new HospitalWorld(Host);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    [Fact]
    public async Task Two_hundred_concurrent_bookings_at_ten_free_beds_exactly_ten_succeed()
    {
        var staff = await World.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        // Ten free ICU beds spread over two wards, so the per-ward fallback is exercised too.
        await HospitalWorld.SetWardAsync(staff, "ICU A", "icu", total: 6, occupied: 0);
        await HospitalWorld.SetWardAsync(staff, "ICU B", "icu", total: 8, occupied: 4);
        // Signed in one after another: the dev outbox the logins read is not safe for concurrent writers and readers.
        var patients = new List<TestUser>();
        for (var i = 0; i < 20; i++)
        {
            patients.Add(await World.PatientAsync());
        }

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            patients[i % patients.Count].Api.PostJson($"/api/hospitals/{h}/bookings", new BookingRequest("icu", MedLedger.Crypto.FactCommitment.NewSalt()))));

        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.Conflict).ToList();
        Assert.Equal(10, created.Count);
        Assert.Equal(190, refused.Count);
        // Twenty patients, ten beds: the refusals are "no free bed" or, for a patient who already won one, "already holding".
        var types = new List<string>();
        foreach (var r in refused)
        {
            var p = await r.Problem();
            types.Add(p.GetProperty("type").GetString()!.Split('/')[^1]);
        }
        Assert.All(types, t => Assert.Contains(t, new[] { "no-free-bed", "already-holding" }));
        Assert.Contains("no-free-bed", types);
        var bookings = await Task.WhenAll(created.Select(r => r.Read<BookingResponse>()));
        Assert.Equal(10, bookings.Select(b => b.Id).Distinct().Count());
        Assert.Equal(10, bookings.Select(b => b.PatientId).Distinct().Count());
        Assert.All(bookings, b => Assert.Equal(BookingStatus.Held, b.Status));

        var beds = await HospitalWorld.BedsAsync(patients[0], h);
        Assert.Equal(new BedTypeCounts("icu", 14, 4, 10, 0), HospitalWorld.Type(beds, "icu"));
        Assert.Equal(6, beds.Wards.Single(w => w.Ward == "ICU A").Held);
        Assert.Equal(4, beds.Wards.Single(w => w.Ward == "ICU B").Held);

        var listed = await staff.Api.GetFromJsonAsyncSafe<List<BookingResponse>>($"/api/hospitals/{h}/bookings?status=Held");
        Assert.Equal(bookings.Select(b => b.Id).Order(), listed.Select(b => b.Id).Order());

        // Exactly the ten holds are on the ledger, by ids and a salted commitment to the bed type: never "icu" itself.
        var onLedger = (await World.LedgerAboutAsync(h)).Where(t => t.Transaction.Type == BedBookContract.TypeName).ToList();
        Assert.Equal(10, onLedger.Count);
        Assert.All(onLedger, t => Assert.True(t.Valid));
        Assert.Equal(bookings.Select(b => b.BookTransactionId).Order(), onLedger.Select(t => (string?)t.Id).Order());
        Assert.All(onLedger, t => Assert.Equal(["bedTypeCommitment", "bookingId", "hospitalId", "patientId"], t.Transaction.Payload.Keys.Order()));
        Assert.All(onLedger, t => Assert.DoesNotContain(t.Transaction.Payload.Values, v => v.Contains("icu", StringComparison.OrdinalIgnoreCase)));
        // Each commitment opens to "icu" with its booking's salt (which the patient holds) and to no other bed type.
        foreach (var b in bookings)
        {
            var commitment = onLedger.Single(t => t.Id == b.BookTransactionId).Transaction.Get("bedTypeCommitment");
            Assert.Equal(32, b.BedTypeSalt.Length);
            Assert.True(MedLedger.Crypto.FactCommitment.Opens(commitment, MedLedger.Crypto.FactCommitment.BedType, "icu", b.BedTypeSalt));
            Assert.False(MedLedger.Crypto.FactCommitment.Opens(commitment, MedLedger.Crypto.FactCommitment.BedType, "general", b.BedTypeSalt));
        }
        // Distinct salts: two icu bookings cannot be linked by their commitments.
        Assert.Equal(10, onLedger.Select(t => t.Transaction.Get("bedTypeCommitment")).Distinct().Count());
    }

    [Fact]
    public async Task One_patient_firing_twenty_concurrent_bookings_holds_exactly_one_bed()
    {
        var staff = await World.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        await HospitalWorld.SetWardAsync(staff, "ER", "emergency", total: 10, occupied: 0);
        var patient = await World.PatientAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            patient.Api.PostJson($"/api/hospitals/{h}/bookings", new BookingRequest("emergency", MedLedger.Crypto.FactCommitment.NewSalt()))));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        foreach (var r in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            Assert.EndsWith("/already-holding", (await r.Problem()).GetProperty("type").GetString());
        }
        // Refused attempts returned the bed they had taken before the index refused them.
        Assert.Equal(new BedTypeCounts("emergency", 10, 0, 1, 9), HospitalWorld.Type(await HospitalWorld.BedsAsync(patient, h), "emergency"));
        Assert.Single(await patient.Api.GetFromJsonAsyncSafe<List<BookingResponse>>("/api/bookings/mine"));
    }

    [Fact]
    public async Task Booking_state_machine_admit_cancel_release_and_expiry_are_recorded_on_the_ledger()
    {
        var staff = await World.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        await HospitalWorld.SetWardAsync(staff, "General 1", "general", total: 3, occupied: 1);
        var patient = await World.PatientAsync();
        var other = await World.PatientAsync();
        var stranger = await World.HospitalAsync("Other Hospital");

        // Book and admit: the hold becomes an occupied bed.
        var b1 = await HospitalWorld.BookAsync(patient, h, "General");
        Assert.Equal("general", b1.BedType);
        Assert.Equal(b1.CreatedAt + TimeSpan.FromHours(2), b1.ExpiresAt);
        Assert.Equal(new BedTypeCounts("general", 3, 1, 1, 1), HospitalWorld.Type(await HospitalWorld.BedsAsync(patient, h), "general"));
        var mine = await patient.Api.GetFromJsonAsyncSafe<List<BookingResponse>>("/api/bookings/mine");
        Assert.Equal(b1.Id, Assert.Single(mine).Id);
        Assert.Empty(await other.Api.GetFromJsonAsyncSafe<List<BookingResponse>>("/api/bookings/mine"));
        Assert.Equal(HttpStatusCode.NotFound, (await other.Api.GetAsync($"/api/bookings/{b1.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.Api.PostAsync($"/api/bookings/{b1.Id}/cancel", null)).StatusCode);

        var admitted = await (await staff.Api.PostAsync($"/api/bookings/{b1.Id}/admit", null)).Read<BookingResponse>();
        Assert.Equal(BookingStatus.Admitted, admitted.Status);
        Assert.Equal(new BedTypeCounts("general", 3, 2, 0, 1), HospitalWorld.Type(await HospitalWorld.BedsAsync(patient, h), "general"));
        var again = await staff.Api.PostAsync($"/api/bookings/{b1.Id}/release", null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.EndsWith("/booking-closed", (await again.Problem()).GetProperty("type").GetString());

        // Cancel by the patient returns the bed.
        var b2 = await HospitalWorld.BookAsync(patient, h, "general");
        var twice = await patient.Api.PostJson($"/api/hospitals/{h}/bookings", new BookingRequest("general", MedLedger.Crypto.FactCommitment.NewSalt()));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.EndsWith("/already-holding", (await twice.Problem()).GetProperty("type").GetString());
        var full = await other.Api.PostJson($"/api/hospitals/{h}/bookings", new BookingRequest("general", MedLedger.Crypto.FactCommitment.NewSalt()));
        Assert.Equal(HttpStatusCode.Conflict, full.StatusCode);
        Assert.EndsWith("/no-free-bed", (await full.Problem()).GetProperty("type").GetString());
        var cancelled = await (await patient.Api.PostAsync($"/api/bookings/{b2.Id}/cancel", null)).Read<BookingResponse>();
        Assert.Equal(BookingStatus.Cancelled, cancelled.Status);

        // Release by staff returns the bed.
        var b3 = await HospitalWorld.BookAsync(other, h, "general");
        var released = await (await staff.Api.PostAsync($"/api/bookings/{b3.Id}/release", null)).Read<BookingResponse>();
        Assert.Equal(BookingStatus.Released, released.Status);
        Assert.Equal(new BedTypeCounts("general", 3, 2, 0, 1), HospitalWorld.Type(await HospitalWorld.BedsAsync(patient, h), "general"));

        // A hold past its time cannot be admitted; the bed returns.
        var b4 = await HospitalWorld.BookAsync(other, h, "general");
        Host.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));
        await World.ReloginAsync(staff, patient, other);
        var late = await staff.Api.PostAsync($"/api/bookings/{b4.Id}/admit", null);
        Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
        Assert.EndsWith("/hold-expired", (await late.Problem()).GetProperty("type").GetString());
        Assert.Equal(BookingStatus.Expired, (await other.Api.GetFromJsonAsyncSafe<BookingResponse>($"/api/bookings/{b4.Id}")).Status);
        Assert.Equal(new BedTypeCounts("general", 3, 2, 0, 1), HospitalWorld.Type(await HospitalWorld.BedsAsync(patient, h), "general"));

        // The sweep returns holds nobody touches.
        var b5 = await HospitalWorld.BookAsync(other, h, "general");
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BedService>().ExpireDueAsync(null, CancellationToken.None));
        }
        Host.Clock.Advance(TimeSpan.FromHours(2));
        await World.ReloginAsync(staff, patient, other);
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<BedService>().ExpireDueAsync(null, CancellationToken.None));
        }
        var expired = await other.Api.GetFromJsonAsyncSafe<BookingResponse>($"/api/bookings/{b5.Id}");
        Assert.Equal(BookingStatus.Expired, expired.Status);
        Assert.Equal(new BedTypeCounts("general", 3, 2, 0, 1), HospitalWorld.Type(await HospitalWorld.BedsAsync(patient, h), "general"));

        // Every step is a ledger transaction naming the booking, with the matching type.
        async Task<string[]> Types(Guid booking) => (await World.LedgerAboutAsync(booking)).Where(t => t.Valid)
            .OrderBy(t => t.LogIndex).Select(t => t.Transaction.Type).ToArray();
        Assert.Equal([BedBookContract.TypeName, BedAdmitContract.TypeName], await Types(b1.Id));
        Assert.Equal([BedBookContract.TypeName, BedCancelContract.TypeName], await Types(b2.Id));
        Assert.Equal([BedBookContract.TypeName, BedReleaseContract.TypeName], await Types(b3.Id));
        Assert.Equal([BedBookContract.TypeName, BedExpireContract.TypeName], await Types(b4.Id));
        Assert.Equal([BedBookContract.TypeName, BedExpireContract.TypeName], await Types(b5.Id));
        Assert.Equal(BedBookingStates.Admitted, await Host.Service<MedLedger.Server.Features.Ledger.LedgerGateway>().Peer.Queries.GetStateAsync(BedKeys.Booking(b1.Id.ToString())));

        // Another hospital's staff can neither see nor act on these bookings.
        await World.ReloginAsync(stranger);
        var b6 = await HospitalWorld.BookAsync(patient, h, "general");
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.Api.PostAsync($"/api/bookings/{b6.Id}/admit", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.Api.GetAsync($"/api/hospitals/{h}/bookings")).StatusCode);
        Assert.Equal(BookingStatus.Held, (await patient.Api.GetFromJsonAsyncSafe<BookingResponse>($"/api/bookings/{b6.Id}")).Status);
    }

    [Fact]
    public async Task Bad_counts_and_bed_types_are_refused_with_problems_and_change_nothing()
    {
        var staff = await World.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        var before = await HospitalWorld.SetWardAsync(staff, "Maternity", "maternity", total: 4, occupied: 2);
        var patient = await World.PatientAsync();
        await HospitalWorld.BookAsync(patient, h, "maternity");

        async Task Refused(object body, HttpStatusCode status, string field)
        {
            var res = await staff.Api.PutAsync($"/api/hospitals/{h}/beds/Maternity", new StringContent(
                System.Text.Json.JsonSerializer.Serialize(body, TestHost.Json), Encoding.UTF8, "application/json"));
            Assert.True(res.StatusCode == status, $"{body} answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
            var p = await res.Problem();
            if (status == HttpStatusCode.UnprocessableEntity)
            {
                Assert.True(p.GetProperty("errors").TryGetProperty(field, out _), $"no error for {field}: {p}");
            }
        }
        await Refused(new WardUpdate("maternity", -1, 0), HttpStatusCode.UnprocessableEntity, "total");
        await Refused(new WardUpdate("maternity", 4, -1), HttpStatusCode.UnprocessableEntity, "occupied");
        await Refused(new WardUpdate("maternity", 4, 5), HttpStatusCode.UnprocessableEntity, "occupied");
        await Refused(new WardUpdate("spa", 4, 1), HttpStatusCode.UnprocessableEntity, "bedType");
        // Total 3 cannot hold 3 occupied plus the one held bed.
        await Refused(new WardUpdate("maternity", 3, 3), HttpStatusCode.Conflict, "");
        await Refused(new WardUpdate("icu", 4, 2), HttpStatusCode.Conflict, "");
        await Refused(new { bedType = "maternity", total = "many", occupied = 1 }, HttpStatusCode.BadRequest, "");
        await Refused(new { bedType = "maternity" }, HttpStatusCode.BadRequest, "");

        var after = await HospitalWorld.BedsAsync(staff, h);
        Assert.Equal(new BedTypeCounts("maternity", 4, 2, 1, 1), Assert.Single(after.ByType));
        Assert.Equal(before.Wards.Single().WardId, after.Wards.Single().WardId);

        // Unknown bed type on booking, unknown hospital, and another hospital's staff.
        var unknownType = await patient.Api.PostJson($"/api/hospitals/{h}/bookings", new BookingRequest("spa", MedLedger.Crypto.FactCommitment.NewSalt()));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknownType.StatusCode);
        // The salt of the ledger's bed-type commitment is the client's: 32 bytes, and never optional.
        var shortSalt = await patient.Api.PostJson($"/api/hospitals/{h}/bookings", new BookingRequest("maternity", new byte[16]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, shortSalt.StatusCode);
        Assert.True((await shortSalt.Problem()).GetProperty("errors").TryGetProperty("bedTypeSalt", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await patient.Api.PostJson($"/api/hospitals/{h}/bookings", new { bedType = "maternity" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await patient.Api.PostJson($"/api/hospitals/{Guid.NewGuid()}/bookings", new BookingRequest("icu", MedLedger.Crypto.FactCommitment.NewSalt()))).StatusCode);
        var none = await patient.Api.PostJson($"/api/hospitals/{h}/bookings", new BookingRequest("isolation", MedLedger.Crypto.FactCommitment.NewSalt()));
        Assert.Equal(HttpStatusCode.Conflict, none.StatusCode);
        Assert.Contains("no isolation beds", (await none.Problem()).GetProperty("detail").GetString());
        var stranger = await World.HospitalAsync("Other Hospital");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.Api.PutJson($"/api/hospitals/{h}/beds/Maternity", new WardUpdate("maternity", 10, 0))).StatusCode);
        Assert.Equal(new BedTypeCounts("maternity", 4, 2, 1, 1), Assert.Single((await HospitalWorld.BedsAsync(staff, h)).ByType));
    }

    [Fact]
    public async Task Profile_lists_departments_services_visiting_rules_and_verified_doctors_only()
    {
        var staff = await World.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        var admin = await World.AdminAsync();
        var doctor = await World.Users.RegisterAsync(Role.Doctor, organizationId: h, licence: "MD-777");
        await World.Users.AdminDecideAsync(admin, doctor.Id, organization: false, approve: true);
        var pending = await World.Users.RegisterAsync(Role.Doctor, organizationId: h, licence: "MD-888");

        var update = new HospitalProfileUpdate(["Cardiology", "Emergency", "cardiology "], ["MRI", "Dialysis"], "Daily 10:00-20:00\nICU: two visitors at a time");
        var res = await staff.Api.PutJson($"/api/hospitals/{h}/profile", update);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        var patient = await World.PatientAsync();
        var profile = await patient.Api.GetFromJsonAsyncSafe<HospitalProfileResponse>($"/api/hospitals/{h}");
        Assert.Equal(["Cardiology", "Emergency"], profile.Departments);
        Assert.Equal(["Dialysis", "MRI"], profile.Services);
        Assert.Equal(update.VisitingRules, profile.VisitingRules);
        Assert.Equal("St. Test Hospital", profile.Name);
        Assert.Equal(52.52, profile.Latitude);
        Assert.Equal([doctor.Id], profile.Doctors.Select(d => d.UserId));
        Assert.DoesNotContain(profile.Doctors, d => d.UserId == pending.Id);
        Assert.Equal(new RatingSummary(null, 0), profile.Rating);

        var tooLong = await staff.Api.PutJson($"/api/hospitals/{h}/profile", new HospitalProfileUpdate([new string('x', 101)], [], null));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.StatusCode);
        var control = await staff.Api.PutJson($"/api/hospitals/{h}/profile", new HospitalProfileUpdate([], [], "bell\u0007"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, control.StatusCode);
        var stranger = await World.HospitalAsync("Other Hospital");
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.Api.PutJson($"/api/hospitals/{h}/profile", update with { Services = [] })).StatusCode);
        Assert.Equal(["Dialysis", "MRI"], (await patient.Api.GetFromJsonAsyncSafe<HospitalProfileResponse>($"/api/hospitals/{h}")).Services);
        Assert.Equal(HttpStatusCode.NotFound, (await patient.Api.GetAsync($"/api/hospitals/{Guid.NewGuid()}")).StatusCode);
    }

    [Fact]
    public async Task Concurrent_profile_saves_end_in_one_of_them_never_a_mixture_or_500()
    {
        var staff = await World.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        var updates = Enumerable.Range(0, 10).Select(i => new HospitalProfileUpdate([$"Dept {i}"], [$"Service {i}", "Shared"], $"Rules {i}")).ToList();

        var responses = await Task.WhenAll(updates.Select(u => staff.Api.PutJson($"/api/hospitals/{h}/profile", u)));

        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, r.StatusCode.ToString()));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var profile = await staff.Api.GetFromJsonAsyncSafe<HospitalProfileResponse>($"/api/hospitals/{h}");
        var winner = Assert.Single(updates, u => u.VisitingRules == profile.VisitingRules);
        Assert.Equal(winner.Departments, profile.Departments);
        Assert.Equal(winner.Services.Order(StringComparer.Ordinal), profile.Services.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Reviews_need_a_booking_one_per_patient_editable_with_average_and_count()
    {
        var staff = await World.HospitalAsync();
        var h = HospitalWorld.Id(staff);
        await HospitalWorld.SetWardAsync(staff, "ER", "emergency", total: 5, occupied: 0);
        var p1 = await World.PatientAsync();
        var p2 = await World.PatientAsync();
        var stranger = await World.PatientAsync();

        var noBooking = await stranger.Api.PutJson($"/api/hospitals/{h}/reviews/mine", new ReviewUpsert(5, "great"));
        Assert.Equal(HttpStatusCode.Forbidden, noBooking.StatusCode);
        Assert.Contains("had a booking", (await noBooking.Problem()).GetProperty("detail").GetString());

        var booking = await HospitalWorld.BookAsync(p1, h, "emergency");
        await p1.Api.PostAsync($"/api/bookings/{booking.Id}/cancel", null);
        await HospitalWorld.BookAsync(p2, h, "emergency");

        const string markup = "<script>alert('x')</script> & friendly staff";
        var first = await p1.Api.PutJson($"/api/hospitals/{h}/reviews/mine", new ReviewUpsert(2, markup));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.Read<ReviewResponse>();
        var edit = await p1.Api.PutJson($"/api/hospitals/{h}/reviews/mine", new ReviewUpsert(3, "  better on second visit  "));
        Assert.Equal(HttpStatusCode.OK, edit.StatusCode);
        Assert.Equal(created.Id, (await edit.Read<ReviewResponse>()).Id);
        Assert.Equal(HttpStatusCode.Created, (await p2.Api.PutJson($"/api/hospitals/{h}/reviews/mine", new ReviewUpsert(4, markup))).StatusCode);

        foreach (var bad in new[] { new ReviewUpsert(0, null), new ReviewUpsert(6, null), new ReviewUpsert(4, new string('a', 1001)), new ReviewUpsert(4, "null\u0000byte") })
        {
            var res = await p2.Api.PutJson($"/api/hospitals/{h}/reviews/mine", bad);
            Assert.Equal(HttpStatusCode.UnprocessableEntity, res.StatusCode);
        }

        var page = await p1.Api.GetFromJsonAsyncSafe<ReviewPage>($"/api/hospitals/{h}/reviews");
        Assert.Equal(new RatingSummary(3.5, 2), page.Rating);
        Assert.Equal(2, page.Items.Count);
        var own = Assert.Single(page.Items, r => r.Mine);
        Assert.Equal("better on second visit", own.Comment);
        // Comments come back exactly as written, as a JSON string: plain text for the client to render as text.
        Assert.Equal(markup, page.Items.Single(r => !r.Mine).Comment);
        var profile = await stranger.Api.GetFromJsonAsyncSafe<HospitalProfileResponse>($"/api/hospitals/{h}");
        Assert.Equal(new RatingSummary(3.5, 2), profile.Rating);
    }

    [Fact]
    public async Task Nearby_search_filters_by_radius_service_and_free_bed_type_sorted_and_paged()
    {
        var berlin = await World.HospitalAsync("Berlin Mitte", 52.52, 13.405);
        var potsdam = await World.HospitalAsync("Potsdam", 52.3906, 13.0645);
        var leipzig = await World.HospitalAsync("Leipzig", 51.3397, 12.3731);
        var hamburg = await World.HospitalAsync("Hamburg", 53.5511, 9.9937);
        var unverified = await World.Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("Unverified", 52.521, 13.406));
        await HospitalWorld.SetWardAsync(berlin, "ICU", "icu", total: 1, occupied: 1);
        await HospitalWorld.SetWardAsync(berlin, "General", "general", total: 10, occupied: 3);
        await HospitalWorld.SetWardAsync(potsdam, "ICU", "icu", total: 4, occupied: 2);
        await potsdam.Api.PutJson($"/api/hospitals/{HospitalWorld.Id(potsdam)}/profile", new HospitalProfileUpdate([], ["Cardiology"], null));
        var patient = await World.PatientAsync();

        async Task<SearchResponse> Search(string query) => await patient.Api.GetFromJsonAsyncSafe<SearchResponse>("/api/hospitals/search?" + query);

        var near = await Search("lat=52.52&lon=13.405&radiusKm=50");
        Assert.Equal([HospitalWorld.Id(berlin), HospitalWorld.Id(potsdam)], near.Items.Select(i => i.HospitalId));
        Assert.Equal(2, near.Total);
        Assert.DoesNotContain(near.Items, i => i.HospitalId == unverified.OrganizationId);
        Assert.Equal(0, near.Items[0].DistanceKm, 3);
        Assert.Equal(SphericalCosinesKm(52.52, 13.405, 52.3906, 13.0645), near.Items[1].DistanceKm, 1);
        Assert.Equal(new Dictionary<string, int> { ["general"] = 7, ["icu"] = 0 }, near.Items[0].FreeBeds);

        var wide = await Search("lat=52.52&lon=13.405&radiusKm=200");
        Assert.Equal([HospitalWorld.Id(berlin), HospitalWorld.Id(potsdam), HospitalWorld.Id(leipzig)], wide.Items.Select(i => i.HospitalId));
        Assert.DoesNotContain(wide.Items, i => i.HospitalId == HospitalWorld.Id(hamburg));
        Assert.True(wide.Items.Zip(wide.Items.Skip(1)).All(p => p.First.DistanceKm <= p.Second.DistanceKm));
        var fromHamburg = await Search("lat=53.5511&lon=9.9937&radiusKm=10");
        Assert.Equal(HospitalWorld.Id(hamburg), Assert.Single(fromHamburg.Items).HospitalId);

        var icu = await Search("lat=52.52&lon=13.405&radiusKm=200&bedType=ICU");
        var hit = Assert.Single(icu.Items);
        Assert.Equal(HospitalWorld.Id(potsdam), hit.HospitalId);
        Assert.Equal(2, hit.FreeBeds["icu"]);
        Assert.Equal(HospitalWorld.Id(potsdam), Assert.Single((await Search("lat=52.52&lon=13.405&radiusKm=200&service=cardiology")).Items).HospitalId);
        Assert.Empty((await Search("lat=52.52&lon=13.405&radiusKm=200&service=neurosurgery")).Items);

        var page2 = await Search("lat=52.52&lon=13.405&radiusKm=200&pageSize=1&page=2");
        Assert.Equal(3, page2.Total);
        Assert.Equal(HospitalWorld.Id(potsdam), Assert.Single(page2.Items).HospitalId);

        foreach (var (query, field) in new[]
        {
            ("lat=52.52&lon=13.405&radiusKm=201", "radiusKm"), ("lat=52.52&lon=13.405&radiusKm=0", "radiusKm"),
            ("lat=91&lon=13.405", "lat"), ("lat=52.52&lon=-180.5", "lon"), ("lon=13.405", "lat"),
            ("lat=52.52&lon=13.405&bedType=spa", "bedType"), ("lat=52.52&lon=13.405&pageSize=1000", "pageSize"),
            ("lat=NaN&lon=13.405", "lat"),
        })
        {
            var res = await patient.Api.GetAsync("/api/hospitals/search?" + query);
            Assert.True(res.StatusCode == HttpStatusCode.UnprocessableEntity, $"{query} answered {res.StatusCode}");
            Assert.True((await res.Problem()).GetProperty("errors").TryGetProperty(field, out _), query);
        }
        Assert.Equal(HttpStatusCode.BadRequest, (await patient.Api.GetAsync("/api/hospitals/search?lat=north&lon=1")).StatusCode);
    }

    /// <summary>An independent formula (spherical law of cosines) to check the server's haversine.</summary>
    private static double SphericalCosinesKm(double lat1, double lon1, double lat2, double lon2)
    {
        static double R(double d) => d * Math.PI / 180;
        return 6371.0088 * Math.Acos(Math.Sin(R(lat1)) * Math.Sin(R(lat2)) + Math.Cos(R(lat1)) * Math.Cos(R(lat2)) * Math.Cos(R(lon2 - lon1)));
    }

    [Fact]
    public async Task Admin_overview_shows_occupancy_per_hospital_and_type_held_beds_and_bookings_per_day()
    {
        var a = await World.HospitalAsync("Alpha");
        var b = await World.HospitalAsync("Beta");
        await HospitalWorld.SetWardAsync(a, "ICU", "icu", total: 5, occupied: 1);
        await HospitalWorld.SetWardAsync(a, "Ward 1", "general", total: 20, occupied: 10);
        await HospitalWorld.SetWardAsync(b, "ICU", "icu", total: 3, occupied: 0);
        var patient = await World.PatientAsync();
        await HospitalWorld.BookAsync(patient, HospitalWorld.Id(a), "icu");
        await HospitalWorld.BookAsync(patient, HospitalWorld.Id(b), "icu");
        var second = await World.PatientAsync();
        var toCancel = await HospitalWorld.BookAsync(second, HospitalWorld.Id(b), "icu");
        await second.Api.PostAsync($"/api/bookings/{toCancel.Id}/cancel", null);

        var admin = await World.AdminAsync();
        var overview = await admin.Api.GetFromJsonAsyncSafe<AdminBedOverview>("/api/admin/hospitals/overview?days=7");
        var alpha = overview.Hospitals.Single(x => x.HospitalId == HospitalWorld.Id(a));
        Assert.Equal("Alpha", alpha.Name);
        Assert.Equal([new BedTypeCounts("general", 20, 10, 0, 10), new BedTypeCounts("icu", 5, 1, 1, 3)], alpha.ByType);
        Assert.Equal([new BedTypeCounts("icu", 3, 0, 1, 2)], overview.Hospitals.Single(x => x.HospitalId == HospitalWorld.Id(b)).ByType);
        Assert.Equal(new BedTypeCounts("icu", 8, 1, 2, 5), overview.Totals.Single(t => t.BedType == "icu"));
        Assert.Equal(7, overview.BookingsPerDay.Count);
        Assert.Equal(DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime), overview.BookingsPerDay[^1].Day);
        Assert.Equal(3, overview.BookingsPerDay[^1].Count);
        Assert.Equal(3, overview.BookingsPerDay.Sum(d => d.Count));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.GetAsync("/api/admin/hospitals/overview?days=0")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await a.Api.GetAsync("/api/admin/hospitals/overview")).StatusCode);
    }

    [Fact]
    public async Task Hold_duration_and_bed_types_are_configurable()
    {
        await using var host = await StartHostAsync(s =>
        {
            s["Hospitals:HoldDuration"] = "00:10:00";
            s["Hospitals:AdditionalBedTypes:0"] = "Burns";
        });
        var world = new HospitalWorld(host);
        var staff = await world.HospitalAsync();
        await HospitalWorld.SetWardAsync(staff, "Burns unit", "burns", total: 2, occupied: 0);
        var patient = await world.PatientAsync();
        var booking = await HospitalWorld.BookAsync(patient, HospitalWorld.Id(staff), "burns");
        Assert.Equal(booking.CreatedAt + TimeSpan.FromMinutes(10), booking.ExpiresAt);
        host.Clock.Advance(TimeSpan.FromMinutes(10));
        // Booking again sweeps the due hold first, so both beds are available to this booking's count.
        await HospitalWorld.BookAsync(patient, HospitalWorld.Id(staff), "burns");
        Assert.Equal(new BedTypeCounts("burns", 2, 0, 1, 1), HospitalWorld.Type(await HospitalWorld.BedsAsync(patient, HospitalWorld.Id(staff)), "burns"));
        Assert.Equal(BookingStatus.Expired, (await patient.Api.GetFromJsonAsyncSafe<BookingResponse>($"/api/bookings/{booking.Id}")).Status);
    }
}

public sealed class SqliteHospitalTests : HospitalFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => TestHost.StartAsync(configure);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresHospitalTests(PostgresFixture pg) : HospitalFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}

using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Appointments;

/// <summary>
/// Schedules, free slots and the booking contract through the real pipeline and the C# SDK: races, spans, overlaps
/// across doctors, cancel/rebook, past and leave, daylight saving, the sealed reason and who may do what.
/// </summary>
public sealed class AppointmentTests : RecordTestBase
{
    private static readonly WorkingHours[] EveryDay = Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToArray();

    private async Task<(SdkUser Staff, IReadOnlyList<SdkUser> Doctors)> PracticeAsync(string name, int doctors, params int[] slotMinutes)
    {
        var (staff, list) = await World.HospitalAsync(Admin, name, doctors);
        for (var i = 0; i < list.Count; i++)
        {
            await staff.Client.SetScheduleAsync(list[i].Id, "Europe/Berlin", slotMinutes.Length > i ? slotMinutes[i] : 15, VisitKind.InPerson, EveryDay);
        }
        return (staff, list);
    }

    /// <summary>The doctor's free slots on the day after tomorrow (UTC day, server clock): 08:00–18:00 Berlin, consecutive.</summary>
    private async Task<IReadOnlyList<FreeSlot>> TomorrowAsync(SdkUser asker, SdkUser doctor)
    {
        var from = new DateTimeOffset(Host.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2), TimeSpan.Zero);
        return await asker.Client.FreeSlotsAsync(doctor.Id, from, from.AddDays(1));
    }

    private static async Task<HttpStatusCode> StatusOf(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(action);
        return e.Status;
    }

    [Fact]
    public async Task Twenty_concurrent_bookings_of_one_slot_leave_one_booked_and_nineteen_clear_409_problems()
    {
        var (_, doctors) = await PracticeAsync("Race Clinic", 1);
        var patients = new List<SdkUser>();
        for (var i = 0; i < 20; i++)
        {
            patients.Add(await World.RegisterAsync(Role.Patient));
        }
        var slot = (await TomorrowAsync(patients[0], doctors[0]))[0];
        var outcomes = await Task.WhenAll(patients.Select(async p =>
        {
            try
            {
                await p.Client.BookAppointmentAsync(slot, "knee pain after running");
                return (HttpStatusCode?)null;
            }
            catch (MedLedgerApiException e)
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Detail));
                return e.Status;
            }
        }));
        Assert.Single(outcomes, o => o is null);
        Assert.Equal(19, outcomes.Count(o => o == HttpStatusCode.Conflict));
        var booked = await doctors[0].Client.AppointmentsAsync();
        Assert.Single(booked);
        Assert.DoesNotContain(await TomorrowAsync(patients[0], doctors[0]), s => s.Start == slot.Start);
    }

    [Fact]
    public async Task A_30_minute_booking_on_15_minute_slots_holds_both_slots()
    {
        var (_, doctors) = await PracticeAsync("Span Clinic", 1, 15);
        var (first, second) = (await World.RegisterAsync(Role.Patient), await World.RegisterAsync(Role.Patient));
        var slots = await TomorrowAsync(first, doctors[0]);
        var a = await first.Client.BookAppointmentAsync(slots[0], "follow-up", end: slots[1].End);
        Assert.Equal(TimeSpan.FromMinutes(30), a.End - a.Start);
        var after = await TomorrowAsync(first, doctors[0]);
        Assert.DoesNotContain(after, s => s.Start == slots[0].Start || s.Start == slots[1].Start);
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => second.Client.BookAppointmentAsync(slots[1], "anything")));
        // A span that does not end on a slot boundary is refused too.
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => second.Client.BookAppointmentAsync(slots[2], "anything", end: slots[2].End.AddMinutes(-5))));
    }

    [Fact]
    public async Task A_patient_cannot_hold_two_overlapping_appointments_with_different_doctors()
    {
        var (_, doctors) = await PracticeAsync("Two Doctors", 2, 15, 20);
        var patient = await World.RegisterAsync(Role.Patient);
        var fifteen = await TomorrowAsync(patient, doctors[0]);
        var twenty = await TomorrowAsync(patient, doctors[1]);
        await patient.Client.BookAppointmentAsync(fifteen[1], "rash"); // 08:15–08:30
        // The 20-minute 08:20 slot of the other doctor overlaps it.
        var overlapping = twenty.First(s => s.Start < fifteen[1].End && fifteen[1].Start < s.End && s.Start != fifteen[1].Start);
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => patient.Client.BookAppointmentAsync(overlapping, "second opinion"));
        Assert.Equal(HttpStatusCode.Conflict, e.Status);
        Assert.Contains("patient already has an appointment", e.Detail, StringComparison.Ordinal);
        // One that does not overlap is fine.
        await patient.Client.BookAppointmentAsync(twenty.First(s => s.Start >= fifteen[1].End), "second opinion");
    }

    [Fact]
    public async Task Cancel_then_rebook_works_exactly_once()
    {
        var (staff, doctors) = await PracticeAsync("Cancel Clinic", 1);
        var (p1, p2, p3) = (await World.RegisterAsync(Role.Patient), await World.RegisterAsync(Role.Patient), await World.RegisterAsync(Role.Patient));
        var slot = (await TomorrowAsync(p1, doctors[0]))[0];
        var a = await p1.Client.BookAppointmentAsync(slot, "check-up");
        var cancelled = await p1.Client.CancelAppointmentAsync(a.Id, asPatient: true);
        Assert.Equal(AppointmentStatus.Cancelled, cancelled.Status);
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => p1.Client.CancelAppointmentAsync(a.Id, asPatient: true)));
        var rebooked = await p2.Client.BookAppointmentAsync(slot, "check-up");
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => p3.Client.BookAppointmentAsync(slot, "check-up")));
        // The practice side cancels too (recorded by the peer), once.
        Assert.Equal(AppointmentStatus.Cancelled, (await staff.Client.CancelAppointmentAsync(rebooked.Id, asPatient: false)).Status);
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => doctors[0].Client.CancelAppointmentAsync(rebooked.Id, asPatient: false)));
        var ledger = await LedgerAbout(a.Id);
        Assert.Equal(new[] { AppointmentBookContract.TypeName, AppointmentCancelContract.TypeName }, ledger.Select(t => t.Type).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Booking_in_the_past_or_during_leave_is_refused()
    {
        var (staff, doctors) = await PracticeAsync("Leave Clinic", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        var slot = (await TomorrowAsync(patient, doctors[0]))[0];
        var yesterday = slot with { Start = slot.Start.AddDays(-3), End = slot.End.AddDays(-3) };
        Assert.Equal(HttpStatusCode.UnprocessableEntity, await StatusOf(() => patient.Client.BookAppointmentAsync(yesterday, "late")));

        var leaveDay = DateOnly.ParseExact(slot.LocalStart[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture);
        await staff.Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, EveryDay, leaveDays: [leaveDay]);
        Assert.DoesNotContain(await TomorrowAsync(patient, doctors[0]), s => s.LocalStart.StartsWith(slot.LocalStart[..10], StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => patient.Client.BookAppointmentAsync(slot, "on leave")));
    }

    [Fact]
    public async Task Daylight_saving_days_in_Berlin_give_slots_at_the_right_UTC_instants()
    {
        var (_, doctors) = await World.HospitalAsync(Admin, "DST Clinic", 1);
        var doctor = doctors[0];
        await doctor.Client.SetScheduleAsync(doctor.Id, "Europe/Berlin", 30, VisitKind.Remote,
            [new WorkingHours(DayOfWeek.Sunday, new TimeOnly(1, 0), new TimeOnly(5, 0)), new WorkingHours(DayOfWeek.Saturday, new TimeOnly(9, 0), new TimeOnly(10, 0))]);
        var patient = await World.RegisterAsync(Role.Patient);

        // Spring forward, Sunday 28 March 2027: 02:00 CET jumps to 03:00 CEST, so 01:00–05:00 is three real hours.
        var spring = await patient.Client.FreeSlotsAsync(doctor.Id, new DateTimeOffset(2027, 3, 27, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 3, 29, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new[] { "2027-03-27T09:00", "2027-03-27T09:30", "2027-03-28T01:00", "2027-03-28T01:30", "2027-03-28T03:00", "2027-03-28T03:30", "2027-03-28T04:00", "2027-03-28T04:30" },
            spring.Select(s => s.LocalStart));
        Assert.Equal(new DateTimeOffset(2027, 3, 27, 8, 0, 0, TimeSpan.Zero), spring[0].Start); // CET, +1
        Assert.Equal(new DateTimeOffset(2027, 3, 28, 0, 0, 0, TimeSpan.Zero), spring[2].Start);
        Assert.Equal(new DateTimeOffset(2027, 3, 28, 1, 0, 0, TimeSpan.Zero), spring[4].Start); // 03:00 CEST, +2

        // Fall back, Sunday 31 October 2027: 03:00 CEST returns to 02:00 CET, so 02:00–03:00 happens twice (five real hours).
        var autumn = await patient.Client.FreeSlotsAsync(doctor.Id, new DateTimeOffset(2027, 10, 30, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2027, 11, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(new DateTimeOffset(2027, 10, 30, 7, 0, 0, TimeSpan.Zero), autumn[0].Start); // Saturday 09:00 CEST, +2
        var sunday = autumn.Skip(2).ToList();
        Assert.Equal(10, sunday.Count);
        Assert.Equal(new[] { "01:00", "01:30", "02:00", "02:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30" }, sunday.Select(s => s.LocalStart[11..]));
        Assert.Equal(new DateTimeOffset(2027, 10, 30, 23, 0, 0, TimeSpan.Zero), sunday[0].Start);
        Assert.Equal(new DateTimeOffset(2027, 10, 31, 0, 0, 0, TimeSpan.Zero), sunday[2].Start); // first 02:00 (CEST)
        Assert.Equal(new DateTimeOffset(2027, 10, 31, 1, 0, 0, TimeSpan.Zero), sunday[4].Start); // second 02:00 (CET)
        Assert.Equal(new DateTimeOffset(2027, 10, 31, 3, 30, 0, TimeSpan.Zero), sunday[9].Start);
        Assert.All(sunday.Zip(sunday.Skip(1)), p => Assert.Equal(p.First.End, p.Second.Start));
    }

    [Fact]
    public async Task The_reason_is_sealed_for_the_doctor_and_the_booking_makes_the_doctor_a_profile_party()
    {
        var (staff, doctors) = await PracticeAsync("Reason Clinic", 2);
        var patient = await World.RegisterAsync(Role.Patient);
        var slot = (await TomorrowAsync(patient, doctors[0]))[0];
        var booked = await patient.Client.BookAppointmentAsync(slot, "Palpitations at night since March");
        Assert.Equal("Palpitations at night since March", patient.Client.OpenAppointmentReason(booked));
        var seen = Assert.Single(await doctors[0].Client.AppointmentsAsync());
        Assert.Equal("Palpitations at night since March", doctors[0].Client.OpenAppointmentReason(seen));
        // Staff see the hospital's appointment list, without any reason.
        Assert.Null(Assert.Single(await staff.Client.AppointmentsAsync()).SealedReason);
        var ledgerTx = Assert.Single(await LedgerAbout(booked.Id));
        Assert.DoesNotContain(ledgerTx.Payload.Values, v => v.Contains("Palpitations", StringComparison.Ordinal));

        var recipients = await patient.Client.ProfileRecipientsAsync();
        Assert.Contains(recipients, r => r.UserId == doctors[0].Id && r.Relation == ProfileRelation.BookedDoctor);
        Assert.DoesNotContain(recipients, r => r.UserId == doctors[1].Id);
        await patient.Client.CancelAppointmentAsync(booked.Id, asPatient: true);
        Assert.DoesNotContain(await patient.Client.ProfileRecipientsAsync(), r => r.UserId == doctors[0].Id);
    }

    [Fact]
    public async Task Visits_move_forward_by_the_practice_and_finding_doctors_shows_their_next_slots()
    {
        var (staff, doctors) = await PracticeAsync("Visit Clinic", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        var found = Assert.Single(await patient.Client.FindDoctorsAsync(specialty: "general", hospitalId: staff.OrganizationId));
        Assert.Equal(doctors[0].Id, found.DoctorId);
        Assert.Equal("Visit Clinic", found.HospitalName);
        Assert.Equal(3, found.NextSlots.Count);
        Assert.Empty(await patient.Client.FindDoctorsAsync(name: "nobody by this name"));

        var a = await patient.Client.BookAppointmentAsync(found.NextSlots[0], "sore throat");
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => doctors[0].Client.SetAppointmentStatusAsync(a.Id, AppointmentStatus.Fulfilled)));
        await staff.Client.SetAppointmentStatusAsync(a.Id, AppointmentStatus.Arrived);
        await doctors[0].Client.SetAppointmentStatusAsync(a.Id, AppointmentStatus.InProgress);
        Assert.Equal(AppointmentStatus.Fulfilled, (await doctors[0].Client.SetAppointmentStatusAsync(a.Id, AppointmentStatus.Fulfilled)).Status);
        Assert.Equal(HttpStatusCode.Conflict, await StatusOf(() => patient.Client.CancelAppointmentAsync(a.Id, asPatient: true)));
    }

    [Fact]
    public async Task Other_hospitals_other_doctors_other_patients_and_other_roles_are_refused()
    {
        var (staff, doctors) = await PracticeAsync("Own Clinic", 2);
        var (otherStaff, otherDoctors) = await World.HospitalAsync(Admin, "Other Clinic", 1);
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Corner Pharmacy");
        var patient = await World.RegisterAsync(Role.Patient);
        var victim = await World.RegisterAsync(Role.Patient);

        // Schedules: another hospital's staff, another doctor, a pharmacist.
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOf(() => otherStaff.Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, EveryDay)));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOf(() => doctors[1].Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, EveryDay)));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOf(() => otherDoctors[0].Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, EveryDay)));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOf(() => pharmacist.Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, EveryDay)));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, await StatusOf(() => staff.Client.SetScheduleAsync(doctors[0].Id, "Mars/Olympus", 15, VisitKind.InPerson, EveryDay)));

        var slot = (await TomorrowAsync(patient, doctors[0]))[0];
        var a = await patient.Client.BookAppointmentAsync(slot, "migraine");

        // Reading: another doctor, another hospital's staff, another patient get 404; lists leave it out.
        foreach (var u in new[] { doctors[1], otherStaff, victim })
        {
            Assert.Equal(HttpStatusCode.NotFound, await StatusOf(() => u.Client.AppointmentAsync(a.Id)));
            Assert.Empty(await u.Client.AppointmentsAsync());
        }
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOf(() => pharmacist.Client.AppointmentsAsync()));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOf(() => doctors[1].Client.SetAppointmentStatusAsync(a.Id, AppointmentStatus.Arrived)));
        Assert.Equal(HttpStatusCode.NotFound, await StatusOf(() => otherStaff.Client.CancelAppointmentAsync(a.Id, asPatient: false)));

        // A patient booking for another patient: a transaction signed with the victim's key, sent by someone else, is refused.
        var next = (await TomorrowAsync(patient, doctors[0]))[0];
        var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await patient.Client.GetAccessTokenAsync());
        var id = Guid.NewGuid();
        var forDoctor = new byte[] { 1, 2, 3 };
        var tx = LedgerTransaction.Create(AppointmentBookContract.TypeName, victim.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
        {
            ["appointmentId"] = id.ToString(), ["patientId"] = victim.Id.ToString(), ["doctorId"] = doctors[0].Id.ToString(), ["hospitalId"] = staff.OrganizationId!.Value.ToString(),
            ["startMs"] = next.Start.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture), ["endMs"] = next.End.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture),
            ["reasonHash"] = Convert.ToHexStringLower(SHA256.HashData(forDoctor)),
        }, victim.Client.Keys!.Signing.PrivateKey);
        var response = await http.PostAsJsonAsync("/api/appointments", new
        {
            appointmentId = id, scheduleId = next.ScheduleId, start = next.Start, end = next.End, reasonForDoctor = forDoctor, reasonForPatient = forDoctor,
            transaction = new { transaction = tx.SigningBytes, signature = tx.Signature },
        });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await StatusOf(() => victim.Client.AppointmentAsync(id)));
    }
}

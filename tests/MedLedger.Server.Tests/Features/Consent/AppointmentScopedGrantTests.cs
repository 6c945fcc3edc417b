using System.Net;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Consent;

/// <summary>
/// The appointment-scoped consent grant (issue 18 item 2): at booking the patient shares chosen records with the doctor
/// for that appointment only. The doctor — not otherwise assigned to the patient — reads what was shared while the
/// appointment lasts (+ two hours), and nothing after its end, after a cancel, or outside what was chosen; the consent
/// contract refuses a grant naming someone else's appointment, another doctor, or an expiry past the grace.
/// </summary>
public sealed class AppointmentScopedGrantTests : RecordTestBase
{
    private sealed record Visit(SdkUser Staff, SdkUser Doctor, SdkUser OtherDoctor, SdkUser Patient, MedLedger.Client.Appointment Appointment, Guid Shared, Guid NotShared);

    private async Task<Visit> BookedVisitAsync(string hospital)
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, hospital, 2);
        var hours = Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToArray();
        await staff.Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, hours);
        var patient = await World.RegisterAsync(Role.Patient);
        var shared = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var notShared = await patient.Client.CreateFhirRecordAsync(Fhir("allergyintolerance-example.json"));
        var from = new DateTimeOffset(Host.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2), TimeSpan.Zero);
        var slot = (await patient.Client.FreeSlotsAsync(doctors[0].Id, from, from.AddDays(1)))[0];
        var a = await patient.Client.BookAppointmentAsync(slot, "a second look at the rash");
        return new Visit(staff, doctors[0], doctors[1], patient, a, shared.RecordId, notShared.RecordId);
    }

    private static async Task AssertRefusedAsync(SdkUser doctor, Guid recordId)
    {
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.OpenRecordAsync(recordId));
        Assert.Equal(HttpStatusCode.Forbidden, e.Status);
    }

    [Fact]
    public async Task The_doctor_reads_what_was_shared_for_the_visit_and_nothing_else_and_nothing_after_its_end_plus_grace()
    {
        var v = await BookedVisitAsync("Scoped Grant Clinic");
        // Without the grant the doctor of a mere booking reads nothing (no care assignment).
        await AssertRefusedAsync(v.Doctor, v.Shared);

        var grant = await v.Patient.Client.GrantForAppointmentAsync(v.Appointment, ConsentScope.Records, [v.Shared.ToString()]);
        Assert.Equal(v.Appointment.Id, grant.AppointmentId);
        Assert.Equal(v.Appointment.End.AddHours(2), grant.ExpiresAt);
        var onLedger = Assert.Single(await LedgerAbout(v.Patient.Id), t => t.Type == ConsentGrantContract.TypeName);
        Assert.Equal(v.Appointment.Id.ToString(), onLedger.Payload["appointmentId"]);

        Assert.Equal("Condition", (await v.Doctor.Client.OpenRecordAsync(v.Shared)).Category);
        await AssertRefusedAsync(v.Doctor, v.NotShared);
        // Another doctor of the same hospital gets nothing from it.
        await AssertRefusedAsync(v.OtherDoctor, v.Shared);

        // During the visit, and until two hours after its end, the doctor still reads it; a minute past that, no more.
        await v.Staff.Client.SetAppointmentStatusAsync(v.Appointment.Id, AppointmentStatus.InProgress);
        Host.Clock.Advance(v.Appointment.End.AddHours(2) - Host.Clock.GetUtcNow() - TimeSpan.FromMinutes(1));
        Assert.Equal("Condition", (await v.Doctor.Client.OpenRecordAsync(v.Shared)).Category);
        Host.Clock.Advance(TimeSpan.FromMinutes(2));
        await AssertRefusedAsync(v.Doctor, v.Shared);
        Assert.False(Assert.Single(await v.Patient.Client.GrantsAsync()).Active);
    }

    [Fact]
    public async Task Cancelling_the_appointment_ends_the_grant_at_once()
    {
        var v = await BookedVisitAsync("Scoped Cancel Clinic");
        await v.Patient.Client.GrantForAppointmentAsync(v.Appointment, ConsentScope.Categories, ["Condition"]);
        Assert.Equal("Condition", (await v.Doctor.Client.OpenRecordAsync(v.Shared)).Category);
        await AssertRefusedAsync(v.Doctor, v.NotShared);

        await v.Patient.Client.CancelAppointmentAsync(v.Appointment.Id, asPatient: true);
        await AssertRefusedAsync(v.Doctor, v.Shared);
        Assert.False(Assert.Single(await v.Patient.Client.GrantsAsync()).Active);
        // And a cancelled appointment takes no new grant.
        var again = await Assert.ThrowsAsync<MedLedgerApiException>(() => v.Patient.Client.GrantForAppointmentAsync(v.Appointment, ConsentScope.Categories, ["Condition"]));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
    }

    [Fact]
    public async Task The_contract_refuses_another_patients_appointment_another_doctor_and_an_expiry_past_the_grace()
    {
        var v = await BookedVisitAsync("Scoped Refusal Clinic");
        var intruder = await World.RegisterAsync(Role.Patient);
        await intruder.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));

        // The SDK signs whatever appointment it is given; the consent contract checks it against the ledger's booking.
        var notTheirs = await Assert.ThrowsAsync<MedLedgerApiException>(() =>
            intruder.Client.GrantForAppointmentAsync(v.Appointment with { PatientId = intruder.Id }, ConsentScope.Categories, ["Condition"]));
        Assert.Equal(HttpStatusCode.Forbidden, notTheirs.Status);
        var otherDoctor = await Assert.ThrowsAsync<MedLedgerApiException>(() =>
            v.Patient.Client.GrantForAppointmentAsync(v.Appointment with { DoctorId = v.OtherDoctor.Id }, ConsentScope.Categories, ["Condition"]));
        Assert.Equal(HttpStatusCode.Forbidden, otherDoctor.Status);
        var tooLong = await Assert.ThrowsAsync<MedLedgerApiException>(() =>
            v.Patient.Client.GrantForAppointmentAsync(v.Appointment with { End = v.Appointment.End.AddMinutes(5) }, ConsentScope.Categories, ["Condition"]));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tooLong.Status);

        Assert.Empty(await v.Patient.Client.GrantsAsync());
        await AssertRefusedAsync(v.OtherDoctor, v.Shared);
        await AssertRefusedAsync(v.Doctor, v.Shared);
    }
}

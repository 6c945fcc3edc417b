using System.Net;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using AppointmentsHub = MedLedger.Server.Features.Appointments.AppointmentsHub;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Appointments;

/// <summary>
/// /hubs/appointments: the patient hears of their own appointment's changes (the browser's "My appointments" re-reads on
/// them), never another patient's, and never the sealed reason; roles with no appointments cannot connect.
/// </summary>
public sealed class AppointmentHubTests : RecordTestBase
{
    private static readonly WorkingHours[] EveryDay = Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToArray();

    private HubConnection Build(string token) => HubListener.Build(Host, AppointmentsHub.Path, token);

    private async Task<HubListener> WatchAsync(SdkUser user) =>
        await HubListener.WatchAsync(Host, AppointmentsHub.Path, AppointmentsHub.AppointmentEvent, await user.Client.GetAccessTokenAsync());

    private static Guid IdOf(JsonElement e) => e.GetProperty("id").GetGuid();

    [Fact]
    public async Task A_patient_hears_of_their_own_booking_and_the_doctors_status_change_and_not_of_another_patients_booking()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Live Appointments Clinic", 2);
        foreach (var d in doctors)
        {
            await staff.Client.SetScheduleAsync(d.Id, "Europe/Berlin", 15, VisitKind.InPerson, EveryDay);
        }
        var (patient, other) = (await World.RegisterAsync(Role.Patient), await World.RegisterAsync(Role.Patient));
        await using var patientHub = await WatchAsync(patient);
        await using var otherHub = await WatchAsync(other);
        var from = new DateTimeOffset(Host.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2), TimeSpan.Zero);

        var booked = patientHub.Arm();
        var appointment = await patient.Client.BookAppointmentAsync((await patient.Client.FreeSlotsAsync(doctors[0].Id, from, from.AddDays(1)))[0], "private words");
        var bookedEvent = await booked.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(appointment.Id, IdOf(bookedEvent));
        Assert.Equal(JsonValueKind.Null, bookedEvent.GetProperty("sealedReason").ValueKind);

        var arrived = patientHub.Arm();
        await doctors[0].Client.SetAppointmentStatusAsync(appointment.Id, AppointmentStatus.Arrived);
        var arrivedEvent = await arrived.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(appointment.Id, IdOf(arrivedEvent));
        Assert.Equal(AppointmentStatus.Arrived, (await patient.Client.AppointmentAsync(appointment.Id)).Status);

        // The other patient's own booking comes after ours: events are ordered per connection, so had ours reached them
        // it would be there first.
        var own = otherHub.Arm();
        var theirs = await other.Client.BookAppointmentAsync((await other.Client.FreeSlotsAsync(doctors[1].Id, from, from.AddDays(1)))[0], "their words");
        await own.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(theirs.Id, IdOf(Assert.Single(otherHub.Events)));
        Assert.Equal([appointment.Id, appointment.Id], patientHub.Events.Select(IdOf));
    }

    [Fact]
    public async Task The_admin_a_pharmacist_and_insurer_staff_cannot_connect_to_the_appointments_hub()
    {
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Hub Refusal Pharmacy");
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Hub Refusal Insurer");
        foreach (var who in new[] { Admin, pharmacist, insurer })
        {
            await using var connection = Build(await who.Client.GetAccessTokenAsync());
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
            Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        }
    }
}

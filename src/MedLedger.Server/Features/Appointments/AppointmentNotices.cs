using Microsoft.AspNetCore.SignalR;

namespace MedLedger.Server.Features.Appointments;

/// <summary>Tells the doctor, their hospital's staff and the patient that an appointment changed (<see cref="AppointmentsHub"/>).</summary>
public sealed class AppointmentNotices(IHubContext<AppointmentsHub> hub)
{
    public async Task ChangedAsync(AppointmentResponse a)
    {
        ArgumentNullException.ThrowIfNull(a);
        var notice = a with { SealedReason = null };
        await hub.Clients.Group(AppointmentsHub.DoctorGroup(a.DoctorId)).SendAsync(AppointmentsHub.AppointmentEvent, notice);
        await hub.Clients.Group(AppointmentsHub.HospitalGroup(a.HospitalId)).SendAsync(AppointmentsHub.AppointmentEvent, notice);
        await hub.Clients.Group(AppointmentsHub.PatientGroup(a.PatientId)).SendAsync(AppointmentsHub.AppointmentEvent, notice);
    }
}

using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;

namespace MedLedger.Server.Features.Appointments;

/// <summary>
/// Live appointment changes. A doctor calls <see cref="Watch"/> and receives "appointment" for their own appointments;
/// hospital staff receive their hospital's; a patient receives their own. The event carries ids, times and status, never
/// the sealed reason. A reconnecting client calls Watch again and re-reads the list.
/// </summary>
[Authorize(Policy = Policies.CareParticipant)]
public sealed class AppointmentsHub : Hub
{
    public const string Path = "/hubs/appointments";
    public const string AppointmentEvent = "appointment";

    public static string DoctorGroup(Guid doctorId) => "appointments-doctor-" + doctorId.ToString("N");
    public static string HospitalGroup(Guid hospitalId) => "appointments-hospital-" + hospitalId.ToString("N");
    public static string PatientGroup(Guid patientId) => "appointments-patient-" + patientId.ToString("N");

    public async Task Watch()
    {
        var caller = Caller.From(Context.User!)!;
        // The group comes from the session, never from the client: no one listens to another doctor or hospital.
        var group = caller.Role switch
        {
            Role.Doctor => DoctorGroup(caller.Id),
            Role.Patient => PatientGroup(caller.Id),
            _ => HospitalGroup(caller.Organization),
        };
        await Groups.AddToGroupAsync(Context.ConnectionId, group, Context.ConnectionAborted);
    }
}

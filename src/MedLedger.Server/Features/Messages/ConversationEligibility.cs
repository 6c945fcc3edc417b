using MedLedger.Server.Features.Appointments;
using MedLedger.Server.Features.Care;
using MedLedger.Server.Features.Consent;

namespace MedLedger.Server.Features.Messages;

/// <summary>
/// The one rule of who may talk to whom: a patient and a doctor may share a conversation when the doctor is assigned
/// to the patient (Care), holds an active consent grant from them (Consent) or has a live appointment with them
/// (Appointments: booked, arrived or in progress). Either side may open it (a doctor's follow-up thread).
/// </summary>
public sealed class ConversationEligibility(CareRelationships care, ConsentGrants grants, AppointmentReader appointments, TimeProvider clock)
{
    public async Task<bool> MayTalkAsync(Guid patientId, Guid doctorId, CancellationToken ct)
    {
        if ((await care.AssignedDoctorsAsync(patientId, ct)).Contains(doctorId) || (await appointments.BookedDoctorsOfAsync(patientId, ct)).Contains(doctorId))
        {
            return true;
        }
        var now = clock.GetUtcNow();
        return (await grants.ToGranteeAsync(doctorId, [patientId], ct)).Any(g => g.IsActive(now));
    }
}

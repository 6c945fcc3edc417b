using MedLedger.Server.Features.Care;
using MedLedger.Server.Features.Consent;

namespace MedLedger.Server.Features.Messages;

/// <summary>
/// The one rule of who may talk to whom: a patient and a doctor may share a conversation when the doctor is assigned
/// to the patient (Care) or holds an active consent grant from them (Consent). Either side may open it (a doctor's
/// follow-up thread). The appointments feature adds "has an appointment with them" as one more line here.
/// </summary>
public sealed class ConversationEligibility(CareRelationships care, ConsentGrants grants, TimeProvider clock)
{
    public async Task<bool> MayTalkAsync(Guid patientId, Guid doctorId, CancellationToken ct)
    {
        if ((await care.AssignedDoctorsAsync(patientId, ct)).Contains(doctorId))
        {
            return true;
        }
        var now = clock.GetUtcNow();
        return (await grants.ToGranteeAsync(doctorId, [patientId], ct)).Any(g => g.IsActive(now));
    }
}

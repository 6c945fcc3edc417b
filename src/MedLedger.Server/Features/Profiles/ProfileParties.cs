using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Appointments;
using MedLedger.Server.Features.Care;
using MedLedger.Server.Features.Consent;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Profiles;

/// <summary>One party of a patient: who, how related, and through which hospital (staff only).</summary>
public sealed record ProfileParty(Guid UserId, ProfileRelation Relation, Guid? HospitalId);

/// <summary>
/// The server's side of "who gets my profile": the patient, their unexpired consent grantees, their assigned doctors,
/// and the verified staff of every hospital where they are registered (care.register) or hold a bed. Wraps go only to
/// these, and a wrapped reader reads only while still one of them. Doctors with a booked
/// appointment (booked, arrived or in progress) are parties too. Pharmacies and insurers add their relation here when their modules exist.
/// </summary>
public sealed class ProfileParties(AccountDirectory accounts, ConsentGrants grants, CareRelationships care, BookingRelationships bookings, AppointmentReader appointments, TimeProvider clock)
{
    public async Task<IReadOnlyList<ProfileParty>> OfPatientAsync(Guid patientId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var parties = new Dictionary<Guid, ProfileParty> { [patientId] = new(patientId, ProfileRelation.Self, null) };
        foreach (var g in await grants.OfPatientAsync(patientId, ct))
        {
            if (g.IsActive(now))
            {
                parties.TryAdd(g.GranteeId, new ProfileParty(g.GranteeId, ProfileRelation.Grantee, null));
            }
        }
        foreach (var doctor in await care.AssignedDoctorsAsync(patientId, ct))
        {
            parties.TryAdd(doctor, new ProfileParty(doctor, ProfileRelation.AssignedDoctor, null));
        }
        foreach (var doctor in await appointments.BookedDoctorsOfAsync(patientId, ct))
        {
            parties.TryAdd(doctor, new ProfileParty(doctor, ProfileRelation.BookedDoctor, null));
        }
        foreach (var hospitalId in await HospitalsOfAsync(patientId, ct))
        {
            foreach (var m in await accounts.MembersOfAsync(hospitalId, ct))
            {
                if (m.Role == Role.HospitalStaff && m.Verification == VerificationStatus.Approved)
                {
                    parties.TryAdd(m.UserId, new ProfileParty(m.UserId, ProfileRelation.HospitalStaff, hospitalId));
                }
            }
        }
        return parties.Values.ToList();
    }

    /// <summary>Whether the caller is one of the patient's parties now (the same rule as <see cref="OfPatientAsync"/>, for one reader).</summary>
    public async Task<bool> IncludesAsync(Guid patientId, Caller reader, CancellationToken ct)
    {
        if (reader.Id == patientId)
        {
            return true;
        }
        switch (reader.Role)
        {
            case Role.HospitalStaff:
                return reader.OrganizationId is { } hospitalId && (await HospitalsOfAsync(patientId, ct)).Contains(hospitalId);
            case Role.Doctor when (await care.AssignedDoctorsAsync(patientId, ct)).Contains(reader.Id):
                return true;
            case Role.Doctor when (await appointments.BookedDoctorsOfAsync(patientId, ct)).Contains(reader.Id):
                return true;
            default:
                var now = clock.GetUtcNow();
                return (await grants.ToGranteeAsync(reader.Id, [patientId], ct)).Any(g => g.IsActive(now));
        }
    }

    private async Task<IReadOnlySet<Guid>> HospitalsOfAsync(Guid patientId, CancellationToken ct) =>
        (await care.RegisteredHospitalsAsync(patientId, ct)).Union(await bookings.HospitalsOfAsync(patientId, ct)).ToHashSet();
}

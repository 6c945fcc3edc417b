using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Care (web/src/sdk/care.ts): hospital staff sign care.assign / care.unassign; the ledger's care state lets a doctor read.
// An assignment rests on a relationship the patient created: care.register (signed here by the patient) or a bed booking.

public sealed record Assignment(Guid PatientId, Guid DoctorId, Guid HospitalId, Guid AssignedBy, DateTimeOffset AssignedAt, string TransactionId);

public sealed record CareRegistration(Guid PatientId, Guid HospitalId, DateTimeOffset RegisteredAt, string TransactionId);

/// <summary>A patient staff may assign a doctor to: registered with the hospital and/or holding or admitted on one of its beds.</summary>
public sealed record RelatedPatient(Guid PatientId, bool Registered, bool Booked);

public sealed partial class MedLedgerClient
{
    /// <summary>Assigns a doctor whose identity card an admin's own signature verifies (and whose fingerprint is the pinned one, if given); otherwise nothing is sent.</summary>
    public async Task<Assignment> AssignDoctorAsync(Guid doctorId, Guid patientId, string? expectedFingerprint = null, CancellationToken ct = default)
    {
        var doctor = await TrustedCardAsync(doctorId, expectedFingerprint, ct);
        if (doctor.Card.Role != Role.Doctor)
        {
            throw new MedLedgerVerificationException($"Refused: {doctor.DisplayLine} is not a doctor.");
        }
        return await SendAsync<Assignment>(HttpMethod.Post, "/api/care/assignments", new { transaction = Sign(CareTransaction(CareAssignContract.TypeName, doctorId, patientId)) }, authorize: true, ct);
    }

    public Task UnassignDoctorAsync(Guid doctorId, Guid patientId, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, "/api/care/assignments/remove", new { transaction = Sign(CareTransaction(CareUnassignContract.TypeName, doctorId, patientId)) }, authorize: true, ct);

    /// <summary>Patient: register with a hospital so its staff may assign its doctors to you (care.register, signed here).</summary>
    public async Task<CareRegistration> RegisterWithHospitalAsync(Guid hospitalId, CancellationToken ct = default)
    {
        var registration = await SendAsync<CareRegistration>(HttpMethod.Post, "/api/care/registrations",
            new { transaction = Sign(RegistrationTransaction(CareRegisterContract.TypeName, hospitalId)) }, authorize: true, ct);
        // The hospital's verified staff are now the patient's parties: they get the profile too.
        await ShareProfileAfterNewRelationAsync(ct);
        return registration;
    }

    /// <summary>Patient: withdraw the registration; the hospital's staff can no longer assign doctors to you on its basis.</summary>
    public Task WithdrawHospitalRegistrationAsync(Guid hospitalId, CancellationToken ct = default) =>
        SendAsync<object?>(HttpMethod.Post, "/api/care/registrations/withdraw", new { transaction = Sign(RegistrationTransaction(CareWithdrawContract.TypeName, hospitalId)) }, authorize: true, ct);

    public Task<IReadOnlyList<CareRegistration>> MyHospitalRegistrationsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<CareRegistration>>(HttpMethod.Get, "/api/care/registrations", null, authorize: true, ct);

    /// <summary>Hospital staff: the patients who created a relationship with the caller's hospital (the ones a doctor can be assigned to).</summary>
    public Task<IReadOnlyList<RelatedPatient>> RelatedPatientsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<RelatedPatient>>(HttpMethod.Get, "/api/care/patients", null, authorize: true, ct);

    private MedLedger.Ledger.LedgerTransaction RegistrationTransaction(string type, Guid hospitalId) =>
        NewTransaction(type, new Dictionary<string, string> { ["patientId"] = UserId.ToString(), ["hospitalId"] = hospitalId.ToString() });

    public Task<IReadOnlyList<Assignment>> AssignmentsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<Assignment>>(HttpMethod.Get, "/api/care/assignments", null, authorize: true, ct);

    private MedLedger.Ledger.LedgerTransaction CareTransaction(string type, Guid doctorId, Guid patientId)
    {
        var hospital = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only hospital staff assign doctors.");
        return NewTransaction(type, new Dictionary<string, string>
        {
            ["doctorId"] = doctorId.ToString(),
            ["patientId"] = patientId.ToString(),
            ["hospitalId"] = hospital.ToString(),
        });
    }
}

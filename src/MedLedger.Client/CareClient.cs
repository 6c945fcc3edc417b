using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Care (web/src/sdk/care.ts): hospital staff sign care.assign / care.unassign; the ledger's care state lets a doctor read.

public sealed record Assignment(Guid PatientId, Guid DoctorId, Guid HospitalId, Guid AssignedBy, DateTimeOffset AssignedAt, string TransactionId);

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

using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>The care contracts (care.assign / care.unassign), against a real SQLite-backed peer.</summary>
public sealed class CareContractTests : ContractPeerTestBase
{
    private LedgerTransaction Care(TestUser actor, string type, TestUser doctor, string? hospital = null) => actor.Tx(type, new()
    {
        ["doctorId"] = doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = hospital ?? _hospital,
    });

    [Fact]
    public async Task Only_verified_staff_assign_verified_doctors_and_assignment_gates_doctor_writes()
    {
        var record = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Write(_doctor, record, _patient.Id, 1)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Care(_patient, CareAssignContract.TypeName, _doctor)));
        var unverifiedDoctor = await UserAsync(IdentityRoles.Doctor, verified: false);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Care(_staff, CareAssignContract.TypeName, unverifiedDoctor)));

        await _peer.SubmitAsync(Care(_staff, CareAssignContract.TypeName, _doctor));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Care(_staff, CareAssignContract.TypeName, _doctor)));
        Assert.True((await _peer.SubmitAsync(Write(_doctor, record, _patient.Id, 1))).Valid);

        // Unassigning needs the same hospital; afterwards the doctor cannot write.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Care(_staff, CareUnassignContract.TypeName, _doctor, Guid.NewGuid().ToString())));
        await _peer.SubmitAsync(Care(_staff, CareUnassignContract.TypeName, _doctor));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Write(_doctor, record, _patient.Id, 2)));
    }
}

using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>The care contracts (care.assign / care.unassign / care.register / care.withdraw), against a real SQLite-backed peer.</summary>
public sealed class CareContractTests : ContractPeerTestBase
{
    private LedgerTransaction Care(TestUser actor, string type, TestUser doctor, string? hospital = null, TestUser? patient = null) => actor.Tx(type, new()
    {
        ["doctorId"] = doctor.Id, ["patientId"] = (patient ?? _patient).Id, ["hospitalId"] = hospital ?? _hospital,
    });

    private LedgerTransaction Booking(string type, string bookingId, TestUser patient) => _peer.CreateSystemTransaction(type, type == BedBookContract.TypeName
        ? new Dictionary<string, string>
        {
            ["bookingId"] = bookingId, ["hospitalId"] = _hospital, ["patientId"] = patient.Id,
            ["bedTypeCommitment"] = MedLedger.Crypto.FactCommitment.Compute(MedLedger.Crypto.FactCommitment.BedType, "icu", new byte[32]),
        }
        : new Dictionary<string, string> { ["bookingId"] = bookingId, ["hospitalId"] = _hospital });

    [Fact]
    public async Task Assignment_without_a_patient_created_relationship_is_refused_by_the_contract()
    {
        // _other never registered or booked: verified staff naming a verified doctor are still refused.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Care(_staff, CareAssignContract.TypeName, _doctor, patient: _other)));
        // _patient's registration is with _hospital only, not with another hospital.
        var elsewhere = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Care(_staff, CareAssignContract.TypeName, _doctor, elsewhere)));
        Assert.Null(await _peer.Queries.GetStateAsync(CareKeys.Assignment(_other.Id, _doctor.Id)));
    }

    [Fact]
    public async Task Registration_is_the_patients_own_and_withdrawing_it_refuses_later_assignments()
    {
        // Nobody registers a patient but the patient: not staff, not another patient, not the peer.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_staff.Tx(CareRegisterContract.TypeName, new() { ["patientId"] = _other.Id, ["hospitalId"] = _hospital })));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(CareRegisterContract.TypeName, new() { ["patientId"] = _other.Id, ["hospitalId"] = _hospital })));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_peer.CreateSystemTransaction(CareRegisterContract.TypeName, new Dictionary<string, string> { ["patientId"] = _other.Id, ["hospitalId"] = _hospital })));
        // Only with a verified hospital, once.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Registration(_other, CareRegisterContract.TypeName, Guid.NewGuid().ToString())));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Registration(_patient, CareRegisterContract.TypeName)));

        await _peer.SubmitAsync(Registration(_other, CareRegisterContract.TypeName));
        Assert.True((await _peer.SubmitAsync(Care(_staff, CareAssignContract.TypeName, _doctor, patient: _other))).Valid);
        await _peer.SubmitAsync(Care(_staff, CareUnassignContract.TypeName, _doctor, patient: _other));

        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_staff.Tx(CareWithdrawContract.TypeName, new() { ["patientId"] = _other.Id, ["hospitalId"] = _hospital })));
        await _peer.SubmitAsync(Registration(_other, CareWithdrawContract.TypeName));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Registration(_other, CareWithdrawContract.TypeName)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Care(_staff, CareAssignContract.TypeName, _doctor, patient: _other)));
    }

    [Fact]
    public async Task A_held_or_admitted_booking_is_a_relationship_and_a_hold_that_ends_otherwise_is_not()
    {
        var held = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Booking(BedBookContract.TypeName, held, _other));
        Assert.True((await _peer.SubmitAsync(Care(_staff, CareAssignContract.TypeName, _doctor, patient: _other))).Valid);
        await _peer.SubmitAsync(Care(_staff, CareUnassignContract.TypeName, _doctor, patient: _other));

        await _peer.SubmitAsync(Booking(BedCancelContract.TypeName, held, _other));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Care(_staff, CareAssignContract.TypeName, _doctor, patient: _other)));

        var admitted = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Booking(BedBookContract.TypeName, admitted, _other));
        await _peer.SubmitAsync(Booking(BedAdmitContract.TypeName, admitted, _other));
        Assert.True((await _peer.SubmitAsync(Care(_staff, CareAssignContract.TypeName, _doctor, patient: _other))).Valid);
    }

    [Fact]
    public async Task A_booking_carries_its_bed_type_only_as_a_commitment()
    {
        var words = _peer.CreateSystemTransaction(BedBookContract.TypeName, new Dictionary<string, string>
        {
            ["bookingId"] = Guid.NewGuid().ToString(), ["hospitalId"] = _hospital, ["patientId"] = _other.Id, ["bedType"] = "maternity",
        });
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(words));
        var both = _peer.CreateSystemTransaction(BedBookContract.TypeName, new Dictionary<string, string>
        {
            ["bookingId"] = Guid.NewGuid().ToString(), ["hospitalId"] = _hospital, ["patientId"] = _other.Id, ["bedType"] = "maternity",
            ["bedTypeCommitment"] = MedLedger.Crypto.FactCommitment.Compute(MedLedger.Crypto.FactCommitment.BedType, "maternity", new byte[32]),
        });
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(both));
    }

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

using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>
/// The emergency contracts (emergency.hospital-key, emergency.designate, emergency.withdraw, emergency.break-glass,
/// hospital.remove-doctor), against a real SQLite-backed peer.
/// </summary>
public sealed class EmergencyContractTests : ContractPeerTestBase
{
    [Fact]
    public async Task Break_glass_needs_a_verified_doctor_a_designation_and_a_reason_commitment()
    {
        var summary = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_patient, summary, _patient.Id, 1));
        var commitment = BreakGlassReasonCommitment.Compute("unconscious", new byte[BreakGlassReasonCommitment.SaltLength]);
        LedgerTransaction Glass(TestUser doctor, string key, string value) => doctor.Tx(BreakGlassContract.TypeName, new()
        {
            ["doctorId"] = doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, [key] = value,
        });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Glass(_doctor, "reasonCommitment", commitment)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(EmergencyDesignateContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["recordId"] = summary })));
        await _peer.SubmitAsync(_patient.Tx(EmergencyDesignateContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["recordId"] = summary }));
        // The reason code in the clear is refused: the ledger takes only the salted commitment.
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Glass(_doctor, "reason", "unconscious")));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Glass(_doctor, "reasonCommitment", "unconscious")));
        var unverified = await UserAsync(IdentityRoles.Doctor, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Glass(unverified, "reasonCommitment", commitment)));
        Assert.True((await _peer.SubmitAsync(Glass(_doctor, "reasonCommitment", commitment))).Valid);
        var about = await _peer.Queries.GetTransactionsAboutAsync(_patient.Id);
        Assert.Contains(about, t => t.Transaction.Type == BreakGlassContract.TypeName);
    }

    [Fact]
    public async Task Only_the_patient_withdraws_a_designation_and_break_glass_is_refused_after_it()
    {
        var summary = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_patient, summary, _patient.Id, 1));
        LedgerTransaction Withdraw(TestUser who) => who.Tx(EmergencyWithdrawContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital });
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Withdraw(_patient)));
        await _peer.SubmitAsync(_patient.Tx(EmergencyDesignateContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["recordId"] = summary }));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Withdraw(_other)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Withdraw(_doctor)));
        Assert.True((await _peer.SubmitAsync(Withdraw(_patient))).Valid);
        Assert.Null(await _peer.Queries.GetStateAsync(CareKeys.Emergency(_patient.Id, _hospital)));
        var glass = _doctor.Tx(BreakGlassContract.TypeName, new()
        {
            ["doctorId"] = _doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = _hospital,
            ["reasonCommitment"] = BreakGlassReasonCommitment.Compute("unconscious", new byte[BreakGlassReasonCommitment.SaltLength]),
        });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(glass));
    }

    [Fact]
    public async Task Removing_a_doctor_must_rotate_the_emergency_key_and_anchors_the_new_one()
    {
        var oldKey = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey);
        var newKey = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey);
        await _peer.SubmitAsync(_staff.Tx(HospitalEmergencyKeyContract.TypeName, new() { ["hospitalId"] = _hospital, ["publicKey"] = oldKey }));
        LedgerTransaction Remove(TestUser who, string doctorId, string key) =>
            who.Tx(HospitalRemoveDoctorContract.TypeName, new() { ["hospitalId"] = _hospital, ["doctorId"] = doctorId, ["publicKey"] = key });
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Remove(_staff, _doctor.Id, oldKey)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Remove(_doctor, _doctor.Id, newKey)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Remove(_staff, _patient.Id, newKey)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Remove(_staff, _doctor.Id, "bm90IGEga2V5")));
        var receipt = await _peer.SubmitAsync(Remove(_staff, _doctor.Id, newKey));
        Assert.Equal(newKey, await _peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKey(_hospital)));
        Assert.Equal(receipt.TransactionId, await _peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKeyTransaction(_hospital)));
    }

    [Fact]
    public async Task Only_verified_staff_anchor_a_hospital_emergency_key()
    {
        var key = Convert.ToBase64String(LedgerCrypto.GenerateKeyPair().PublicKey);
        LedgerTransaction Publish(TestUser who, string publicKey) => who.Tx(HospitalEmergencyKeyContract.TypeName, new() { ["hospitalId"] = _hospital, ["publicKey"] = publicKey });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Publish(_doctor, key)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Publish(_patient, key)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Publish(_staff, "bm90IGEga2V5")));
        var receipt = await _peer.SubmitAsync(Publish(_staff, key));
        Assert.Equal(key, await _peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKey(_hospital)));
        Assert.Equal(receipt.TransactionId, await _peer.Queries.GetStateAsync(CareKeys.HospitalEmergencyKeyTransaction(_hospital)));
    }
}

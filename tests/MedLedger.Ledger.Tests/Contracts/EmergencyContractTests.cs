using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>The emergency contracts (emergency.hospital-key, emergency.designate, emergency.break-glass), against a real SQLite-backed peer.</summary>
public sealed class EmergencyContractTests : ContractPeerTestBase
{
    [Fact]
    public async Task Break_glass_needs_a_verified_doctor_a_designation_and_a_reason_code()
    {
        var summary = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(Write(_patient, summary, _patient.Id, 1));
        LedgerTransaction Glass(TestUser doctor, string reason) => doctor.Tx(BreakGlassContract.TypeName, new()
        {
            ["doctorId"] = doctor.Id, ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["reason"] = reason,
        });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Glass(_doctor, "unconscious")));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(EmergencyDesignateContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["recordId"] = summary })));
        await _peer.SubmitAsync(_patient.Tx(EmergencyDesignateContract.TypeName, new() { ["patientId"] = _patient.Id, ["hospitalId"] = _hospital, ["recordId"] = summary }));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Glass(_doctor, "curious")));
        var unverified = await UserAsync(IdentityRoles.Doctor, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(Glass(unverified, "unconscious")));
        Assert.True((await _peer.SubmitAsync(Glass(_doctor, "unconscious"))).Valid);
        var about = await _peer.Queries.GetTransactionsAboutAsync(_patient.Id);
        Assert.Contains(about, t => t.Transaction.Type == BreakGlassContract.TypeName);
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

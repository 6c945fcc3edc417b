using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>The consent contracts (consent.grant / consent.revoke), against a real SQLite-backed peer.</summary>
public sealed class ConsentContractTests : ContractPeerTestBase
{
    [Fact]
    public async Task Only_the_patient_grants_and_revokes_and_revoking_twice_is_refused()
    {
        var grant = Guid.NewGuid().ToString();
        Dictionary<string, string> Payload(string patientId) => new()
        {
            ["grantId"] = grant, ["patientId"] = patientId, ["granteeId"] = _doctor.Id, ["scope"] = "all",
            ["scopeHash"] = ConsentScopeHash.Compute("all", []), ["purposeCommitment"] = MedLedger.Crypto.FactCommitment.Compute(MedLedger.Crypto.FactCommitment.ConsentPurpose, "treatment", new byte[32]), ["expiresAtMs"] = "0",
        };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_doctor.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id))));
        await _peer.SubmitAsync(_patient.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id)));
        Assert.Equal("active", await _peer.Queries.GetStateAsync(CareKeys.Consent(grant)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(ConsentGrantContract.TypeName, Payload(_patient.Id))));

        var revoke = new Dictionary<string, string> { ["grantId"] = grant, ["patientId"] = _patient.Id };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(ConsentRevokeContract.TypeName, new() { ["grantId"] = grant, ["patientId"] = _other.Id })));
        await _peer.SubmitAsync(_patient.Tx(ConsentRevokeContract.TypeName, revoke));
        Assert.Equal("revoked", await _peer.Queries.GetStateAsync(CareKeys.Consent(grant)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(ConsentRevokeContract.TypeName, revoke)));
    }

    [Fact]
    public async Task A_grant_carries_its_purpose_only_as_a_commitment()
    {
        Dictionary<string, string> Payload() => new()
        {
            ["grantId"] = Guid.NewGuid().ToString(), ["patientId"] = _patient.Id, ["granteeId"] = _doctor.Id, ["scope"] = "all",
            ["scopeHash"] = ConsentScopeHash.Compute("all", []), ["expiresAtMs"] = "0",
        };
        var words = Payload();
        words["purpose"] = "research";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(ConsentGrantContract.TypeName, words)));
        var notAHash = Payload();
        notAHash["purposeCommitment"] = "research";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(ConsentGrantContract.TypeName, notAHash)));
    }

    [Fact]
    public async Task A_grant_to_a_pharmacist_covers_prescriptions_only()
    {
        var pharmacist = await UserAsync(IdentityRoles.Pharmacist, verified: true);
        Dictionary<string, string> Payload(string scope, params string[] items) => new()
        {
            ["grantId"] = Guid.NewGuid().ToString(), ["patientId"] = _patient.Id, ["granteeId"] = pharmacist.Id, ["scope"] = scope,
            ["scopeHash"] = ConsentScopeHash.Compute(scope, items), ["purposeCommitment"] = MedLedger.Crypto.FactCommitment.Compute(MedLedger.Crypto.FactCommitment.ConsentPurpose, "dispensing", new byte[32]), ["expiresAtMs"] = "0",
        };
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(ConsentGrantContract.TypeName, Payload("all"))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(ConsentGrantContract.TypeName, Payload("categories", "Condition"))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(ConsentGrantContract.TypeName, Payload("categories", "Condition", "MedicationRequest"))));
        Assert.True((await _peer.SubmitAsync(_patient.Tx(ConsentGrantContract.TypeName, Payload("categories", "MedicationRequest")))).Valid);
        // Listed records: their categories are not on the ledger; the granting client and the server check each is a prescription.
        Assert.True((await _peer.SubmitAsync(_patient.Tx(ConsentGrantContract.TypeName, Payload("records", Guid.NewGuid().ToString())))).Valid);
        // Other grantees keep every scope.
        var all = Payload("all");
        all["granteeId"] = _doctor.Id;
        Assert.True((await _peer.SubmitAsync(_patient.Tx(ConsentGrantContract.TypeName, all))).Valid);
    }
}

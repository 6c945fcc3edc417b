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
            ["scopeHash"] = ConsentScopeHash.Compute("all", []), ["purpose"] = "treatment", ["expiresAtMs"] = "0",
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
}

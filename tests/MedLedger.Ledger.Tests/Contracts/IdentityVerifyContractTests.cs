using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>identity.verify for professionals: only a platform admin's own signature, over a card hash and the subject's registered key fingerprint.</summary>
public sealed class IdentityVerifyContractTests : ContractPeerTestBase
{
    private async Task<string?> VerificationOf(TestUser u) => await _peer.Queries.GetStateAsync(IdentityKeys.Verification("user", u.Id));

    [Fact]
    public async Task A_peer_cannot_vouch_for_a_professional()
    {
        var doctor = await UserAsync(IdentityRoles.Doctor, verified: false);
        var peerSigned = _peer.CreateSystemTransaction(VerifyContract.TypeName, new Dictionary<string, string>
        {
            ["subjectId"] = doctor.Id, ["subjectKind"] = "user", ["decision"] = "approved",
            ["cardHash"] = new string('c', 64), ["keyFingerprint"] = doctor.KeyFingerprint,
        });
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(peerSigned));
        Assert.Null(await VerificationOf(doctor));
    }

    [Fact]
    public async Task Only_a_verified_admin_signs_a_professionals_verification()
    {
        var doctor = await UserAsync(IdentityRoles.Doctor, verified: false);
        // A verified professional is not an admin; an admin the operator never approved is not either.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_staff.Verify(doctor)));
        var unapprovedAdmin = await UserAsync(IdentityRoles.PlatformAdmin, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(unapprovedAdmin.Verify(doctor)));
        Assert.Null(await VerificationOf(doctor));

        var receipt = await _peer.SubmitAsync(_admin.Verify(doctor));
        Assert.True(receipt.Valid);
        Assert.Equal("approved", await VerificationOf(doctor));
        Assert.Equal(_admin.Id, await _peer.Queries.GetStateAsync(IdentityKeys.VerifiedBy("user", doctor.Id)));
        // Clients find the receipt they check through this key.
        Assert.Equal(receipt.TransactionId, await _peer.Queries.GetStateAsync(IdentityKeys.VerificationTransaction("user", doctor.Id)));
    }

    [Fact]
    public async Task The_verification_must_name_the_professionals_registered_keys_and_a_card_hash()
    {
        var doctor = await UserAsync(IdentityRoles.Doctor, verified: false);
        var other = await UserAsync(IdentityRoles.Doctor, verified: false);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_admin.Verify(doctor, keyFingerprint: other.KeyFingerprint)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_admin.Verify(doctor, cardHash: "not-a-hash")));
        var noCard = _admin.Tx(VerifyContract.TypeName, new() { ["subjectId"] = doctor.Id, ["subjectKind"] = "user", ["decision"] = "approved" });
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(noCard));
        Assert.Null(await VerificationOf(doctor));

        // After a key rotation the old fingerprint no longer verifies anyone.
        var old = doctor.KeyFingerprint;
        await _peer.SubmitAsync(doctor.Rotate());
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_admin.Verify(doctor, keyFingerprint: old)));
        Assert.True((await _peer.SubmitAsync(_admin.Verify(doctor))).Valid);
    }
}

/// <summary>identity.verify for organizations: only a platform admin's own signature, over an organization card hash.</summary>
public sealed class OrganizationVerifyContractTests : ContractPeerTestBase
{
    private const string Org = "0b9e8f7a-6c5d-4e3f-9a2b-1c0d9e8f7a6b";

    private static Dictionary<string, string> Payload(string? cardHash = "c") => cardHash is null
        ? new() { ["subjectId"] = Org, ["subjectKind"] = "organization", ["decision"] = "approved" }
        : new() { ["subjectId"] = Org, ["subjectKind"] = "organization", ["decision"] = "approved", ["cardHash"] = cardHash == "c" ? new string('c', 64) : cardHash };

    private async Task<string?> VerificationOfOrg() => await _peer.Queries.GetStateAsync(IdentityKeys.Verification("organization", Org));

    [Fact]
    public async Task A_peer_cannot_vouch_for_an_organization()
    {
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_peer.CreateSystemTransaction(VerifyContract.TypeName, Payload())));
        Assert.Null(await VerificationOfOrg());
    }

    [Fact]
    public async Task Only_a_verified_admin_signs_an_organizations_verification_over_a_card_hash()
    {
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_staff.Tx(VerifyContract.TypeName, Payload())));
        var unapprovedAdmin = await UserAsync(IdentityRoles.PlatformAdmin, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(unapprovedAdmin.Tx(VerifyContract.TypeName, Payload())));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_admin.Tx(VerifyContract.TypeName, Payload(cardHash: null))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_admin.Tx(VerifyContract.TypeName, Payload(cardHash: new string('C', 64)))));
        Assert.Null(await VerificationOfOrg());

        var receipt = await _peer.SubmitAsync(_admin.Tx(VerifyContract.TypeName, Payload()));
        Assert.True(receipt.Valid);
        Assert.Equal("approved", await VerificationOfOrg());
        Assert.Equal(receipt.TransactionId, await _peer.Queries.GetStateAsync(IdentityKeys.VerificationTransaction("organization", Org)));
    }
}

using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>identity.standing (suspension and reinstatement) and the key-version pointers clients walk to follow rotations.</summary>
public sealed class IdentityStandingContractTests : ContractPeerTestBase
{
    private LedgerTransaction Standing(string subject, string standing) =>
        _peer.CreateSystemTransaction(StandingContract.TypeName, new Dictionary<string, string> { ["subjectId"] = subject, ["standing"] = standing });

    [Fact]
    public async Task A_peer_or_a_verified_admin_sets_a_standing_and_clients_find_the_newest_one()
    {
        var suspended = await _peer.SubmitAsync(Standing(_doctor.Id, StandingContract.Suspended));
        Assert.True(suspended.Valid);
        Assert.Equal(StandingContract.Suspended, await _peer.Queries.GetStateAsync(IdentityHistoryKeys.Standing(_doctor.Id)));
        Assert.Equal(suspended.TransactionId, await _peer.Queries.GetStateAsync(IdentityHistoryKeys.StandingTransaction(_doctor.Id)));

        var reinstated = await _peer.SubmitAsync(_admin.Tx(StandingContract.TypeName, new() { ["subjectId"] = _doctor.Id, ["standing"] = StandingContract.Active }));
        Assert.True(reinstated.Valid);
        Assert.Equal(reinstated.TransactionId, await _peer.Queries.GetStateAsync(IdentityHistoryKeys.StandingTransaction(_doctor.Id)));
    }

    [Fact]
    public async Task Nobody_else_sets_a_standing_and_it_must_name_a_registered_user_and_a_known_standing()
    {
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_staff.Tx(StandingContract.TypeName, new() { ["subjectId"] = _doctor.Id, ["standing"] = StandingContract.Active })));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(Standing(_doctor.Id, "probation")));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(Standing(Guid.NewGuid().ToString(), StandingContract.Suspended)));
        Assert.Null(await _peer.Queries.GetStateAsync(IdentityHistoryKeys.StandingTransaction(_doctor.Id)));
    }

    [Fact]
    public async Task Each_registration_and_rotation_is_a_key_version_in_order()
    {
        var doctor = await UserAsync(IdentityRoles.Doctor, verified: false);
        var rotation = await _peer.SubmitAsync(doctor.Rotate());
        var versions = await _peer.Queries.ScanStateAsync(IdentityHistoryKeys.KeyHistoryPrefix(doctor.Id));
        Assert.Equal(2, versions.Count);
        Assert.Equal(await _peer.Queries.GetStateAsync(IdentityKeys.KeysTransaction(doctor.Id)), versions[1].Value);
        Assert.Equal(rotation.TransactionId, versions[1].Value);
        Assert.Equal(RegisterKeysContract.TypeName, (await _peer.Queries.GetReceiptAsync(versions[0].Value))!.Transaction().Type);
    }
}

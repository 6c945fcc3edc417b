using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>identity.org-standing: only a verified admin's own signature suspends or reinstates an organization, with a reason code.</summary>
public sealed class OrganizationStandingContractTests : ContractPeerTestBase
{
    private LedgerTransaction ByAdmin(string org, bool suspend, string reason = "other") =>
        _admin.Tx(OrganizationStandingContract.TypeName, OrganizationStandingContract.Payload(Guid.Parse(org), suspend, reason));

    [Fact]
    public async Task A_verified_admin_suspends_and_reinstates_and_clients_find_the_newest_standing()
    {
        var suspended = await _peer.SubmitAsync(ByAdmin(_hospital, suspend: true, "licence-withdrawn"));
        Assert.True(suspended.Valid);
        Assert.Equal(OrganizationStandingContract.Suspended, await _peer.Queries.GetStateAsync(OrganizationStandingKeys.Standing(_hospital)));
        Assert.Equal(suspended.TransactionId, await _peer.Queries.GetStateAsync(OrganizationStandingKeys.Transaction(_hospital)));
        var reinstated = await _peer.SubmitAsync(ByAdmin(_hospital, suspend: false, "resolved"));
        Assert.Equal(OrganizationStandingContract.Active, await _peer.Queries.GetStateAsync(OrganizationStandingKeys.Standing(_hospital)));
        Assert.Equal(reinstated.TransactionId, await _peer.Queries.GetStateAsync(OrganizationStandingKeys.Transaction(_hospital)));
    }

    [Fact]
    public async Task A_peer_staff_free_text_an_unknown_standing_and_the_standing_it_already_has_are_refused()
    {
        var payload = OrganizationStandingContract.Payload(Guid.Parse(_hospital), suspended: false, "resolved");
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_peer.CreateSystemTransaction(OrganizationStandingContract.TypeName, payload)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_staff.Tx(OrganizationStandingContract.TypeName, OrganizationStandingContract.Payload(Guid.Parse(_hospital), true, "other"))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(ByAdmin(_hospital, suspend: true, "the director was arrested")));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_admin.Tx(OrganizationStandingContract.TypeName,
            new() { ["organizationId"] = _hospital, ["standing"] = "probation", ["reason"] = "other" })));
        // Never suspended is active: reinstating it is a conflict, as is suspending twice.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(ByAdmin(_hospital, suspend: false)));
        await _peer.SubmitAsync(ByAdmin(_hospital, suspend: true));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(ByAdmin(_hospital, suspend: true)));
    }
}

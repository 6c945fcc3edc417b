using System.Net;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>
/// An organization's verification is the admin's own signed identity.verify over the organization card the directory
/// holds; the server refuses any decision that does not sign exactly that, and never signs for the admin.
/// </summary>
public sealed class OrganizationVerificationTests : HttpUserTestBase
{
    private static SignedTransactionDto Signed(TestUser signer, Guid org, bool approve, string cardHash) =>
        SignedTransactionDto.From(LedgerTransaction.Create(VerifyContract.TypeName, signer.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            VerifyContract.OrganizationPayload(org, approve, cardHash), signer.Keys.Signing.PrivateKey));

    private static string CardHash(OrganizationResponse o) =>
        OrganizationCards.Hash(o.Id.ToString(), o.Kind.ToString(), o.Name, o.Address, o.Latitude, o.Longitude, o.RegistrationNumber);

    [Fact]
    public async Task A_decision_must_be_the_admins_own_signature_over_the_card_the_directory_holds()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("Northside General")));
        var other = await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("Southside Clinic"));
        var orgId = staff.OrganizationId!.Value;
        var url = $"/api/admin/organizations/{orgId}/verification";
        var org = await admin.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{orgId}");
        var otherOrg = await admin.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{other.OrganizationId}");

        // No signature: the server does not sign for the admin.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null))).StatusCode);
        // Another card (renamed), another organization, another decision than requested.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null,
            Signed(admin, orgId, true, CardHash(org with { Name = "Northside General Cardiac Centre" }))))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, otherOrg.Id, true, CardHash(otherOrg))))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, orgId, false, CardHash(org))))).StatusCode);
        // Signed by another admin, submitted in this admin's session.
        var otherAdmin = await Users.CreateAdminAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(otherAdmin, orgId, true, CardHash(org))))).StatusCode);
        Assert.Equal(VerificationStatus.Pending, (await admin.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{orgId}")).Verification);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, orgId, true, CardHash(org))))).StatusCode);
        Assert.Equal(VerificationStatus.Approved, (await admin.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{orgId}")).Verification);
        var served = await staff.Api.GetFromJsonAsyncSafe<OrganizationVerificationResponse>($"/api/ledger/organizations/{orgId}/verification");
        var tx = served.Verification!.Transaction();
        Assert.True(served.Verification.Valid);
        Assert.Equal(admin.Id.ToString(), tx.ActorId);
        Assert.False(tx.IsSystemEvent);
        Assert.Equal(admin.Keys.Signing.PublicKey, tx.SignerPublicKey);
        Assert.Equal(CardHash(org), tx.Get("cardHash"));
    }

    [Fact]
    public async Task A_non_admin_submitting_an_organization_verification_is_refused()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("Northside General")));
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var orgId = staff.OrganizationId!.Value;
        var org = await admin.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{orgId}");
        // Its own staff and a patient, each with a well-formed decision signed by their own key: refused before the ledger.
        foreach (var u in new[] { staff, patient })
        {
            var res = await u.Api.PostJson($"/api/admin/organizations/{orgId}/verification", new VerificationDecision(true, null, Signed(u, orgId, true, CardHash(org))));
            Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        }
        var none = await admin.Api.GetFromJsonAsyncSafe<OrganizationVerificationResponse>($"/api/ledger/organizations/{orgId}/verification");
        Assert.Null(none.Verification);
        Assert.Equal(VerificationStatus.Pending, (await admin.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{orgId}")).Verification);
    }
}

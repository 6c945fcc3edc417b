using System.Net;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>
/// A professional's verification is the admin's own signed identity.verify over the card the directory shows and the
/// professional's key fingerprint; the server refuses any decision that does not sign exactly that.
/// </summary>
public sealed class ProfessionalVerificationTests : HttpUserTestBase
{
    private static SignedTransactionDto Signed(TestUser admin, Guid subject, bool approve, string cardHash, string fingerprint) =>
        SignedTransactionDto.From(LedgerTransaction.Create(VerifyContract.TypeName, admin.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            VerifyContract.ProfessionalPayload(subject, approve, cardHash, fingerprint), admin.Keys.Signing.PrivateKey));

    private static string CardHash(IdentityCardResponse c) =>
        IdentityCards.Hash(c.UserId.ToString(), c.Role.ToString(), c.DisplayName, c.LicenceNumber, c.Specialty, c.OrganizationId?.ToString(), c.OrganizationName);

    [Fact]
    public async Task A_decision_must_be_the_admins_own_signature_over_the_card_shown()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("Northside General"), displayName: "Lena Schulz"));
        var doctor = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Doctor, staff.OrganizationId, displayName: "Dr. Anna Weber", specialty: "Cardiology"));
        await Users.AdminDecideAsync(admin, staff.OrganizationId!.Value, organization: true, approve: true);
        var card = await admin.Api.GetFromJsonAsyncSafe<IdentityCardResponse>($"/api/users/{doctor.Id}/card");
        var fingerprint = IdentityCards.KeyFingerprintHex(card.EncryptionPublicKey, card.SigningPublicKey);
        var url = $"/api/admin/users/{doctor.Id}/verification";

        // Unsigned, over another card, about another person, or for the other decision: 422, and nothing changes.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null))).StatusCode);
        var otherCard = IdentityCards.Hash(doctor.Id.ToString(), "Doctor", "Dr. Anna Weber", null, "Neurosurgery", staff.OrganizationId.ToString(), "Northside General");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, doctor.Id, true, otherCard, fingerprint)))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, staff.Id, true, CardHash(card), fingerprint)))).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, doctor.Id, false, CardHash(card), fingerprint)))).StatusCode);
        // Signed by someone else than the admin who sends it.
        var otherAdmin = await Users.CreateAdminAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(otherAdmin, doctor.Id, true, CardHash(card), fingerprint)))).StatusCode);
        // Over keys that are not the doctor's: the ledger contract refuses it.
        var wrongKeys = IdentityCards.KeyFingerprintHex(staff.Keys.Encryption.PublicKey, staff.Keys.Signing.PublicKey);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, doctor.Id, true, CardHash(card), wrongKeys)))).StatusCode);
        Assert.False((await doctor.Api.GetFromJsonAsyncSafe<MeResponse>("/api/me")).CanAct);
        Assert.Null((await admin.Api.GetFromJsonAsyncSafe<IdentityCardResponse>($"/api/users/{doctor.Id}/card")).Verification);

        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostJson(url, new VerificationDecision(true, null, Signed(admin, doctor.Id, true, CardHash(card), fingerprint)))).StatusCode);
        Assert.True((await doctor.Api.GetFromJsonAsyncSafe<MeResponse>("/api/me")).CanAct);
        var receipt = (await admin.Api.GetFromJsonAsyncSafe<IdentityCardResponse>($"/api/users/{doctor.Id}/card")).Verification!;
        var tx = receipt.Transaction();
        Assert.True(receipt.Valid);
        Assert.Equal(admin.Id.ToString(), tx.ActorId);
        Assert.False(tx.IsSystemEvent);
        Assert.Equal(admin.Keys.Signing.PublicKey, tx.SignerPublicKey);
        Assert.Equal((CardHash(card), fingerprint), (tx.Get("cardHash"), tx.Get("keyFingerprint")));
    }
}

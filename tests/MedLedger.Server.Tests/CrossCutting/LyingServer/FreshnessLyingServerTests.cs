using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 12 item 4, freshness and admin key history: the server serves a card with the admin's old approval after the
/// admin suspended the professional or withdrew the verification (the ledger, read in full, says otherwise); the admin
/// rotated keys after verifying (the old signature still counts); a verification signed by a key the admin never had
/// (a forged receipt a lying peer could produce). Every refusal sends nothing.
/// </summary>
public sealed class FreshnessLyingServerTests : SdkTestBase
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private sealed record Scene(IdentityLyingServer Server, MedLedgerClient Patient, SdkUser Staff, SdkUser Doctor, SdkUser Admin);

    private async Task<Scene> SceneAsync()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Northside General");
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var server = new IdentityLyingServer(Host);
        var client = server.NewClient();
        await client.LoginWithDevOutboxAsync(patient.Email, patient.Password);
        return new Scene(server, client, staff, doctors[0], admin);
    }

    /// <summary>The card as it was when the admin approved it (the admin may still read it), served to anyone who asks.</summary>
    private static async Task ServeOldCardAsync(Scene s, JsonNode oldCard) =>
        s.Server.Rewrite = (path, honest, ask) =>
            Task.FromResult(path == $"/api/users/{s.Doctor.Id}/card" ? oldCard.DeepClone() : null);

    private static JsonNode Json(IdentityCard card) => JsonNode.Parse(JsonSerializer.Serialize(card, Web))!;

    private async Task AssertRefusedAsync(Scene s, string reason)
    {
        var card = await s.Patient.IdentityCardAsync(s.Doctor.Id);
        Assert.False(card.Verified);
        Assert.Equal(reason, card.NotVerifiedReason);
        Assert.EndsWith("NOT verified", card.DisplayLine, StringComparison.Ordinal);
        var before = s.Server.Sent.Count;
        var ex = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.GrantConsentAsync(s.Doctor.Id, ConsentScope.All));
        Assert.Contains(reason, ex.Message, StringComparison.Ordinal);
        Assert.Empty(s.Server.WritesSince(before));
        Assert.Empty(await s.Patient.GrantsAsync());
    }

    [Fact]
    public async Task A_suspended_professional_served_with_the_old_approval_is_not_verified_and_nothing_is_granted()
    {
        var s = await SceneAsync();
        var approved = Json((await s.Admin.Client.IdentityCardAsync(s.Doctor.Id)).Card);
        Assert.True((await s.Patient.IdentityCardAsync(s.Doctor.Id)).Verified);

        await s.Admin.Client.SuspendAsync(s.Doctor.Id);
        await ServeOldCardAsync(s, approved);
        await AssertRefusedAsync(s, "an admin suspended this professional");

        // Staff behind the same lying server cannot assign the suspended doctor either.
        var staff = s.Server.NewClient();
        await staff.LoginWithDevOutboxAsync(s.Staff.Email, s.Staff.Password);
        var before = s.Server.Sent.Count;
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => staff.AssignDoctorAsync(s.Doctor.Id, s.Patient.UserId));
        Assert.Empty(s.Server.WritesSince(before));

        // Reinstated: the honest card is verified again.
        await s.Admin.Client.ReinstateAsync(s.Doctor.Id);
        s.Server.Rewrite = null;
        var card = await s.Patient.IdentityCardAsync(s.Doctor.Id);
        Assert.True(card.Verified, card.NotVerifiedReason);
    }

    [Fact]
    public async Task A_withdrawn_verification_served_with_the_old_approval_is_not_verified_and_nothing_is_granted()
    {
        var s = await SceneAsync();
        var approved = Json((await s.Admin.Client.IdentityCardAsync(s.Doctor.Id)).Card);
        await s.Admin.Client.DecideProfessionalAsync(s.Doctor.Id, approve: false, reason: "licence withdrawn by the medical board");
        await ServeOldCardAsync(s, approved);
        await AssertRefusedAsync(s, "an admin withdrew this professional's verification");
    }

    [Fact]
    public async Task An_old_verification_bounded_by_age_is_not_verified()
    {
        var s = await SceneAsync();
        s.Patient.MaxVerificationAge = TimeSpan.FromDays(365);
        Assert.True((await s.Patient.IdentityCardAsync(s.Doctor.Id)).Verified);
        // No time passes in a test: a zero bound makes every verification "old".
        s.Patient.MaxVerificationAge = TimeSpan.Zero;
        var card = await s.Patient.IdentityCardAsync(s.Doctor.Id);
        Assert.False(card.Verified);
        Assert.StartsWith("the verification is old", card.NotVerifiedReason, StringComparison.Ordinal);
    }

    /// <summary>
    /// New keys for <paramref name="user"/> on the ledger, signed by their current key as the contract requires. There is
    /// no rotate endpoint yet, so the rotation goes to the ledger directly; the account's key bundle is not changed.
    /// </summary>
    private async Task<(byte[] SigningPublic, byte[] EncryptionPublic)> RotateKeysOnLedgerAsync(SdkUser user)
    {
        var (_, signingPublic) = LedgerCrypto.GenerateKeyPair();
        var (_, encryptionPublic) = LedgerCrypto.GenerateKeyPair();
        var rotation = await Host.Service<LedgerGateway>().SubmitAsync(LedgerTransaction.Create(RotateKeysContract.TypeName, user.Id.ToString(),
            LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
            {
                ["userId"] = user.Id.ToString(),
                ["signingKey"] = Convert.ToBase64String(signingPublic),
                ["encryptionKey"] = Convert.ToBase64String(encryptionPublic),
            }, user.Client.Keys!.Signing.PrivateKey), CancellationToken.None);
        Assert.True(rotation.Valid, rotation.Reason);
        return (signingPublic, encryptionPublic);
    }

    [Fact]
    public async Task A_verification_signed_by_the_admins_earlier_key_stays_valid_after_the_admin_rotates()
    {
        var s = await SceneAsync();
        // The admin rotates keys after verifying the doctor.
        await RotateKeysOnLedgerAsync(s.Admin);

        var history = await s.Patient.IdentityHistoryAsync(s.Admin.Id);
        Assert.Equal([RegisterKeysContract.TypeName, RotateKeysContract.TypeName], history.Keys.Select(k => k.Transaction().Type));

        var card = await s.Patient.IdentityCardAsync(s.Doctor.Id);
        Assert.True(card.Verified, card.NotVerifiedReason);
        var grant = await s.Patient.GrantConsentAsync(s.Doctor.Id, ConsentScope.All);
        Assert.True(grant.Active);
    }

    [Fact]
    public async Task A_card_approved_before_the_professional_rotated_keys_is_not_verified_with_the_new_keys_and_nothing_is_granted()
    {
        var s = await SceneAsync();
        var card = Json((await s.Admin.Client.IdentityCardAsync(s.Doctor.Id)).Card);
        // The doctor rotates keys after the admin approved the card with the old key fingerprint (signed by the old key,
        // as the contract requires).
        var (newSigningPublic, newEncryptionPublic) = await RotateKeysOnLedgerAsync(s.Doctor);
        // The server serves the card with the doctor's new keys, which are the ledger's current ones: the key check
        // passes, and only the approval's fingerprint (over the old keys) tells that the admin never saw these keys.
        card["signingPublicKey"] = Convert.ToBase64String(newSigningPublic);
        card["encryptionPublicKey"] = Convert.ToBase64String(newEncryptionPublic);
        await ServeOldCardAsync(s, card);
        await AssertRefusedAsync(s, "the admin verified different keys");
    }

    [Fact]
    public async Task A_verification_signed_by_a_key_the_admin_never_had_is_refused()
    {
        var s = await SceneAsync();
        var honest = (await s.Admin.Client.IdentityCardAsync(s.Doctor.Id)).Card;
        // What a lying peer could commit: an approval naming the admin, signed by a key the admin never registered.
        var (rogue, _) = LedgerCrypto.GenerateKeyPair();
        var cardHash = IdentityCards.Hash(honest.UserId.ToString(), honest.Role.ToString(), honest.DisplayName, honest.LicenceNumber, honest.Specialty,
            honest.OrganizationId?.ToString(), honest.OrganizationName);
        var forged = LedgerTransaction.Create(VerifyContract.TypeName, s.Admin.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            VerifyContract.ProfessionalPayload(s.Doctor.Id, true, cardHash, IdentityCards.KeyFingerprintHex(honest.EncryptionPublicKey, honest.SigningPublicKey)), rogue);
        var forgery = await AppendedForgery.CreateAsync(Host, forged);
        var receipt = forgery.Receipt;
        var lie = Json(honest);
        lie["verification"] = JsonNode.Parse(JsonSerializer.Serialize(receipt, Web));
        var history = JsonNode.Parse(JsonSerializer.Serialize(await s.Patient.IdentityHistoryAsync(s.Doctor.Id), Web))!;
        history["verification"] = lie["verification"]!.DeepClone();
        s.Server.Rewrite = (path, h, ask) => Task.FromResult(
            path == $"/api/users/{s.Doctor.Id}/card" ? lie.DeepClone() : path == $"/api/ledger/identity/{s.Doctor.Id}" ? history.DeepClone() : forgery.Consistency(path));

        await AssertRefusedAsync(s, "the verification is signed by a key the admin never had");
    }
}

using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 12, lying-server cases (b) and (f): the server swaps the professional a lookup or card answers with, or serves
/// a card whose verification no admin signed. The SDK shows the real card, refuses, and sends nothing.
/// </summary>
public sealed class IdentityLyingServerTests : SdkTestBase
{
    private sealed record Scene(IdentityLyingServer Server, MedLedgerClient Patient, SdkUser Staff, SdkUser DoctorA, SdkUser DoctorB, SdkUser Pending, SdkUser Admin);

    private async Task<Scene> SceneAsync()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Northside General", doctors: 2);
        // A doctor of the same hospital the admin has not verified yet.
        var pending = await World.RegisterAsync(MedLedger.Client.Role.Doctor, staff.OrganizationId);
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var server = new IdentityLyingServer(Host);
        var client = server.NewClient();
        await client.LoginWithDevOutboxAsync(patient.Email, patient.Password);
        await client.CreateFileRecordAsync("lab result"u8.ToArray(), "text/plain");
        return new Scene(server, client, staff, doctors[0], doctors[1], pending, admin);
    }

    private static bool IsCard(string path, Guid id) => path == $"/api/users/{id}/card";

    [Fact]
    public async Task B_a_lookup_answered_with_another_professional_shows_that_professionals_real_card_and_a_pinned_grant_is_refused()
    {
        var s = await SceneAsync();
        // The patient has Dr. A's fingerprint from Dr. A (out of band); the honest answer shows it.
        var a = await s.Patient.LookUpProfessionalAsync(s.DoctorA.Email);
        Assert.Equal(s.DoctorA.Id, a.UserId);
        s.Server.Rewrite = async (path, honest, ask) => path == "/api/users/lookup" ? await ask($"/api/users/{s.DoctorB.Id}/card") : null;

        var shown = await s.Patient.LookUpProfessionalAsync(s.DoctorA.Email);
        // What the patient sees is B's real, verified card, with B's fingerprint: not a forged A.
        Assert.Equal(s.DoctorB.Id, shown.UserId);
        Assert.True(shown.Verified);
        Assert.StartsWith("Doctor ", shown.DisplayLine, StringComparison.Ordinal);
        Assert.NotEqual(a.DisplayLine, shown.DisplayLine);
        Assert.NotEqual(a.Fingerprint, shown.Fingerprint);

        var before = s.Server.Sent.Count;
        var ex = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.GrantConsentAsync(shown.UserId, ConsentScope.All, expectedFingerprint: a.Fingerprint));
        Assert.Contains("not the expected", ex.Message, StringComparison.Ordinal);
        Assert.Empty(s.Server.WritesSince(before));
        Assert.Empty(await s.Patient.GrantsAsync());
    }

    [Fact]
    public async Task B_a_lookup_answered_with_the_right_card_but_another_users_keys_is_refused()
    {
        var s = await SceneAsync();
        s.Server.Rewrite = async (path, honest, ask) =>
        {
            if (path != "/api/users/lookup")
            {
                return null;
            }
            var other = await ask($"/api/users/{s.DoctorB.Id}/card");
            honest["signingPublicKey"] = other["signingPublicKey"]!.DeepClone();
            honest["encryptionPublicKey"] = other["encryptionPublicKey"]!.DeepClone();
            return honest;
        };
        var before = s.Server.Sent.Count;
        var ex = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.LookUpProfessionalAsync(s.DoctorA.Email));
        Assert.Contains("not the keys registered on the ledger", ex.Message, StringComparison.Ordinal);
        Assert.Empty(s.Server.WritesSince(before));
    }

    [Fact]
    public async Task B_a_card_answered_for_another_professional_than_asked_is_refused_before_a_grant_or_an_assignment()
    {
        var s = await SceneAsync();
        s.Server.Rewrite = async (path, honest, ask) => IsCard(path, s.DoctorA.Id) ? await ask($"/api/users/{s.DoctorB.Id}/card") : null;
        var before = s.Server.Sent.Count;
        var ex = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.GrantConsentAsync(s.DoctorA.Id, ConsentScope.All));
        Assert.Contains("answered the card of", ex.Message, StringComparison.Ordinal);
        Assert.Empty(s.Server.WritesSince(before));
        Assert.Empty(await s.Patient.GrantsAsync());
    }

    [Fact]
    public async Task F_a_card_the_admin_did_not_verify_as_served_is_not_verified_and_nothing_is_granted_or_assigned()
    {
        var s = await SceneAsync();
        // The server dresses Dr. A up: another specialty than the one the admin verified.
        s.Server.Rewrite = (path, honest, ask) =>
        {
            if (!IsCard(path, s.DoctorA.Id))
            {
                return Task.FromResult<JsonNode?>(null);
            }
            honest["specialty"] = "Neurosurgery";
            return Task.FromResult<JsonNode?>(honest);
        };
        var card = await s.Patient.IdentityCardAsync(s.DoctorA.Id);
        Assert.False(card.Verified);
        Assert.Equal("the admin verified a different card", card.NotVerifiedReason);
        Assert.EndsWith("NOT verified", card.DisplayLine, StringComparison.Ordinal);

        var before = s.Server.Sent.Count;
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.GrantConsentAsync(s.DoctorA.Id, ConsentScope.All));
        Assert.Empty(s.Server.WritesSince(before));
        Assert.Empty(await s.Patient.GrantsAsync());

        // Staff behind the same lying server cannot assign the dressed-up doctor either.
        var staff = s.Server.NewClient();
        await staff.LoginWithDevOutboxAsync(s.Staff.Email, s.Staff.Password);
        before = s.Server.Sent.Count;
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => staff.AssignDoctorAsync(s.DoctorA.Id, s.Patient.UserId));
        Assert.Empty(s.Server.WritesSince(before));
        Assert.DoesNotContain(await s.Staff.Client.AssignmentsAsync(), x => x.DoctorId == s.DoctorA.Id);
    }

    [Fact]
    public async Task F_an_unverified_doctor_served_with_another_doctors_verification_is_not_verified_and_nothing_is_granted()
    {
        var s = await SceneAsync();
        // The directory would not serve the unverified doctor to a patient; the lying server does, as the answer to a
        // lookup, carrying Dr. B's real (admin-signed) verification receipt.
        s.Server.Rewrite = async (path, honest, ask) =>
        {
            if (path != "/api/users/lookup" && !IsCard(path, s.Pending.Id))
            {
                return null;
            }
            var b = await ask($"/api/users/{s.DoctorB.Id}/card");
            var pending = await s.Admin.Client.IdentityCardAsync(s.Pending.Id);
            var lie = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(pending.Card, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
            { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } }))!;
            lie["verification"] = b["verification"]!.DeepClone();
            return lie;
        };
        var shown = await s.Patient.LookUpProfessionalAsync(s.DoctorA.Email);
        Assert.Equal(s.Pending.Id, shown.UserId);
        Assert.False(shown.Verified);
        Assert.Equal("the verification receipt is about something else", shown.NotVerifiedReason);
        var before = s.Server.Sent.Count;
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Patient.GrantConsentAsync(shown.UserId, ConsentScope.All));
        Assert.Empty(s.Server.WritesSince(before));
        Assert.Empty(await s.Patient.GrantsAsync());
    }

    [Fact]
    public async Task The_honest_path_shows_a_verified_card_and_grants_with_the_pinned_fingerprint()
    {
        var s = await SceneAsync();
        var card = await s.Patient.LookUpProfessionalAsync(s.DoctorA.Email);
        Assert.True(card.Verified, card.NotVerifiedReason);
        Assert.StartsWith("Doctor ", card.DisplayLine, StringComparison.Ordinal);
        Assert.EndsWith("General practice · Northside General · verified", card.DisplayLine, StringComparison.Ordinal);
        var grant = await s.Patient.GrantConsentAsync(card.UserId, ConsentScope.All, expectedFingerprint: card.Fingerprint.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal));
        Assert.True(grant.Active);
        Assert.Contains(s.Server.Sent, x => x.Method == "POST" && x.Path == "/api/consents");
    }
}

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
/// Issue 12, organization verification from the attacker's side: the server lists a hospital the admin never approved
/// as verified (with another organization's receipt, a rejection, a peer-signed or a rogue-key approval), or changes a
/// verified hospital's card after the admin signed it. The SDK's own check says "not verified by the admin" each time,
/// and still shows the hospital; the honest path says "verified".
/// </summary>
public sealed class OrganizationLyingServerTests : SdkTestBase
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private sealed record Scene(IdentityLyingServer Server, MedLedgerClient Patient, SdkUser Admin, Guid North, Guid South, Guid Unchecked);

    private async Task<Scene> SceneAsync()
    {
        var admin = await World.AdminAsync();
        var (north, _) = await World.HospitalAsync(admin, "Northside General", doctors: 0);
        var (south, _) = await World.HospitalAsync(admin, "Southside Clinic", doctors: 0);
        // A hospital founded at registration that no admin has decided on.
        var unchecked_ = await World.RegisterAsync(MedLedger.Client.Role.HospitalStaff,
            newOrganization: new NewOrganization(OrganizationKind.Hospital, "Unchecked Infirmary", "3 Side Street", 52.5, 13.4, null, null, "HRB 1009"));
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var server = new IdentityLyingServer(Host);
        var client = server.NewClient();
        await client.LoginWithDevOutboxAsync(patient.Email, patient.Password);
        return new Scene(server, client, admin, north.OrganizationId!.Value, south.OrganizationId!.Value, unchecked_.OrganizationId!.Value);
    }

    private static string VerificationPath(Guid id) => $"/api/ledger/organizations/{id}/verification";

    private static bool IsSearch(string path) => path.StartsWith("/api/hospitals/search?", StringComparison.Ordinal);

    private static Task<Organization> AdminViewAsync(Scene s, Guid id) => s.Admin.Client.OrganizationAsync(id);

    /// <summary>
    /// The directory list with the unchecked hospital (as the admin may read it) added as approved; its verification answered
    /// by <paramref name="receipt"/>, or honestly when that is null.
    /// </summary>
    private static async Task ServeUncheckedAsync(Scene s, Func<Func<string, Task<JsonNode>>, Task<JsonNode?>>? receipt, AppendedForgery? forgery = null)
    {
        var entry = JsonNode.Parse(JsonSerializer.Serialize(await AdminViewAsync(s, s.Unchecked), Web))!;
        entry["verification"] = "Approved";
        s.Server.Rewrite = async (path, honest, ask) =>
        {
            if (forgery?.Consistency(path) is { } proof)
            {
                return proof;
            }
            if (path == "/api/organizations?kind=Hospital")
            {
                ((JsonArray)honest).Add(entry.DeepClone());
                return honest;
            }
            if (receipt is not null && path == VerificationPath(s.Unchecked))
            {
                return new JsonObject { ["organizationId"] = s.Unchecked.ToString(), ["verification"] = await receipt(ask) };
            }
            return null;
        };
    }

    private static async Task<CheckedOrganization> ShownAsync(Scene s, Guid id)
    {
        var org = Assert.Single(await s.Patient.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == id);
        // The server's own flag says approved; only the client's check decides what is shown.
        Assert.Equal(VerificationStatus.Approved, org.Verification);
        return await s.Patient.CheckOrganizationAsync(org);
    }

    [Fact]
    public async Task The_honest_path_shows_verified_hospitals_in_search_and_directory_and_an_undecided_one_as_not_verified()
    {
        var s = await SceneAsync();
        var page = await s.Patient.SearchHospitalsAsync(52.5, 13.4);
        Assert.Equal(2, page.Items.Count);
        foreach (var hit in page.Items)
        {
            var check = await s.Patient.CheckHospitalAsync(hit);
            Assert.True(check.Verified, check.NotVerifiedReason);
            Assert.Equal("verified", check.Label);
        }
        Assert.True((await ShownAsync(s, s.North)).Verified);
        var undecided = await s.Patient.CheckOrganizationAsync(await AdminViewAsync(s, s.Unchecked));
        Assert.False(undecided.Verified);
        Assert.Equal("no admin verification on the ledger", undecided.NotVerifiedReason);
        Assert.Equal(CheckedOrganization.NotVerifiedLabel, undecided.Label);
    }

    [Fact]
    public async Task A_hospital_renamed_or_reregistered_by_the_server_after_the_admin_signed_is_shown_but_not_verified()
    {
        var s = await SceneAsync();
        s.Server.Rewrite = (path, honest, ask) =>
        {
            if (IsSearch(path))
            {
                foreach (var hit in honest["items"]!.AsArray().Where(h => (string?)h!["hospitalId"] == s.North.ToString()))
                {
                    hit!["name"] = "Northside General Cardiac Centre";
                }
                return Task.FromResult<JsonNode?>(honest);
            }
            if (path == "/api/organizations?kind=Hospital")
            {
                foreach (var o in honest.AsArray().Where(o => (string?)o!["id"] == s.North.ToString()))
                {
                    o!["address"] = "99 Elsewhere Road";
                }
                // Only the registration number differs: the register entry the admin checked is another organization's.
                foreach (var o in honest.AsArray().Where(o => (string?)o!["id"] == s.South.ToString()))
                {
                    o!["registrationNumber"] = "HRB 66666 X";
                }
                return Task.FromResult<JsonNode?>(honest);
            }
            return Task.FromResult<JsonNode?>(null);
        };
        var page = await s.Patient.SearchHospitalsAsync(52.5, 13.4);
        var renamed = Assert.Single(page.Items, h => h.HospitalId == s.North);
        Assert.Equal("Northside General Cardiac Centre", renamed.Name);
        var check = await s.Patient.CheckHospitalAsync(renamed);
        Assert.False(check.Verified);
        Assert.Equal("the admin verified a different card (name, address, location or registration number changed)", check.NotVerifiedReason);
        Assert.True((await s.Patient.CheckHospitalAsync(Assert.Single(page.Items, h => h.HospitalId == s.South))).Verified);

        var moved = await ShownAsync(s, s.North);
        Assert.False(moved.Verified);
        Assert.Equal("the admin verified a different card (name, address, location or registration number changed)", moved.NotVerifiedReason);
        var reregistered = await ShownAsync(s, s.South);
        Assert.False(reregistered.Verified);
        Assert.Equal("the admin verified a different card (name, address, location or registration number changed)", reregistered.NotVerifiedReason);
    }

    [Fact]
    public async Task An_undecided_hospital_served_with_another_hospitals_approval_is_not_verified()
    {
        var s = await SceneAsync();
        await ServeUncheckedAsync(s, async ask => (await ask(VerificationPath(s.South)))["verification"]!.DeepClone());
        var shown = await ShownAsync(s, s.Unchecked);
        Assert.False(shown.Verified);
        Assert.Equal("the verification receipt is about something else", shown.NotVerifiedReason);
    }

    [Fact]
    public async Task A_hospital_the_admin_rejected_served_as_approved_is_not_verified()
    {
        var s = await SceneAsync();
        await s.Admin.Client.DecideOrganizationAsync(s.Unchecked, approve: false, reason: "licence could not be confirmed");
        // The rejection is signed over the very card shown: only its decision tells it apart from an approval.
        await ServeUncheckedAsync(s, receipt: null);
        var shown = await ShownAsync(s, s.Unchecked);
        Assert.False(shown.Verified);
        Assert.Equal("an admin rejected this organization", shown.NotVerifiedReason);
    }

    [Fact]
    public async Task A_peer_signed_approval_of_the_shown_card_is_not_verified()
    {
        var s = await SceneAsync();
        var card = await AdminViewAsync(s, s.Unchecked);
        // What a lying peer could commit: an approval of exactly this card as a system event, no admin signature.
        var peerKey = LedgerContractCatalog.LoadOrCreatePeerKey(Host.DataDirectory);
        var tx = LedgerTransaction.Create(VerifyContract.TypeName, LedgerTransaction.SystemActorPrefix + "peer-1", LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            VerifyContract.OrganizationPayload(s.Unchecked, true, CardHash(card)), peerKey);
        var forgery = await AppendedForgery.CreateAsync(Host, tx);
        await ServeUncheckedAsync(s, _ => Task.FromResult<JsonNode?>(JsonSerializer.SerializeToNode(forgery.Receipt, Web)), forgery);
        var shown = await ShownAsync(s, s.Unchecked);
        Assert.False(shown.Verified);
        Assert.Equal("the verification is not signed by an admin", shown.NotVerifiedReason);
    }

    [Fact]
    public async Task An_approval_of_the_shown_card_signed_by_a_key_the_admin_never_had_is_not_verified()
    {
        var s = await SceneAsync();
        var card = await AdminViewAsync(s, s.Unchecked);
        var (rogue, _) = LedgerCrypto.GenerateKeyPair();
        var tx = LedgerTransaction.Create(VerifyContract.TypeName, s.Admin.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            VerifyContract.OrganizationPayload(s.Unchecked, true, CardHash(card)), rogue);
        // Appended to the real log (after the admin's registration), so only the signing key gives it away.
        var forgery = await AppendedForgery.CreateAsync(Host, tx);
        await ServeUncheckedAsync(s, _ => Task.FromResult<JsonNode?>(JsonSerializer.SerializeToNode(forgery.Receipt, Web)), forgery);
        var shown = await ShownAsync(s, s.Unchecked);
        Assert.False(shown.Verified);
        Assert.Equal("the verification is signed by a key the admin never had", shown.NotVerifiedReason);
    }

    private static string CardHash(Organization o) =>
        OrganizationCards.Hash(o.Id.ToString(), o.Kind.ToString(), o.Name, o.Address, o.Latitude, o.Longitude, o.RegistrationNumber);

}

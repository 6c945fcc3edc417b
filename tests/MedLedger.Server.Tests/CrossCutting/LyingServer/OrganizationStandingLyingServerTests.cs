using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 19, organization suspension from the attacker's side: an admin suspended a hospital, and the server hides it —
/// lists the hospital as before, or answers the standing with another hospital's reinstatement or a reinstatement no admin
/// signed. The SDK reads the standing on the ledger and still says "not verified".
/// </summary>
public sealed class OrganizationStandingLyingServerTests : SdkTestBase
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    private sealed record Scene(IdentityLyingServer Server, MedLedgerClient Patient, SdkUser Admin, Guid Suspended, Guid Other);

    private async Task<Scene> SceneAsync()
    {
        var admin = await World.AdminAsync();
        var (suspended, _) = await World.HospitalAsync(admin, "Shady Infirmary", doctors: 0);
        var (other, _) = await World.HospitalAsync(admin, "Honest General", doctors: 0);
        await admin.Client.SuspendOrganizationAsync(suspended.OrganizationId!.Value, "licence-withdrawn");
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var server = new IdentityLyingServer(Host);
        var client = server.NewClient();
        await client.LoginWithDevOutboxAsync(patient.Email, patient.Password);
        return new Scene(server, client, admin, suspended.OrganizationId!.Value, other.OrganizationId!.Value);
    }

    private static string VerificationPath(Guid id) => $"/api/ledger/organizations/{id}/verification";

    /// <summary>The directory lists the suspended hospital as an ordinary verified one; its standing answered by <paramref name="standing"/> (honestly when null).</summary>
    private static async Task HideSuspensionAsync(Scene s, Func<Func<string, Task<JsonNode>>, Task<JsonNode?>>? standing, AppendedForgery? forgery = null)
    {
        var entry = JsonNode.Parse(JsonSerializer.Serialize(await s.Admin.Client.OrganizationAsync(s.Suspended), Web))!;
        entry["suspended"] = false;
        entry["standingReason"] = null;
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
            if (standing is not null && path == VerificationPath(s.Suspended))
            {
                honest["standing"] = await standing(ask);
                return honest;
            }
            return null;
        };
    }

    private static async Task<CheckedOrganization> ShownAsync(Scene s)
    {
        var org = Assert.Single(await s.Patient.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == s.Suspended);
        Assert.False(org.Suspended);
        return await s.Patient.CheckOrganizationAsync(org);
    }

    [Fact]
    public async Task A_suspended_hospital_the_server_lists_as_if_nothing_happened_is_not_verified_by_the_ledgers_word()
    {
        var s = await SceneAsync();
        await HideSuspensionAsync(s, standing: null);
        var shown = await ShownAsync(s);
        Assert.False(shown.Verified);
        Assert.Equal("an admin suspended this organization", shown.NotVerifiedReason);
        Assert.True((await s.Patient.CheckOrganizationAsync(Assert.Single(await s.Patient.OrganizationsAsync(OrganizationKind.Hospital), o => o.Id == s.Other))).Verified);
    }

    [Fact]
    public async Task A_suspension_answered_with_another_hospitals_reinstatement_is_not_verified()
    {
        var s = await SceneAsync();
        await s.Admin.Client.SuspendOrganizationAsync(s.Other, "other");
        await s.Admin.Client.ReinstateOrganizationAsync(s.Other, "resolved");
        await HideSuspensionAsync(s, async ask => (await ask(VerificationPath(s.Other)))["standing"]!.DeepClone());
        var shown = await ShownAsync(s);
        Assert.False(shown.Verified);
        Assert.Equal("the ledger's latest standing is about something else", shown.NotVerifiedReason);
    }

    [Fact]
    public async Task A_reinstatement_no_admin_signed_is_not_verified()
    {
        var s = await SceneAsync();
        // What a lying peer could append: a reinstatement as a system event (the contract refuses it; the log would not).
        var peerKey = LedgerContractCatalog.LoadOrCreatePeerKey(Host.DataDirectory);
        var tx = LedgerTransaction.Create(OrganizationStandingContract.TypeName, LedgerTransaction.SystemActorPrefix + "peer-1", LedgerTransaction.RandomNonce(),
            LedgerTransaction.NowMs(), OrganizationStandingContract.Payload(s.Suspended, suspended: false, "resolved"), peerKey);
        var forgery = await AppendedForgery.CreateAsync(Host, tx);
        await HideSuspensionAsync(s, _ => Task.FromResult<JsonNode?>(JsonSerializer.SerializeToNode(forgery.Receipt, Web)), forgery);
        var shown = await ShownAsync(s);
        Assert.False(shown.Verified);
        Assert.Equal("the reinstatement is not signed by an admin", shown.NotVerifiedReason);
    }
}

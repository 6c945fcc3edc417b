using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// A server that serves one patient's sealed profile as another's, relabels it, or alters its signature is caught by
/// the reader's client: a profile is shown only when the patient's ledger-registered key signed it for the patient asked for.
/// </summary>
public sealed class ProfileLyingServerTests : SdkTestBase
{
    private sealed record Scene(IdentityLyingServer Server, MedLedgerClient Staff, SdkUser Maria, SdkUser Lukas);

    private async Task<Scene> SceneAsync()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Lying Profiles General", doctors: 0);
        var maria = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var lukas = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        foreach (var (p, name) in new[] { (maria, "Maria Keller"), (lukas, "Lukas Brandt") })
        {
            await p.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
            await p.Client.SetMyProfileAsync(new MedLedger.Crypto.PatientProfile(name, "1980-01-01", "female", "+49 30 1"));
        }
        var server = new IdentityLyingServer(Host);
        var client = server.NewClient();
        await client.LoginWithDevOutboxAsync(staff.Email, staff.Password);
        return new Scene(server, client, maria, lukas);
    }

    [Fact]
    public async Task The_honest_path_opens_both_profiles()
    {
        var s = await SceneAsync();
        var all = await s.Staff.SharedProfilesAsync();
        Assert.Equal("Maria Keller", all[s.Maria.Id].Profile.Name);
        Assert.Equal("Lukas Brandt", (await s.Staff.PatientProfileAsync(s.Lukas.Id))!.Profile.Name);
    }

    [Fact]
    public async Task Another_patients_profile_served_as_asked_for_is_refused_whether_or_not_it_is_relabelled()
    {
        var s = await SceneAsync();
        s.Server.Rewrite = async (path, honest, ask) => path == $"/api/profiles/{s.Maria.Id}" ? await ask($"/api/profiles/{s.Lukas.Id}") : null;
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Staff.PatientProfileAsync(s.Maria.Id));

        s.Server.Rewrite = async (path, honest, ask) =>
        {
            if (path != $"/api/profiles/{s.Maria.Id}")
            {
                return null;
            }
            var lie = await ask($"/api/profiles/{s.Lukas.Id}");
            lie["patientId"] = s.Maria.Id.ToString();
            return lie;
        };
        var relabelled = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Staff.PatientProfileAsync(s.Maria.Id));
        Assert.Contains("signed", relabelled.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_profile_whose_signature_was_altered_is_refused_in_the_list_too()
    {
        var s = await SceneAsync();
        s.Server.Rewrite = (path, honest, ask) =>
        {
            if (path != "/api/profiles")
            {
                return Task.FromResult<JsonNode?>(null);
            }
            var entry = honest.AsArray().First(e => (string)e!["patientId"]! == s.Maria.Id.ToString())!;
            var signature = Convert.FromBase64String((string)entry["signature"]!);
            signature[5] ^= 0x01;
            entry["signature"] = Convert.ToBase64String(signature);
            return Task.FromResult<JsonNode?>(honest);
        };
        var e = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => s.Staff.SharedProfilesAsync());
        Assert.Contains(s.Maria.Id.ToString(), e.Message, StringComparison.Ordinal);
    }
}

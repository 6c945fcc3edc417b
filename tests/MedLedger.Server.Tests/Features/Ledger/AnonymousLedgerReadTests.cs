using System.Net;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// Issue 12: a person signing up (no session) checks an organization's admin-signed verification. Its two ledger reads
/// are anonymous — the organization's verification receipt and a platform admin's key history — and reveal nothing else:
/// an anonymous caller gets the same 404 for a professional, a patient and an unknown id.
/// </summary>
public sealed class AnonymousLedgerReadTests : SdkTestBase
{
    [Fact]
    public async Task Without_a_session_the_organization_receipt_and_the_admins_key_history_are_served_and_nobody_elses_history()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Open Door Clinic");
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        using var anonymous = Host.CreateClient();

        var org = await anonymous.GetAsync($"/api/ledger/organizations/{staff.OrganizationId}/verification");
        Assert.Equal(HttpStatusCode.OK, org.StatusCode);
        using (var body = JsonDocument.Parse(await org.Content.ReadAsStringAsync()))
        {
            Assert.Equal(staff.OrganizationId.ToString(), body.RootElement.GetProperty("organizationId").GetString());
            Assert.Equal(JsonValueKind.Object, body.RootElement.GetProperty("verification").ValueKind);
        }

        var history = await anonymous.GetAsync($"/api/ledger/identity/{admin.Id}");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        using (var body = JsonDocument.Parse(await history.Content.ReadAsStringAsync()))
        {
            Assert.Equal(admin.Id.ToString(), body.RootElement.GetProperty("userId").GetString());
            Assert.NotEqual(0, body.RootElement.GetProperty("keys").GetArrayLength());
        }

        foreach (var id in new[] { doctors[0].Id, staff.Id, patient.Id, Guid.NewGuid() })
        {
            var refused = await anonymous.GetAsync($"/api/ledger/identity/{id}");
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
            await refused.Problem();
        }
        // Signed in, a professional's history is served as before (cards are checked against it).
        var signedIn = await patient.Client.IdentityHistoryAsync(doctors[0].Id);
        Assert.Equal(RegisterKeysContract.TypeName, Assert.Single(signedIn.Keys).Transaction().Type);
    }
}

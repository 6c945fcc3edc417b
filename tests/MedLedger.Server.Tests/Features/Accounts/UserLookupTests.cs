using System.Net;
using System.Text.Json.Nodes;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>
/// The directory serves only what the caller's role needs (issue 13, user enumeration): verified professionals' cards
/// to accounts that may act; no patient, admin or unverified professional is ever found by email, and every such
/// answer is the same as for an unknown email.
/// </summary>
public sealed class UserLookupTests : HttpUserTestBase
{
    private sealed record World(TestUser Admin, TestUser Staff, TestUser Doctor, TestUser PendingDoctor, TestUser Patient, TestUser OtherPatient);

    private async Task<World> WorldAsync()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("Northside General"), displayName: "Lena Schulz"));
        var doctor = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Doctor, staff.OrganizationId, licence: "MD-110042", displayName: "Dr. Anna Weber", specialty: "Cardiology"));
        var pending = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Doctor, staff.OrganizationId, displayName: "Dr. Not Yet"));
        await Users.AdminDecideAsync(admin, staff.OrganizationId!.Value, organization: true, approve: true);
        await Users.AdminDecideAsync(admin, staff.Id, organization: false, approve: true);
        await Users.AdminDecideAsync(admin, doctor.Id, organization: false, approve: true);
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var other = await Users.RegisterAsync(Role.Patient);
        return new World(admin, staff, doctor, pending, patient, other);
    }

    private static async Task<(HttpStatusCode Status, string Body)> LookUp(TestUser caller, string email)
    {
        var res = await caller.Api.PostJson("/api/users/lookup", new UserLookupRequest(email));
        var node = JsonNode.Parse(await res.Content.ReadAsStringAsync())!.AsObject();
        // The trace id differs per request by design; everything else must be identical.
        node.Remove("traceId");
        return (res.StatusCode, node.ToJsonString());
    }

    [Fact]
    public async Task A_patient_finds_a_verified_professionals_card_and_nothing_else()
    {
        var w = await WorldAsync();
        var found = await (await w.Patient.Api.PostJson("/api/users/lookup", new UserLookupRequest(w.Doctor.Email.ToUpperInvariant()))).Read<IdentityCardResponse>();
        Assert.Equal((w.Doctor.Id, Role.Doctor, "Dr. Anna Weber", "Cardiology", "MD-110042", "Northside General"),
            (found.UserId, found.Role, found.DisplayName, found.Specialty, found.LicenceNumber, found.OrganizationName));
        Assert.NotNull(found.Verification);
        Assert.Equal(w.Doctor.Keys.Signing.PublicKey, found.SigningPublicKey);

        // Another patient, an admin, an unverified doctor and an unknown address: one and the same answer.
        var unknown = await LookUp(w.Patient, $"nobody-{Guid.NewGuid():N}@example.org");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        foreach (var email in new[] { w.OtherPatient.Email, w.Admin.Email, w.PendingDoctor.Email, w.Patient.Email })
        {
            Assert.Equal(unknown, await LookUp(w.Patient, email));
        }
    }

    [Fact]
    public async Task Professionals_do_not_find_patients_by_email()
    {
        var w = await WorldAsync();
        var unknown = await LookUp(w.Doctor, $"nobody-{Guid.NewGuid():N}@example.org");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        foreach (var caller in new[] { w.Doctor, w.Staff, w.Admin })
        {
            Assert.Equal(unknown, await LookUp(caller, w.Patient.Email));
        }
        // Staff still find the doctors they assign.
        Assert.Equal(HttpStatusCode.OK, (await LookUp(w.Staff, w.Doctor.Email)).Status);
        // And a patient's card is no card at all, by id either.
        Assert.Equal(HttpStatusCode.NotFound, (await w.Doctor.Api.GetAsync($"/api/users/{w.Patient.Id}/card")).StatusCode);
    }

    [Fact]
    public async Task Unverified_accounts_get_nothing_whoever_they_ask_about()
    {
        var w = await WorldAsync();
        var known = await LookUp(w.PendingDoctor, w.Doctor.Email);
        Assert.Equal(HttpStatusCode.Forbidden, known.Status);
        Assert.Equal(known, await LookUp(w.PendingDoctor, $"nobody-{Guid.NewGuid():N}@example.org"));
        Assert.Equal(HttpStatusCode.Forbidden, (await w.PendingDoctor.Api.GetAsync($"/api/users/{w.Doctor.Id}/card")).StatusCode);
    }

    [Fact]
    public async Task An_unverified_professionals_card_is_shown_only_to_admins()
    {
        var w = await WorldAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await w.Patient.Api.GetAsync($"/api/users/{w.PendingDoctor.Id}/card")).StatusCode);
        var card = await w.Admin.Api.GetFromJsonAsyncSafe<IdentityCardResponse>($"/api/users/{w.PendingDoctor.Id}/card");
        Assert.Equal("Dr. Not Yet", card.DisplayName);
        Assert.Null(card.Verification);
    }

    [Fact]
    public async Task Patients_register_no_public_name()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Users.RegisterAsync(Role.Patient, displayName: "Jane Doe"));
        Assert.Contains("displayName", ex.Message, StringComparison.Ordinal);
    }
}

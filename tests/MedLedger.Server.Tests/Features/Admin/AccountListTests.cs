using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>
/// Issue 19 item 3: the admin's lists of accounts and organizations (filters, suspension shown as it changes, no e-mail
/// address or patient name in them) and their refusal to anyone else.
/// </summary>
public sealed class AccountListTests : HttpUserTestBase
{
    [Fact]
    public async Task The_admin_lists_accounts_by_role_and_state_sees_a_suspension_and_organizations_in_every_state()
    {
        var admin = await Users.CreateAdminAsync();
        Host.Clock.Advance(TimeSpan.FromSeconds(1));
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("Listed Clinic"),
            displayName: "Dr. Ada Lister", specialty: "Administration"));
        Host.Clock.Advance(TimeSpan.FromSeconds(1));
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));

        // Newest first.
        var all = await admin.Api.GetFromJsonAsyncSafe<List<AccountSummary>>("/api/admin/users");
        Assert.Equal(3, all.Count);
        Assert.Equal(new[] { patient.Id, staff.Id, admin.Id }, all.Select(a => a.Id));
        var listedStaff = await admin.Api.GetFromJsonAsyncSafe<List<AccountSummary>>("/api/admin/users?role=HospitalStaff&verification=Pending");
        var s = Assert.Single(listedStaff);
        Assert.Equal((staff.Id, "Dr. Ada Lister", false), (s.Id, s.DisplayName, s.Suspended));
        Assert.NotNull(s.OrganizationId);
        var p = Assert.Single(await admin.Api.GetFromJsonAsyncSafe<List<AccountSummary>>("/api/admin/users?role=Patient"));
        Assert.Equal((patient.Id, (string?)null), (p.Id, p.DisplayName));

        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<AccountSummary>>("/api/admin/users?suspended=true"));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostAsync($"/api/admin/users/{patient.Id}/suspend", null)).StatusCode);
        Assert.Equal(patient.Id, Assert.Single(await admin.Api.GetFromJsonAsyncSafe<List<AccountSummary>>("/api/admin/users?suspended=true")).Id);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostAsync($"/api/admin/users/{patient.Id}/reinstate", null)).StatusCode);
        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<AccountSummary>>("/api/admin/users?suspended=true"));

        // Organizations in every state, not only the verified directory.
        var orgs = await admin.Api.GetFromJsonAsyncSafe<List<OrganizationResponse>>("/api/admin/organizations?kind=Hospital");
        Assert.Equal(("Listed Clinic", VerificationStatus.Pending), (Assert.Single(orgs).Name, orgs[0].Verification));
        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<OrganizationResponse>>("/api/admin/organizations?verification=Approved"));
        Assert.Empty(await admin.Api.GetFromJsonAsyncSafe<List<OrganizationResponse>>("/api/admin/organizations?kind=Pharmacy"));

        // No e-mail address of anyone in the list.
        var json = await (await admin.Api.GetAsync("/api/admin/users")).Content.ReadAsStringAsync();
        Assert.DoesNotContain(patient.Email, json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(staff.Email, json, StringComparison.OrdinalIgnoreCase);
        var bad = await admin.Api.GetAsync("/api/admin/users?role=Wizard");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        await bad.Problem();
        // The suspension ended the patient's sessions: sign in again to be refused as a patient.
        patient = await Users.LoginWithEmailCodeAsync(patient);
        foreach (var who in new[] { patient, staff })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await who.Api.GetAsync("/api/admin/users")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await who.Api.GetAsync("/api/admin/organizations")).StatusCode);
        }
    }
}

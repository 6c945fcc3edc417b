using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>Organizations and professionals act only after a platform admin verified them.</summary>
public abstract class VerificationFlows : IAsyncLifetime
{
    protected TestHost Host = null!;
    protected TestUsers Users = null!;

    protected abstract Task<TestHost> StartHostAsync();

    public async Task InitializeAsync()
    {
        Host = await StartHostAsync();
        Users = new TestUsers(Host);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    [Fact]
    public async Task Unverified_professional_signs_in_but_role_actions_answer_403_saying_why()
    {
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        var me = await staff.Api.GetFromJsonAsyncSafe<MeResponse>("/api/me");
        Assert.False(me.CanAct);
        var res = await staff.Api.GetAsync($"/api/organizations/{staff.OrganizationId}/members");
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        var detail = (await res.Problem()).GetProperty("detail").GetString()!;
        Assert.Contains("awaiting verification", detail);
    }

    [Fact]
    public async Task Admin_queue_lists_pending_and_approval_unlocks_role_actions()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital()));
        var doctor = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Doctor, organizationId: staff.OrganizationId, licence: "MD-12345"));
        var queue = await admin.Api.GetFromJsonAsyncSafe<VerificationQueue>("/api/admin/verifications");
        Assert.Contains(queue.Organizations, o => o.Id == staff.OrganizationId && o.Kind == OrganizationKind.Hospital);
        Assert.Contains(queue.Professionals, p => p.UserId == doctor.Id && p.LicenseNumber == "MD-12345");
        Assert.Contains(queue.Professionals, p => p.UserId == staff.Id);

        // The organization alone is not enough: the person must be verified too, and vice versa.
        await Users.AdminDecideAsync(admin, staff.OrganizationId!.Value, organization: true, approve: true);
        var stillPending = await staff.Api.GetAsync($"/api/organizations/{staff.OrganizationId}/members");
        Assert.Equal(HttpStatusCode.Forbidden, stillPending.StatusCode);
        Assert.Contains("professional account is awaiting", (await stillPending.Problem()).GetProperty("detail").GetString());

        await Users.AdminDecideAsync(admin, staff.Id, organization: false, approve: true);
        var members = await staff.Api.GetFromJsonAsyncSafe<List<MemberResponse>>($"/api/organizations/{staff.OrganizationId}/members");
        Assert.Equal(2, members.Count);
        var directory = await staff.Api.GetFromJsonAsyncSafe<List<OrganizationResponse>>("/api/organizations?kind=Hospital");
        Assert.Contains(directory, o => o.Id == staff.OrganizationId);

        var after = await admin.Api.GetFromJsonAsyncSafe<VerificationQueue>("/api/admin/verifications");
        Assert.DoesNotContain(after.Organizations, o => o.Id == staff.OrganizationId);
        Assert.DoesNotContain(after.Professionals, p => p.UserId == staff.Id);
    }

    [Fact]
    public async Task Rejection_needs_a_reason_and_the_reason_reaches_the_user()
    {
        var admin = await Users.CreateAdminAsync();
        var pharmacist = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Pharmacist,
            newOrganization: TestUsers.Hospital("Corner Pharmacy") with { Kind = OrganizationKind.Pharmacy }));
        var noReason = await admin.Api.PostJson($"/api/admin/users/{pharmacist.Id}/verification", new VerificationDecision(false, null));
        Assert.Equal((HttpStatusCode)422, noReason.StatusCode);
        await Users.AdminDecideAsync(admin, pharmacist.OrganizationId!.Value, organization: true, approve: true);
        await Users.AdminDecideAsync(admin, pharmacist.Id, organization: false, approve: false, reason: "licence number not found in the register");
        var res = await pharmacist.Api.GetAsync($"/api/organizations/{pharmacist.OrganizationId}/members");
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Contains("licence number not found", (await res.Problem()).GetProperty("detail").GetString());
        var events = await admin.Api.GetFromJsonAsyncSafe<List<SecurityEventResponse>>($"/api/admin/security-events?kind=VerificationRejected");
        Assert.Contains(events, e => e.SubjectId == pharmacist.Id && e.ActorId == admin.Id);
    }

    [Fact]
    public async Task Professional_joins_existing_verified_organization_of_the_right_kind_only()
    {
        var admin = await Users.CreateAdminAsync();
        var staff = await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital());
        await Users.AdminDecideAsync(admin, staff.OrganizationId!.Value, organization: true, approve: true);
        var wrongKind = await Assert.ThrowsAsync<InvalidOperationException>(() => Users.RegisterAsync(Role.Pharmacist, organizationId: staff.OrganizationId));
        Assert.Contains("UnprocessableEntity", wrongKind.Message);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => Users.RegisterAsync(Role.Doctor, organizationId: Guid.NewGuid()));
        Assert.Contains("NotFound", unknown.Message);
        var doctor = await Users.RegisterAsync(Role.Doctor, organizationId: staff.OrganizationId);
        Assert.Equal(staff.OrganizationId, doctor.OrganizationId);
    }

    [Fact]
    public async Task Staff_update_their_own_organization_not_others()
    {
        var admin = await Users.CreateAdminAsync();
        var a = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("A")));
        var b = await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital("B"));
        foreach (var id in new[] { a.OrganizationId!.Value, b.OrganizationId!.Value })
        {
            await Users.AdminDecideAsync(admin, id, organization: true, approve: true);
        }
        await Users.AdminDecideAsync(admin, a.Id, organization: false, approve: true);
        var update = new OrganizationUpdate("A General", "2 New Road", 48.1, 11.6, "+49 89 1", null);
        var ok = await a.Api.PutJson($"/api/organizations/{a.OrganizationId}", update);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("A General", (await ok.Read<OrganizationResponse>()).Name);
        var other = await a.Api.PutJson($"/api/organizations/{b.OrganizationId}", update);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        var bad = await a.Api.PutJson($"/api/organizations/{a.OrganizationId}", update with { Longitude = 500 });
        Assert.Equal((HttpStatusCode)422, bad.StatusCode);
        var unchanged = await a.Api.GetFromJsonAsyncSafe<OrganizationResponse>($"/api/organizations/{a.OrganizationId}");
        Assert.Equal(11.6, unchanged.Longitude);
    }
}

public sealed class SqliteVerificationTests : VerificationFlows
{
    protected override Task<TestHost> StartHostAsync() => TestHost.StartAsync();
}

using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>Organizations and professionals act only after a platform admin verified them; on SQLite and PostgreSQL.</summary>
public abstract class VerificationFlows : HttpUserTestBase
{
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
}

public sealed class SqliteVerificationTests : VerificationFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresVerificationTests(PostgresFixture pg) : VerificationFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}

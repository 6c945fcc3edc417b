using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Organizations;

/// <summary>Verified organizations: staff update their own organization and no other; on SQLite and PostgreSQL.</summary>
public abstract class OrganizationFlows : HttpUserTestBase
{
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
        var update = new OrganizationUpdate("A General", "2 New Road", 48.1, 11.6, "+49 89 1", null, "HRB 99001 B");
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

public sealed class SqliteOrganizationTests : OrganizationFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresOrganizationTests(PostgresFixture pg) : OrganizationFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}

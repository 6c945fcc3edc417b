using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Admin;

/// <summary>Platform admins suspend and reinstate users and read the security events; on SQLite and PostgreSQL.</summary>
public abstract class UserAdministrationFlows : HttpUserTestBase
{
    [Fact]
    public async Task Suspension_revokes_sessions_and_blocks_login()
    {
        var admin = await Users.CreateAdminAsync();
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostAsync($"/api/admin/users/{patient.Id}/suspend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
        using var c = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, patient.AuthKey))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await admin.Api.PostAsync($"/api/admin/users/{patient.Id}/reinstate", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await c.PostJson("/api/auth/login", new LoginRequest(patient.Email, patient.AuthKey))).StatusCode);
    }

    [Fact]
    public async Task Security_events_are_recorded_and_readable_by_admin_only()
    {
        var admin = await Users.CreateAdminAsync();
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        var events = await admin.Api.GetFromJsonAsyncSafe<List<SecurityEventResponse>>($"/api/admin/security-events?subject={patient.Id}");
        Assert.Contains(events, e => e.Kind == SecurityEventKind.Registered);
        Assert.Contains(events, e => e.Kind == SecurityEventKind.LoginSucceeded);
        Assert.All(events, e => Assert.DoesNotContain(patient.Email, e.Detail ?? ""));
        Assert.Equal(HttpStatusCode.Forbidden, (await patient.Api.GetAsync("/api/admin/security-events")).StatusCode);
    }
}

public sealed class SqliteUserAdministrationTests : UserAdministrationFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresUserAdministrationTests(PostgresFixture pg) : UserAdministrationFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}

using System.Net;
using System.Net.Http.Headers;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>Sessions: refresh-token rotation, access-token expiry and logout; on SQLite and PostgreSQL.</summary>
public abstract class SessionFlows : HttpUserTestBase
{
    [Fact]
    public async Task Refresh_rotates_and_reuse_of_an_old_refresh_token_ends_the_family()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        using var c = Host.CreateClient();
        var first = patient.Tokens!;
        var second = await (await c.PostJson("/api/auth/refresh", new RefreshRequest(first.RefreshToken))).Read<TokenResponse>();
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        // The old access token died with the rotation.
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
        var reuse = await c.PostJson("/api/auth/refresh", new RefreshRequest(first.RefreshToken));
        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        c.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", second.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.GetAsync("/api/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.PostJson("/api/auth/refresh", new RefreshRequest(second.RefreshToken))).StatusCode);
    }

    [Fact]
    public async Task Access_token_expires()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        Host.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
    }

    [Fact]
    public async Task Logout_revokes_the_session()
    {
        var patient = await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));
        Assert.Equal(HttpStatusCode.NoContent, (await patient.Api.PostAsync("/api/auth/logout", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await patient.Api.GetAsync("/api/me")).StatusCode);
        using var c = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await c.PostJson("/api/auth/refresh", new RefreshRequest(patient.Tokens!.RefreshToken))).StatusCode);
    }
}

public sealed class SqliteSessionTests : SessionFlows;

[Collection(PostgresCollection.Name)]
public sealed class PostgresSessionTests(PostgresFixture pg) : SessionFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}

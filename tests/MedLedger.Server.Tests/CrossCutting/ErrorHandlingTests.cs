using System.Net;
using System.Text;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.CrossCutting;

public sealed class ErrorHandlingTests : IAsyncLifetime
{
    private TestHost _host = null!;

    public async Task InitializeAsync() => _host = await TestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<int> UserCount()
    {
        await using var scope = _host.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>().Users.CountAsync();
    }

    private static StringContent Json(string s) => new(s, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"email\": 42}")]
    [InlineData("{\"email\":\"a@example.org\",\"role\":\"Surgeon\"}")]
    [InlineData("{\"email\":\"a@example.org\",\"role\":\"Patient\",\"authKey\":\"%%%notbase64\"}")]
    [InlineData("{\"email\":\"a@example.org\",\"role\":\"Patient\"}")]
    [InlineData("")]
    public async Task Malformed_bodies_get_400_problem_and_change_nothing(string body)
    {
        using var c = _host.CreateClient();
        var res = await c.PostAsync("/api/auth/register", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var p = await res.Problem();
        Assert.Equal(400, p.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(p.GetProperty("detail").GetString()));
        Assert.Equal(0, await UserCount());
    }

    [Fact]
    public async Task Oversize_body_is_413_problem()
    {
        using var c = _host.CreateClient();
        var big = "{\"email\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";
        var res = await c.PostAsync("/api/auth/register", Json(big));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, res.StatusCode);
        await res.Problem();
        Assert.Equal(0, await UserCount());
    }

    [Fact]
    public async Task Wrong_route_types_and_unknown_ids_are_404_not_500()
    {
        var users = new TestUsers(_host);
        var patient = await users.LoginWithEmailCodeAsync(await users.RegisterAsync(Role.Patient));
        Assert.Equal(HttpStatusCode.NotFound, (await patient.Api.GetAsync("/api/users/not-a-guid/keys")).StatusCode);
        var unknown = await patient.Api.GetAsync($"/api/organizations/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        await unknown.Problem();
        var badQuery = await patient.Api.GetAsync("/api/organizations?kind=Spaceship");
        Assert.Equal(HttpStatusCode.BadRequest, badQuery.StatusCode);
        await badQuery.Problem();
    }

    [Fact]
    public async Task Health_and_openapi_and_reference_page_are_served()
    {
        using var c = _host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/health")).StatusCode);
        var doc = await c.GetStringAsync("/openapi/v1.json");
        Assert.Contains("/api/auth/register", doc);
        Assert.Contains("\"openapi\"", doc);
        var page = await c.GetAsync("/scalar/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Fact]
    public async Task Dev_outbox_is_absent_without_demo()
    {
        await using var host = await TestHost.StartAsync(s => s["Demo:Enabled"] = "false");
        using var c = host.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await c.PostJson("/api/dev/outbox", new { to = "a@example.org" })).StatusCode);
    }

    [Fact]
    public async Task Sign_in_endpoints_are_rate_limited_per_address_with_a_problem()
    {
        await using var host = await TestHost.StartAsync(s => s["Auth:AuthRequestsPerMinutePerAddress"] = "3");
        using var c = host.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            statuses.Add((await c.PostJson("/api/auth/prelogin", new PreloginRequest($"user{i}@example.org"))).StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        var limited = await c.PostJson("/api/auth/login", new LoginRequest("a@example.org", new byte[32]));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Contains("wait a minute", (await limited.Problem()).GetProperty("detail").GetString());
        // Other endpoints are not limited by it.
        Assert.Equal(HttpStatusCode.OK, (await c.GetAsync("/health")).StatusCode);
    }
}

using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.CrossCutting;

/// <summary>
/// Every role × endpoint pair that must be refused is refused. The endpoint list is read from
/// the running app's routing table, so a new endpoint is covered the moment it is mapped.
/// </summary>
public sealed class RefusalMatrixTests : IAsyncLifetime
{
    private TestHost _host = null!;
    private readonly Dictionary<Role, TestUser> _verified = [];
    private readonly Dictionary<Role, TestUser> _unverified = [];

    public async Task InitializeAsync()
    {
        _host = await TestHost.StartAsync();
        var users = new TestUsers(_host);
        var admin = await users.CreateAdminAsync();
        _verified[Role.PlatformAdmin] = admin;
        _verified[Role.Patient] = await users.LoginWithEmailCodeAsync(await users.RegisterAsync(Role.Patient));
        var hospitalStaff = await users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital());
        var pharmacist = await users.RegisterAsync(Role.Pharmacist, newOrganization: TestUsers.Hospital("Pharmacy") with { Kind = OrganizationKind.Pharmacy });
        var insurer = await users.RegisterAsync(Role.InsurerStaff, newOrganization: TestUsers.Hospital("Insurer") with { Kind = OrganizationKind.Insurer });
        var doctor = await users.RegisterAsync(Role.Doctor, organizationId: hospitalStaff.OrganizationId);
        foreach (var u in new[] { hospitalStaff, pharmacist, insurer })
        {
            await users.AdminDecideAsync(admin, u.OrganizationId!.Value, organization: true, approve: true);
        }
        foreach (var u in new[] { hospitalStaff, pharmacist, insurer, doctor })
        {
            await users.AdminDecideAsync(admin, u.Id, organization: false, approve: true);
            _verified[u.Role] = await users.LoginWithEmailCodeAsync(u);
        }
        foreach (var role in new[] { Role.Doctor, Role.HospitalStaff, Role.Pharmacist, Role.InsurerStaff })
        {
            var orgId = role == Role.Doctor ? hospitalStaff.OrganizationId : null;
            var newOrg = role switch
            {
                Role.HospitalStaff => TestUsers.Hospital("Pending H"),
                Role.Pharmacist => TestUsers.Hospital("Pending P") with { Kind = OrganizationKind.Pharmacy },
                Role.InsurerStaff => TestUsers.Hospital("Pending I") with { Kind = OrganizationKind.Insurer },
                _ => null,
            };
            _unverified[role] = await users.LoginWithEmailCodeAsync(await users.RegisterAsync(role, orgId, newOrg));
        }
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private sealed record Guarded(string Method, string Path, IReadOnlyList<Role>? AllowedRoles);

    private List<Guarded> GuardedEndpoints()
    {
        var policies = _host.Service<Microsoft.AspNetCore.Authorization.IAuthorizationPolicyProvider>();
        var list = new List<Guarded>();
        foreach (var ep in _host.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var authorize = ep.Metadata.GetOrderedMetadata<IAuthorizeData>();
            if (authorize.Count == 0 || ep.Metadata.GetMetadata<IAllowAnonymous>() is not null)
            {
                continue;
            }
            var methods = ep.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"];
            IReadOnlyList<Role>? allowed = null;
            foreach (var a in authorize.Where(a => a.Policy is not null))
            {
                var policy = policies.GetPolicyAsync(a.Policy!).GetAwaiter().GetResult()!;
                var roles = policy.Requirements.OfType<VerifiedRoleRequirement>().SelectMany(r => r.Roles).ToList();
                allowed = allowed is null ? roles : allowed.Intersect(roles).ToList();
            }
            var path = Regex.Replace(ep.RoutePattern.RawText!, @"\{[^}]+\}", m =>
                m.Value.Contains(":long", StringComparison.Ordinal) || m.Value.Contains(":int", StringComparison.Ordinal) ? "1"
                : m.Value.Contains(":guid", StringComparison.Ordinal) ? Guid.NewGuid().ToString()
                : new string('a', 64));
            list.AddRange(methods.Select(m => new Guarded(m, "/" + path.TrimStart('/'), allowed)));
        }
        return list;
    }

    private static HttpRequestMessage Request(Guarded e) => new(new HttpMethod(e.Method), e.Path)
    {
        Content = e.Method is "GET" or "DELETE" ? null : new StringContent("{}", Encoding.UTF8, "application/json"),
    };

    [Fact]
    public async Task Anonymous_callers_get_401_on_every_guarded_endpoint()
    {
        var endpoints = GuardedEndpoints();
        Assert.True(endpoints.Count >= 15, $"expected the guarded surface to be discovered, found {endpoints.Count}");
        using var anon = _host.CreateClient();
        foreach (var e in endpoints)
        {
            var res = await anon.SendAsync(Request(e));
            Assert.True(res.StatusCode == HttpStatusCode.Unauthorized, $"{e.Method} {e.Path} answered {res.StatusCode} to an anonymous caller");
            await res.Problem();
        }
    }

    [Fact]
    public async Task Every_role_outside_a_policy_gets_403_problem_and_nothing_else()
    {
        var refusals = 0;
        foreach (var e in GuardedEndpoints().Where(e => e.AllowedRoles is not null))
        {
            foreach (var (role, user) in _verified.Where(kv => !e.AllowedRoles!.Contains(kv.Key)))
            {
                var res = await user.Api.SendAsync(Request(e));
                Assert.True(res.StatusCode == HttpStatusCode.Forbidden, $"{role} on {e.Method} {e.Path} answered {res.StatusCode}");
                var p = await res.Problem();
                Assert.Contains("role", p.GetProperty("detail").GetString());
                refusals++;
            }
        }
        Assert.True(refusals > 20, $"only {refusals} refusals checked");
    }

    [Fact]
    public async Task Unverified_professionals_are_refused_everywhere_a_role_is_needed()
    {
        foreach (var e in GuardedEndpoints().Where(e => e.AllowedRoles is not null))
        {
            foreach (var (role, user) in _unverified.Where(kv => e.AllowedRoles!.Contains(kv.Key)))
            {
                var res = await user.Api.SendAsync(Request(e));
                Assert.True(res.StatusCode == HttpStatusCode.Forbidden, $"unverified {role} on {e.Method} {e.Path} answered {res.StatusCode}");
                Assert.Contains("verification", (await res.Problem()).GetProperty("detail").GetString());
            }
        }
    }

    [Fact]
    public async Task Allowed_roles_are_never_answered_500()
    {
        foreach (var e in GuardedEndpoints())
        {
            foreach (var (role, user) in _verified.Where(kv => e.AllowedRoles?.Contains(kv.Key) ?? true))
            {
                var res = await user.Api.SendAsync(Request(e));
                Assert.True((int)res.StatusCode < 500, $"{role} on {e.Method} {e.Path} answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
            }
        }
    }
}

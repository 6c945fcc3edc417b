using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Organizations;

public static class OrganizationEndpoints
{
    public static IEndpointRouteBuilder MapOrganizationEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/organizations").WithTags("Organizations");
        // The directory of verified organizations is public: professionals need it to register.
        g.MapGet("/", (OrganizationKind? kind, OrganizationService s, CancellationToken ct) => s.ListVerifiedAsync(kind, ct)).AllowAnonymous();
        g.MapGet("/{id:guid}", (Guid id, HttpContext http, OrganizationService s, CancellationToken ct) =>
            s.GetAsync(id, http.User.Identity?.IsAuthenticated == true ? http.User.OrganizationId() : null,
                http.User.Identity?.IsAuthenticated == true ? http.User.Role() : Accounts.Role.Patient, ct)).AllowAnonymous();
        g.MapPut("/{id:guid}", (Guid id, OrganizationUpdate u, HttpContext http, OrganizationService s, CancellationToken ct) =>
            s.UpdateAsync(id, http.User.OrganizationId()!.Value, u, ct)).RequireAuthorization(Policies.OrganizationStaff);
        g.MapGet("/{id:guid}/members", (Guid id, HttpContext http, OrganizationService s, CancellationToken ct) =>
            s.MembersAsync(id, http.User.OrganizationId()!.Value, ct)).RequireAuthorization(Policies.OrganizationMember);
        return app;
    }
}

using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;

namespace MedLedger.Server.Features.Organizations;

public static class OrganizationEndpoints
{
    public static IServiceCollection AddOrganizations(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<OrganizationDirectory>();
        services.AddScoped<OrganizationService>();
        services.AddScoped<OrganizationStandingService>();
        services.AddScoped<MedLedger.Server.Features.Ledger.ILedgerRowWriter, OrganizationStandingLedgerRows>();
        return services;
    }

    public static IEndpointRouteBuilder MapOrganizations(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/organizations").WithTags("Organizations");
        // The directory of verified organizations is public: professionals need it to register.
        g.MapGet("/", List).AllowAnonymous().WithSummary("Verified organizations, optionally of one kind");
        g.MapGet("/{id:guid}", Get).AllowAnonymous().WithSummary("An organization (unverified ones only to their own members and admins)").ProducesProblems(404);
        g.MapPut("/{id:guid}", Update).RequireAuthorization(Policies.OrganizationStaff).WithSummary("Update the caller's organization's name, address and contact").ProducesProblems(404, 409, 422);
        g.MapGet("/{id:guid}/professionals", Professionals).RequireAuthorization(Policies.DirectoryUser).WithSummary("A verified organization's verified professionals (ids and roles; their identity cards carry the rest)").ProducesProblems(404);
        g.MapGet("/{id:guid}/members", Members).RequireAuthorization(Policies.OrganizationMember).WithSummary("The members of the caller's organization");
        return app;
    }

    private static Task<IReadOnlyList<OrganizationResponse>> List(OrganizationKind? kind, OrganizationService s, CancellationToken ct) => s.ListVerifiedAsync(kind, ct);

    /// <summary>Anonymous callers see verified organizations only (as a patient would).</summary>
    private static Task<OrganizationResponse> Get(Guid id, Caller? caller, OrganizationService s, CancellationToken ct) =>
        s.GetAsync(id, caller?.OrganizationId, caller?.Role ?? Accounts.Role.Patient, ct);

    private static Task<OrganizationResponse> Update(Guid id, OrganizationUpdate u, Caller caller, OrganizationService s, CancellationToken ct) =>
        s.UpdateAsync(id, caller.Organization, caller.Id, u, ct);

    private static Task<IReadOnlyList<DirectoryProfessional>> Professionals(Guid id, OrganizationService s, CancellationToken ct) => s.ProfessionalsAsync(id, ct);

    private static Task<IReadOnlyList<MemberResponse>> Members(Guid id, Caller caller, OrganizationService s, CancellationToken ct) =>
        s.MembersAsync(id, caller.Organization, ct);
}

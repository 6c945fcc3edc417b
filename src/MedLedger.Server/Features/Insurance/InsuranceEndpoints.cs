using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Insurance;

public static class InsuranceEndpoints
{
    public static IServiceCollection AddInsurance(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<PlanFinder>();
        services.AddScoped<PlanPublishingService>();
        return services;
    }

    public static IEndpointRouteBuilder MapInsurance(this IEndpointRouteBuilder app)
    {
        // Plans are public product terms (anyone signed in browses them); only a verified insurer's own staff write them.
        var g = app.MapGroup("/api/insurance").WithTags("Insurance");
        g.MapGet("/plans", ListPlans).RequireAuthorization().WithSummary("Open plans of verified insurers (and, for insurer staff, all of their own insurer's plans)");
        g.MapGet("/plans/{planId:guid}", GetPlan).RequireAuthorization().WithSummary("One plan's benefits, limits, waiting periods and premium").ProducesProblems(404);
        g.MapPost("/plans", CreatePlan).RequireAuthorization(Policies.InsurerStaff).WithSummary("Publish a plan for the caller's insurer").ProducesProblems(403, 409, 422);
        g.MapPut("/plans/{planId:guid}", UpdatePlan).RequireAuthorization(Policies.InsurerStaff).WithSummary("Change a plan's terms against the revision read (a stale revision is a 409)").ProducesProblems(403, 404, 409, 422);
        return app;
    }

    private static Task<IReadOnlyList<PlanResponse>> ListPlans(Guid? insurerId, Caller caller, PlanFinder s, CancellationToken ct) => s.ListAsync(caller, insurerId, ct);

    private static Task<PlanResponse> GetPlan(Guid planId, Caller caller, PlanFinder s, CancellationToken ct) => s.GetAsync(caller, planId, ct);

    private static async Task<Created<PlanResponse>> CreatePlan(PlanCreate r, Caller caller, PlanPublishingService s, CancellationToken ct)
    {
        var plan = await s.CreateAsync(caller, r, ct);
        return TypedResults.Created($"/api/insurance/plans/{plan.Id}", plan);
    }

    private static Task<PlanResponse> UpdatePlan(Guid planId, PlanUpdate r, Caller caller, PlanPublishingService s, CancellationToken ct) => s.UpdateAsync(caller, planId, r, ct);
}

using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Care;

public static class CareEndpoints
{
    public static IServiceCollection AddCare(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<CareService>();
        return services;
    }

    public static IEndpointRouteBuilder MapCare(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/care/assignments").WithTags("Care");
        g.MapPost("/", Assign).RequireAuthorization(Policies.HospitalStaff);
        g.MapPost("/remove", Unassign).RequireAuthorization(Policies.HospitalStaff);
        g.MapGet("/", List).RequireAuthorization(Policies.CareParticipant);
        return app;
    }

    private static async Task<IResult> Assign(AssignmentRequest r, Caller caller, CareService s, CancellationToken ct)
    {
        var res = await s.AssignAsync(caller, r, ct);
        return Results.Created($"/api/care/assignments", res);
    }

    private static async Task<IResult> Unassign(AssignmentRequest r, Caller caller, CareService s, CancellationToken ct)
    {
        await s.UnassignAsync(caller, r, ct);
        return Results.NoContent();
    }

    private static Task<IReadOnlyList<AssignmentResponse>> List(Caller caller, CareService s, CancellationToken ct) => s.ListAsync(caller, ct);
}

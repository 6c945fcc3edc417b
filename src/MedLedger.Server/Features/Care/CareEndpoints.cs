using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Care;

public static class CareEndpoints
{
    public static IServiceCollection AddCare(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<CareService>();
        services.AddScoped<ILedgerRowWriter, CareLedgerRows>();
        return services;
    }

    public static IEndpointRouteBuilder MapCare(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/care/assignments").WithTags("Care");
        g.MapPost("/", Assign).RequireAuthorization(Policies.HospitalStaff).WithSummary("Assign a doctor of the hospital to a patient (a signed care.assign transaction)").ProducesProblems(404, 409, 422);
        g.MapPost("/remove", Unassign).RequireAuthorization(Policies.HospitalStaff).WithSummary("End a doctor's assignment to a patient (a signed care.unassign transaction)").ProducesProblems(404, 409, 422);
        g.MapGet("/", List).RequireAuthorization(Policies.CareParticipant).WithSummary("Care assignments that concern the caller");
        return app;
    }

    private static async Task<Created<AssignmentResponse>> Assign(AssignmentRequest r, Caller caller, CareService s, CancellationToken ct)
    {
        var res = await s.AssignAsync(caller, r, ct);
        return TypedResults.Created($"/api/care/assignments", res);
    }

    private static async Task<NoContent> Unassign(AssignmentRequest r, Caller caller, CareService s, CancellationToken ct)
    {
        await s.UnassignAsync(caller, r, ct);
        return TypedResults.NoContent();
    }

    private static Task<IReadOnlyList<AssignmentResponse>> List(Caller caller, CareService s, CancellationToken ct) => s.ListAsync(caller, ct);
}

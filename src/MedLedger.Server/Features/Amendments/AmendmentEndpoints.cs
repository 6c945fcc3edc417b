using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Amendments;

public static class AmendmentEndpoints
{
    public static IServiceCollection AddAmendments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<AmendmentFilingService>();
        services.AddScoped<AmendmentDecisionService>();
        services.AddScoped<ILedgerRowWriter, AmendmentLedgerRows>();
        return services;
    }

    public static IEndpointRouteBuilder MapAmendments(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/amendments").WithTags("Amendments");
        g.MapPost("/", File).RequireAuthorization(Policies.Patient).WithSummary("File an amendment request on a record someone else wrote (a signed records.amend-request and the sealed request text)").ProducesProblems(404, 409, 422);
        g.MapGet("/", List).RequireAuthorization(Policies.RecordAuthor).WithSummary("Amendment requests: a patient's own, or those on the records a doctor wrote");
        g.MapPost("/{requestId:guid}/decide", Decide).RequireAuthorization(Policies.Doctor).WithSummary("Accept (naming the new version) or decline (with a sealed reason) an amendment request on your record (a signed records.amend-decide)").ProducesProblems(404, 409, 422);
        return app;
    }

    private static async Task<Created<AmendmentResponse>> File(FileAmendmentRequest r, Caller caller, AmendmentFilingService s, CancellationToken ct)
    {
        var res = await s.FileAsync(caller, r, ct);
        return TypedResults.Created($"/api/amendments?recordId={res.RecordId}", res);
    }

    private static Task<IReadOnlyList<AmendmentResponse>> List(Guid? recordId, Caller caller, AmendmentFilingService s, CancellationToken ct) => s.ListAsync(caller, recordId, ct);

    private static Task<AmendmentResponse> Decide(Guid requestId, DecideAmendmentRequest r, Caller caller, AmendmentDecisionService s, CancellationToken ct) => s.DecideAsync(caller, requestId, r, ct);
}

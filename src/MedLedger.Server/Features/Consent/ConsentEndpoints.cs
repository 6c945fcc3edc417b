using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Consent;

public static class ConsentEndpoints
{
    public static IServiceCollection AddConsent(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<ConsentGrants>();
        services.AddScoped<ConsentService>();
        services.AddScoped<ILedgerRowWriter, ConsentLedgerRows>();
        services.AddHostedService<ConsentExpirySweep>();
        return services;
    }

    public static IEndpointRouteBuilder MapConsent(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/consents").WithTags("Consent");
        g.MapGet("/plan", Plan).RequireAuthorization(Policies.Patient).WithSummary("Which of the patient's record versions a grant of this scope must carry wraps for");
        g.MapPost("/", Grant).WithMetadata(new BodySizeLimit(8 * 1024 * 1024)).RequireAuthorization(Policies.Patient).WithSummary("Grant a professional access to records, with the wrapped keys and a signed consent.grant").ProducesProblems(404, 409, 422);
        g.MapPost("/{grantId:guid}/revoke", Revoke).RequireAuthorization(Policies.Patient).WithSummary("Revoke a grant (a signed consent.revoke transaction)").ProducesProblems(404, 409, 422);
        g.MapGet("/", List).RequireAuthorization(Policies.RecordReader).WithSummary("Grants the caller gave (patients) or holds (professionals)");
        return app;
    }

    private static Task<IReadOnlyList<GrantPlanItem>> Plan(ConsentScopeKind scope, string? items, Caller caller, ConsentService s, CancellationToken ct) =>
        s.PlanAsync(caller.Id, scope, (items ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), ct);

    private static async Task<Created<GrantResponse>> Grant(GrantRequest r, Caller caller, ConsentService s, CancellationToken ct)
    {
        var res = await s.GrantAsync(caller.Id, r, ct);
        return TypedResults.Created($"/api/consents/{res.Id}", res);
    }

    private static Task<GrantResponse> Revoke(Guid grantId, RevokeRequest r, Caller caller, ConsentService s, CancellationToken ct) => s.RevokeAsync(caller.Id, grantId, r, ct);

    private static Task<IReadOnlyList<GrantResponse>> List(Caller caller, ConsentService s, CancellationToken ct) => s.ListAsync(caller, ct);
}

using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Consent;

public static class ConsentEndpoints
{
    public static IEndpointRouteBuilder MapConsentEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/consents").WithTags("Consent");
        g.MapGet("/plan", (ConsentScopeKind scope, string? items, HttpContext http, ConsentService s, CancellationToken ct) =>
            s.PlanAsync(http.User.UserId(), scope, (items ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), ct))
            .RequireAuthorization(Policies.Patient);
        g.MapPost("/", async (GrantRequest r, HttpContext http, ConsentService s, CancellationToken ct) =>
            {
                var res = await s.GrantAsync(http.User.UserId(), r, ct);
                return Results.Created($"/api/consents/{res.Id}", res);
            })
            .WithMetadata(new BodySizeLimit(8 * 1024 * 1024))
            .RequireAuthorization(Policies.Patient);
        g.MapPost("/{grantId:guid}/revoke", (Guid grantId, RevokeRequest r, HttpContext http, ConsentService s, CancellationToken ct) =>
            s.RevokeAsync(http.User.UserId(), grantId, r, ct)).RequireAuthorization(Policies.Patient);
        g.MapGet("/", (HttpContext http, ConsentService s, CancellationToken ct) => s.ListAsync(http.User.Caller(), ct)).RequireAuthorization(Policies.RecordReader);
        return app;
    }
}

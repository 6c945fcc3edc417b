using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Admin;

public static class AdminEndpoints
{
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(Policies.PlatformAdmin);
        g.MapGet("/verifications", (AdminService s, CancellationToken ct) => s.QueueAsync(ct));
        g.MapPost("/organizations/{id:guid}/verification", async (Guid id, VerificationDecision d, HttpContext http, AdminService s, CancellationToken ct) =>
        {
            await s.DecideOrganizationAsync(http.User.UserId(), id, d, ct);
            return Results.NoContent();
        });
        g.MapPost("/users/{id:guid}/verification", async (Guid id, VerificationDecision d, HttpContext http, AdminService s, CancellationToken ct) =>
        {
            await s.DecideProfessionalAsync(http.User.UserId(), id, d, ct);
            return Results.NoContent();
        });
        g.MapPost("/users/{id:guid}/suspend", async (Guid id, HttpContext http, AdminService s, CancellationToken ct) =>
        {
            await s.SetSuspendedAsync(http.User.UserId(), id, true, ct);
            return Results.NoContent();
        });
        g.MapPost("/users/{id:guid}/reinstate", async (Guid id, HttpContext http, AdminService s, CancellationToken ct) =>
        {
            await s.SetSuspendedAsync(http.User.UserId(), id, false, ct);
            return Results.NoContent();
        });
        g.MapGet("/security-events", (SecurityEventKind? kind, Guid? subject, DateTimeOffset? since, int? limit, AdminService s, CancellationToken ct) =>
            s.SecurityEventsAsync(kind, subject, since, limit, ct));
        return app;
    }
}

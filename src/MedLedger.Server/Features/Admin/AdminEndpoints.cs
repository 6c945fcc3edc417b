using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Admin;

public static class AdminEndpoints
{
    public static IServiceCollection AddAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<SecurityEventLog>();
        services.AddScoped<AdminService>();
        return services;
    }

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(Policies.PlatformAdmin);
        g.MapGet("/verifications", Queue);
        g.MapPost("/organizations/{id:guid}/verification", DecideOrganization);
        g.MapPost("/users/{id:guid}/verification", DecideProfessional);
        g.MapPost("/users/{id:guid}/suspend", Suspend);
        g.MapPost("/users/{id:guid}/reinstate", Reinstate);
        g.MapGet("/security-events", SecurityEvents);
        return app;
    }

    private static Task<VerificationQueue> Queue(AdminService s, CancellationToken ct) => s.QueueAsync(ct);

    private static async Task<IResult> DecideOrganization(Guid id, VerificationDecision d, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.DecideOrganizationAsync(caller.Id, id, d, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> DecideProfessional(Guid id, VerificationDecision d, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.DecideProfessionalAsync(caller.Id, id, d, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> Suspend(Guid id, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.SetSuspendedAsync(caller.Id, id, true, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> Reinstate(Guid id, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.SetSuspendedAsync(caller.Id, id, false, ct);
        return Results.NoContent();
    }

    private static Task<IReadOnlyList<SecurityEventResponse>> SecurityEvents(SecurityEventKind? kind, Guid? subject, DateTimeOffset? since, int? limit, AdminService s, CancellationToken ct) =>
        s.SecurityEventsAsync(kind, subject, since, limit, ct);
}

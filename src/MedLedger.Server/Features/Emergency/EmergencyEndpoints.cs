using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Emergency;

public static class EmergencyEndpoints
{
    public static IServiceCollection AddEmergency(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<HospitalEmergencyKeyService>();
        services.AddScoped<DesignationService>();
        services.AddScoped<BreakGlassService>();
        return services;
    }

    public static IEndpointRouteBuilder MapEmergency(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/emergency").WithTags("Emergency");
        g.MapPut("/hospitals/{hospitalId:guid}/key", SetHospitalKey).RequireAuthorization(Policies.HospitalStaff);
        g.MapGet("/hospitals/{hospitalId:guid}/key", HospitalKey).RequireAuthorization();
        g.MapGet("/key-shares", MyKeyShares).RequireAuthorization(Policies.Doctor);
        g.MapPost("/designations", Designate).RequireAuthorization(Policies.Patient);
        g.MapPost("/break-glass", BreakGlass).RequireAuthorization(Policies.Doctor);
        g.MapGet("/break-glass", MyBreakGlassEvents).RequireAuthorization(Policies.CareParticipant);

        var admin = app.MapGroup("/api/admin/break-glass").WithTags("Admin").RequireAuthorization(Policies.PlatformAdmin);
        admin.MapGet("/", AllBreakGlassEvents);
        admin.MapPost("/{id:guid}/review", Review);
        return app;
    }

    private static Task<EmergencyKeyResponse> SetHospitalKey(Guid hospitalId, EmergencyKeyRequest r, Caller caller, HospitalEmergencyKeyService s, CancellationToken ct) =>
        s.SetHospitalKeyAsync(caller, hospitalId, r, ct);

    private static Task<EmergencyKeyResponse> HospitalKey(Guid hospitalId, HospitalEmergencyKeyService s, CancellationToken ct) => s.HospitalKeyAsync(hospitalId, ct);

    private static Task<IReadOnlyList<MyKeyShare>> MyKeyShares(Caller caller, HospitalEmergencyKeyService s, CancellationToken ct) => s.MySharesAsync(caller.Id, ct);

    private static Task<DesignationResponse> Designate(DesignationRequest r, Caller caller, DesignationService s, CancellationToken ct) => s.DesignateAsync(caller.Id, r, ct);

    private static Task<BreakGlassResponse> BreakGlass(BreakGlassRequest r, Caller caller, BreakGlassService s, CancellationToken ct) => s.BreakGlassAsync(caller, r, ct);

    private static Task<IReadOnlyList<BreakGlassEventResponse>> MyBreakGlassEvents(Caller caller, BreakGlassService s, CancellationToken ct) => s.EventsAsync(caller, false, ct);

    private static Task<IReadOnlyList<BreakGlassEventResponse>> AllBreakGlassEvents(bool? unreviewed, Caller caller, BreakGlassService s, CancellationToken ct) =>
        s.EventsAsync(caller, unreviewed ?? false, ct);

    private static async Task<IResult> Review(Guid id, ReviewRequest r, Caller caller, BreakGlassService s, CancellationToken ct)
    {
        await s.ReviewAsync(caller.Id, id, r, ct);
        return Results.NoContent();
    }
}

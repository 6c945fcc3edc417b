using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Emergency;

public static class EmergencyEndpoints
{
    public static IServiceCollection AddEmergency(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<HospitalEmergencyKeyService>();
        services.AddScoped<DesignationService>();
        services.AddScoped<ILedgerRowWriter, DesignationLedgerRows>();
        services.AddScoped<ILedgerRowWriter, HospitalKeyLedgerRows>();
        services.AddScoped<ILedgerRowWriter, BreakGlassLedgerRows>();
        services.AddScoped<BreakGlassService>();
        return services;
    }

    public static IEndpointRouteBuilder MapEmergency(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/emergency").WithTags("Emergency");
        g.MapPut("/hospitals/{hospitalId:guid}/key", SetHospitalKey).RequireAuthorization(Policies.HospitalStaff).WithSummary("Publish the hospital's emergency public key and seal its private key to each verified doctor").ProducesProblems(409, 422);
        g.MapPost("/hospitals/{hospitalId:guid}/doctors/{doctorId:guid}/remove", RemoveDoctor).RequireAuthorization(Policies.HospitalStaff).WithSummary("Remove a doctor from the hospital, rotating its emergency key in the same signed transaction").ProducesProblems(404, 409, 422);
        g.MapGet("/hospitals/{hospitalId:guid}/key", HospitalKey).RequireAuthorization().WithSummary("A hospital's emergency public key and its ledger receipt").ProducesProblems(404);
        g.MapGet("/key-shares", MyKeyShares).RequireAuthorization(Policies.Doctor).WithSummary("The hospital emergency keys sealed to the calling doctor");
        g.MapPost("/designations", Designate).RequireAuthorization(Policies.Patient).WithSummary("Designate a record version as the emergency summary for a hospital, wrapped to its emergency key").ProducesProblems(404, 409, 422);
        g.MapGet("/designations", MyDesignations).RequireAuthorization(Policies.Patient).WithSummary("The caller's emergency designations, each flagged when a key rotation left it to re-wrap");
        g.MapPost("/designations/{hospitalId:guid}/withdraw", Withdraw).RequireAuthorization(Policies.Patient).WithSummary("Withdraw a hospital's emergency access to the caller's summary (a signed emergency.withdraw transaction)").ProducesProblems(404, 409, 422);
        g.MapPost("/break-glass", BreakGlass).RequireAuthorization(Policies.Doctor).WithSummary("Break-glass: read a patient's emergency summary, recorded on the ledger for review").ProducesProblems(409, 422);
        g.MapGet("/break-glass", MyBreakGlassEvents).RequireAuthorization(Policies.CareParticipant).WithSummary("Break-glass events that concern the caller");

        var admin = app.MapGroup("/api/admin/break-glass").WithTags("Admin").RequireAuthorization(Policies.PlatformAdmin);
        admin.MapGet("/", AllBreakGlassEvents).WithSummary("All break-glass events, optionally only those awaiting review");
        admin.MapPost("/{id:guid}/review", Review).WithSummary("Record the review outcome of a break-glass event").ProducesProblems(404, 409, 422);
        return app;
    }

    private static Task<EmergencyKeyResponse> SetHospitalKey(Guid hospitalId, EmergencyKeyRequest r, Caller caller, HospitalEmergencyKeyService s, CancellationToken ct) =>
        s.SetHospitalKeyAsync(caller, hospitalId, r, ct);

    private static Task<EmergencyKeyResponse> RemoveDoctor(Guid hospitalId, Guid doctorId, EmergencyKeyRequest r, Caller caller, HospitalEmergencyKeyService s, CancellationToken ct) =>
        s.RemoveDoctorAsync(caller, hospitalId, doctorId, r, ct);

    private static Task<EmergencyKeyResponse> HospitalKey(Guid hospitalId, HospitalEmergencyKeyService s, CancellationToken ct) => s.HospitalKeyAsync(hospitalId, ct);

    private static Task<IReadOnlyList<MyKeyShare>> MyKeyShares(Caller caller, HospitalEmergencyKeyService s, CancellationToken ct) => s.MySharesAsync(caller.Id, ct);

    private static Task<DesignationResponse> Designate(DesignationRequest r, Caller caller, DesignationService s, CancellationToken ct) => s.DesignateAsync(caller.Id, r, ct);

    private static Task<IReadOnlyList<DesignationStatus>> MyDesignations(Caller caller, DesignationService s, CancellationToken ct) => s.MineAsync(caller.Id, ct);

    private static async Task<NoContent> Withdraw(Guid hospitalId, WithdrawDesignationRequest r, Caller caller, DesignationService s, CancellationToken ct)
    {
        await s.WithdrawAsync(caller.Id, hospitalId, r, ct);
        return TypedResults.NoContent();
    }

    private static Task<BreakGlassResponse> BreakGlass(BreakGlassRequest r, Caller caller, BreakGlassService s, CancellationToken ct) => s.BreakGlassAsync(caller, r, ct);

    private static Task<IReadOnlyList<BreakGlassEventResponse>> MyBreakGlassEvents(Caller caller, BreakGlassService s, CancellationToken ct) => s.EventsAsync(caller, false, ct);

    private static Task<IReadOnlyList<BreakGlassEventResponse>> AllBreakGlassEvents(bool? unreviewed, Caller caller, BreakGlassService s, CancellationToken ct) =>
        s.EventsAsync(caller, unreviewed ?? false, ct);

    private static async Task<NoContent> Review(Guid id, ReviewRequest r, Caller caller, BreakGlassService s, CancellationToken ct)
    {
        await s.ReviewAsync(caller.Id, id, r, ct);
        return TypedResults.NoContent();
    }
}

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
        services.AddScoped<CareRegistrationService>();
        services.AddScoped<CareRelationships>();
        services.AddScoped<ILedgerRowWriter, CareLedgerRows>();
        services.AddScoped<ILedgerRowWriter, CareRegistrationLedgerRows>();
        return services;
    }

    public static IEndpointRouteBuilder MapCare(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/care/assignments").WithTags("Care");
        g.MapPost("/", Assign).RequireAuthorization(Policies.HospitalStaff).WithSummary("Assign a doctor of the hospital to a patient (a signed care.assign transaction)").ProducesProblems(404, 409, 422);
        g.MapPost("/remove", Unassign).RequireAuthorization(Policies.HospitalStaff).WithSummary("End a doctor's assignment to a patient (a signed care.unassign transaction)").ProducesProblems(404, 409, 422);
        g.MapGet("/", List).RequireAuthorization(Policies.CareParticipant).WithSummary("Care assignments that concern the caller");
        var r = app.MapGroup("/api/care").WithTags("Care");
        r.MapPost("/registrations", Register).RequireAuthorization(Policies.Patient).WithSummary("Register with a hospital so its staff may assign its doctors to you (a signed care.register transaction)").ProducesProblems(404, 409, 422);
        r.MapPost("/registrations/withdraw", Withdraw).RequireAuthorization(Policies.Patient).WithSummary("Withdraw your registration with a hospital (a signed care.withdraw transaction)").ProducesProblems(404, 409, 422);
        r.MapGet("/registrations", MyRegistrations).RequireAuthorization(Policies.Patient).WithSummary("The hospitals the patient is registered with");
        r.MapGet("/patients", RelatedPatients).RequireAuthorization(Policies.HospitalStaff).WithSummary("Patients who registered with or hold a bed at the caller's hospital (ids only)");
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

    private static async Task<Created<RegistrationResponse>> Register(RegistrationRequest r, Caller caller, CareRegistrationService s, CancellationToken ct)
    {
        var res = await s.RegisterAsync(caller, r, ct);
        return TypedResults.Created("/api/care/registrations", res);
    }

    private static async Task<NoContent> Withdraw(RegistrationRequest r, Caller caller, CareRegistrationService s, CancellationToken ct)
    {
        await s.WithdrawAsync(caller, r, ct);
        return TypedResults.NoContent();
    }

    private static Task<IReadOnlyList<RegistrationResponse>> MyRegistrations(Caller caller, CareRegistrationService s, CancellationToken ct) => s.MineAsync(caller, ct);

    private static Task<IReadOnlyList<RelatedPatient>> RelatedPatients(Caller caller, CareRegistrationService s, CancellationToken ct) => s.RelatedPatientsAsync(caller, ct);

    private static Task<IReadOnlyList<AssignmentResponse>> List(Caller caller, CareService s, CancellationToken ct) => s.ListAsync(caller, ct);
}

using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Dispensing;

public static class DispensingEndpoints
{
    public static IServiceCollection AddDispensing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<PrescriptionIssuingService>();
        services.AddScoped<DispensingService>();
        services.AddScoped<FillHistoryService>();
        services.AddScoped<DispensedFills>();
        services.AddScoped<ILedgerRowWriter, DispensingLedgerRows>();
        services.AddScoped<ILedgerRowRepair, DispenseStockRepair>();
        return services;
    }

    public static IEndpointRouteBuilder MapDispensing(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/prescriptions").WithTags("Prescriptions");
        g.MapPost("/", Issue).RequireAuthorization(Policies.Doctor).WithSummary("Put a MedicationRequest's limits on the ledger (a prescriber-signed prescriptions.issue)").ProducesProblems(404, 409, 422);
        g.MapGet("/", List).RequireAuthorization(Policies.PrescriptionParty).WithSummary("Prescriptions with every fill: a patient's own, a doctor's issued, or (pharmacist) those a grant covers for one record or patient").ProducesProblems(422);
        g.MapGet("/{prescriptionId:guid}", Get).RequireAuthorization(Policies.PrescriptionParty).WithSummary("One prescription's limits and fills at every pharmacy").ProducesProblems(404);
        g.MapPost("/{prescriptionId:guid}/cancel", Cancel).RequireAuthorization(Policies.Doctor).WithSummary("Cancel a prescription you issued (a signed prescriptions.cancel)").ProducesProblems(404, 409, 422);
        g.MapPost("/{prescriptionId:guid}/fills", Dispense).RequireAuthorization(Policies.Pharmacist).WithSummary("Dispense a fill (a pharmacist-signed pharmacy.dispense) and take its units from stock").ProducesProblems(404, 409, 422);
        return app;
    }

    private static async Task<Created<PrescriptionResponse>> Issue(SignedPrescriptionTransaction r, Caller caller, PrescriptionIssuingService s, CancellationToken ct)
    {
        var res = await s.IssueAsync(caller, r, ct);
        return TypedResults.Created($"/api/prescriptions/{res.PrescriptionId}", res);
    }

    private static Task<IReadOnlyList<PrescriptionResponse>> List(Guid? recordId, Guid? patientId, Caller caller, FillHistoryService s, CancellationToken ct) => s.ListAsync(caller, recordId, patientId, ct);

    private static Task<PrescriptionResponse> Get(Guid prescriptionId, Caller caller, FillHistoryService s, CancellationToken ct) => s.GetAsync(caller, prescriptionId, ct);

    private static Task<PrescriptionResponse> Cancel(Guid prescriptionId, SignedPrescriptionTransaction r, Caller caller, PrescriptionIssuingService s, CancellationToken ct) => s.CancelAsync(caller, prescriptionId, r, ct);

    private static async Task<Created<PrescriptionResponse>> Dispense(Guid prescriptionId, DispenseRequest r, Caller caller, DispensingService s, CancellationToken ct)
    {
        var res = await s.DispenseAsync(caller, prescriptionId, r, ct);
        return TypedResults.Created($"/api/prescriptions/{prescriptionId}", res);
    }
}

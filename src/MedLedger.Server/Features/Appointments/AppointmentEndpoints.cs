using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Appointments;

public static class AppointmentEndpoints
{
    public static IServiceCollection AddAppointments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSignalR();
        services.AddScoped<ScheduleService>();
        services.AddScoped<FreeSlotService>();
        services.AddScoped<AppointmentReader>();
        services.AddScoped<AppointmentNotices>();
        services.AddScoped<BookingService>();
        services.AddScoped<VisitService>();
        services.AddScoped<ILedgerRowWriter, AppointmentLedgerRows>();
        return services;
    }

    public static IEndpointRouteBuilder MapAppointments(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/appointments").WithTags("Appointments");
        g.MapPut("/schedules", SetSchedule).RequireAuthorization(Policies.HospitalMember).WithSummary("Set a doctor's schedule at their hospital (the doctor or the hospital's staff)").ProducesProblems(403, 404, 409, 422);
        g.MapGet("/schedules", Schedules).RequireAuthorization(Policies.HospitalMember).WithSummary("The doctor's own schedules, or the staff member's hospital's");
        g.MapGet("/doctors", Doctors).RequireAuthorization(Policies.DirectoryUser).WithSummary("Find doctors with a schedule by specialty, hospital or name, with their next free slots");
        g.MapGet("/slots", Slots).RequireAuthorization(Policies.DirectoryUser).WithSummary("A doctor's free slots between two times (at most 31 days)").ProducesProblems(404, 422);
        g.MapPost("/", Book).RequireAuthorization(Policies.Patient).WithSummary("Book consecutive free slots with a sealed reason and a signed appointments.book").ProducesProblems(403, 404, 409, 422);
        g.MapGet("/", List).RequireAuthorization(Policies.CareParticipant).WithSummary("The caller's appointments (patient, doctor) or their hospital's (staff)");
        g.MapGet("/{id:guid}", Get).RequireAuthorization(Policies.CareParticipant).WithSummary("One appointment, to its patient, doctor or hospital staff").ProducesProblems(404);
        g.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(Policies.CareParticipant).WithSummary("Cancel a booked appointment (patients sign appointments.cancel); the slots are freed").ProducesProblems(403, 404, 409, 422);
        g.MapPost("/{id:guid}/status", SetStatus).RequireAuthorization(Policies.HospitalMember).WithSummary("Mark a visit arrived, in progress, fulfilled or no-show").ProducesProblems(404, 409, 422);
        g.MapPost("/{id:guid}/close", Close).RequireAuthorization(Policies.Doctor).WithSummary("Close a visit with its outcome: the doctor's signed appointments.close naming their Encounter and CarePlan records").ProducesProblems(403, 404, 409, 422);
        app.MapHub<AppointmentsHub>(AppointmentsHub.Path).RequireAuthorization(Policies.CareParticipant);
        return app;
    }

    private static Task<ScheduleResponse> SetSchedule(ScheduleRequest r, Caller caller, ScheduleService s, CancellationToken ct) => s.SetAsync(caller, r, ct);

    private static Task<IReadOnlyList<ScheduleResponse>> Schedules(Caller caller, ScheduleService s, CancellationToken ct) =>
        caller.Role == Features.Accounts.Role.Doctor ? s.OfDoctorAsync(caller.Id, ct) : s.OfHospitalAsync(caller, ct);

    private static Task<IReadOnlyList<DoctorListing>> Doctors(string? specialty, Guid? hospitalId, string? name, FreeSlotService s, CancellationToken ct) =>
        s.FindDoctorsAsync(specialty, hospitalId, name, ct);

    private static Task<IReadOnlyList<FreeSlot>> Slots(Guid doctorId, DateTimeOffset? from, DateTimeOffset? to, FreeSlotService s, CancellationToken ct) =>
        s.OfDoctorAsync(doctorId, from, to, ct);

    private static async Task<Created<AppointmentResponse>> Book(BookRequest r, Caller caller, BookingService s, CancellationToken ct)
    {
        var res = await s.BookAsync(caller.Id, r, ct);
        return TypedResults.Created($"/api/appointments/{res.Id}", res);
    }

    private static Task<IReadOnlyList<AppointmentResponse>> List(DateTimeOffset? from, DateTimeOffset? to, Caller caller, AppointmentReader s, CancellationToken ct) =>
        s.ListAsync(caller.Id, caller.Role, caller.OrganizationId, from, to, ct);

    private static Task<AppointmentResponse> Get(Guid id, Caller caller, AppointmentReader s, CancellationToken ct) => s.GetAsync(id, caller.Id, caller.Role, caller.OrganizationId, ct);

    private static Task<AppointmentResponse> Cancel(Guid id, CancelRequest r, Caller caller, VisitService s, CancellationToken ct) => s.CancelAsync(caller, id, r, ct);

    private static Task<AppointmentResponse> Close(Guid id, CloseRequest r, Caller caller, VisitService s, CancellationToken ct) => s.CloseAsync(caller, id, r, ct);

    private static Task<AppointmentResponse> SetStatus(Guid id, StatusRequest r, Caller caller, VisitService s, CancellationToken ct) => s.SetStatusAsync(caller, id, r, ct);
}

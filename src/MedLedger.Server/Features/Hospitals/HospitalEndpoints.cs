using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Hospitals;

public static class HospitalEndpoints
{
    public static IServiceCollection AddHospitals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HospitalOptions>().Bind(configuration.GetSection(HospitalOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSignalR();
        services.AddScoped<HospitalVisibility>();
        services.AddScoped<BedService>();
        services.AddScoped<BookingRelationships>();
        services.AddScoped<ILedgerRowRepair, BookingLedgerRepair>();
        services.AddScoped<HospitalDirectoryService>();
        services.AddScoped<ReviewService>();
        services.AddHostedService<BookingExpirySweep>();
        return services;
    }

    public static IEndpointRouteBuilder MapHospitals(this IEndpointRouteBuilder app)
    {
        var h = app.MapGroup("/api/hospitals").WithTags("Hospitals");
        // Directory, counts and reviews are for any signed-in user; actions are role-bound.
        h.MapGet("/search", Search).RequireAuthorization().WithSummary("Search verified hospitals by distance, service and free bed type").ProducesProblems(422);
        h.MapGet("/{id:guid}", Get).RequireAuthorization().WithSummary("A hospital's profile: departments, services, doctors and rating").ProducesProblems(404);
        h.MapPut("/{id:guid}/profile", UpdateProfile).RequireAuthorization(Policies.HospitalStaff).WithSummary("Update the caller's hospital profile").ProducesProblems(404, 409, 422);
        h.MapGet("/{id:guid}/beds", Beds).RequireAuthorization().WithSummary("Bed counts per ward and bed type (live updates on /hubs/beds)").ProducesProblems(404);
        h.MapPut("/{id:guid}/beds/{ward}", SetWard).RequireAuthorization(Policies.HospitalStaff).WithSummary("Set a ward's bed type, total and occupied counts").ProducesProblems(404, 409, 422);
        h.MapPost("/{id:guid}/bookings", Book).RequireAuthorization(Policies.Patient).WithSummary("Hold a free bed of a type for the patient").ProducesProblems(404, 409, 422);
        h.MapGet("/{id:guid}/bookings", HospitalBookings).RequireAuthorization(Policies.HospitalStaff).WithSummary("The caller's hospital's bookings, optionally by status");
        h.MapGet("/{id:guid}/reviews", Reviews).RequireAuthorization().WithSummary("A hospital's reviews and rating, a page at a time").ProducesProblems(404, 422);
        h.MapPut("/{id:guid}/reviews/mine", Review).RequireAuthorization(Policies.Patient).WithSummary("Create or replace the patient's review of a hospital").ProducesProblems(404, 409, 422);

        var b = app.MapGroup("/api/bookings").WithTags("Hospitals");
        b.MapGet("/mine", MyBookings).RequireAuthorization(Policies.Patient).WithSummary("The patient's bookings, optionally by status");
        b.MapGet("/{id:guid}", Booking).RequireAuthorization().WithSummary("A booking, to its patient or the hospital's staff").ProducesProblems(404);
        b.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(Policies.Patient).WithSummary("Cancel the patient's held booking; the bed is freed").ProducesProblems(404, 409, 422);
        b.MapPost("/{id:guid}/admit", Admit).RequireAuthorization(Policies.HospitalStaff).WithSummary("Admit the patient of a held booking; the bed becomes occupied").ProducesProblems(404, 409, 422);
        b.MapPost("/{id:guid}/release", Release).RequireAuthorization(Policies.HospitalStaff).WithSummary("Release a held booking without admission; the bed is freed").ProducesProblems(404, 409, 422);

        app.MapGet("/api/admin/hospitals/overview", Overview).WithTags("Hospitals").RequireAuthorization(Policies.PlatformAdmin).WithSummary("Occupancy of every hospital and bookings per day").ProducesProblems(422);
        app.MapHub<BedsHub>(BedsHub.Path).RequireAuthorization();
        return app;
    }

    private static Task<SearchResponse> Search(double? lat, double? lon, double? radiusKm, string? service, string? bedType, int? page, int? pageSize,
        HospitalDirectoryService s, CancellationToken ct) => s.SearchAsync(lat, lon, radiusKm, service, bedType, page, pageSize, ct);

    private static Task<HospitalProfileResponse> Get(Guid id, Caller caller, HospitalDirectoryService s, CancellationToken ct) =>
        s.GetAsync(id, caller.OrganizationId, caller.Role, ct);

    private static Task<HospitalProfileResponse> UpdateProfile(Guid id, HospitalProfileUpdate u, Caller caller, HospitalDirectoryService s, CancellationToken ct) =>
        s.UpdateAsync(id, caller.OrganizationId, u, ct);

    private static Task<BedSnapshot> Beds(Guid id, Caller caller, BedService s, CancellationToken ct) => s.SnapshotAsync(id, caller.OrganizationId, caller.Role, ct);

    private static Task<BedSnapshot> SetWard(Guid id, string ward, WardUpdate u, Caller caller, BedService s, CancellationToken ct) =>
        s.SetWardAsync(id, caller.OrganizationId, ward, u, ct);

    private static async Task<Created<BookingResponse>> Book(Guid id, BookingRequest r, Caller caller, BedService s, CancellationToken ct)
    {
        var booking = await s.BookAsync(id, caller.Id, r, ct);
        return TypedResults.Created($"/api/bookings/{booking.Id}", booking);
    }

    private static Task<IReadOnlyList<BookingResponse>> HospitalBookings(Guid id, BookingStatus? status, Caller caller, BedService s, CancellationToken ct) =>
        s.HospitalBookingsAsync(id, caller.OrganizationId, status, ct);

    private static Task<ReviewPage> Reviews(Guid id, int? page, Caller caller, ReviewService s, CancellationToken ct) =>
        s.ListAsync(id, caller.Id, caller.OrganizationId, caller.Role, page, ct);

    private static async Task<Results<Created<ReviewResponse>, Ok<ReviewResponse>>> Review(Guid id, ReviewUpsert u, Caller caller, ReviewService s, CancellationToken ct)
    {
        var (review, created) = await s.UpsertAsync(id, caller.Id, u, ct);
        return created ? TypedResults.Created($"/api/hospitals/{id}/reviews", review) : TypedResults.Ok(review);
    }

    private static Task<IReadOnlyList<BookingResponse>> MyBookings(BookingStatus? status, Caller caller, BedService s, CancellationToken ct) =>
        s.PatientBookingsAsync(caller.Id, status, ct);

    private static Task<BookingResponse> Booking(Guid id, Caller caller, BedService s, CancellationToken ct) =>
        s.GetBookingAsync(id, caller.Id, caller.OrganizationId, caller.Role, ct);

    private static Task<BookingResponse> Cancel(Guid id, Caller caller, BedService s, CancellationToken ct) => s.CancelAsync(id, caller.Id, ct);

    private static Task<BookingResponse> Admit(Guid id, Caller caller, BedService s, CancellationToken ct) => s.AdmitAsync(id, caller.Id, caller.OrganizationId, ct);

    private static Task<BookingResponse> Release(Guid id, Caller caller, BedService s, CancellationToken ct) => s.ReleaseAsync(id, caller.Id, caller.OrganizationId, ct);

    private static Task<AdminBedOverview> Overview(int? days, BedService s, CancellationToken ct) => s.OverviewAsync(days, ct);
}

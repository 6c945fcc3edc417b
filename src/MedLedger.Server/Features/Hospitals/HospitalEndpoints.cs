using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Hospitals;

public static class HospitalEndpoints
{
    public static IServiceCollection AddHospitals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HospitalOptions>().Bind(configuration.GetSection(HospitalOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSignalR();
        services.AddScoped<HospitalVisibility>();
        services.AddScoped<BedService>();
        services.AddScoped<HospitalDirectoryService>();
        services.AddScoped<ReviewService>();
        services.AddHostedService<BookingExpirySweep>();
        return services;
    }

    public static IEndpointRouteBuilder MapHospitals(this IEndpointRouteBuilder app)
    {
        var h = app.MapGroup("/api/hospitals").WithTags("Hospitals");
        // Directory, counts and reviews are for any signed-in user; actions are role-bound.
        h.MapGet("/search", Search).RequireAuthorization();
        h.MapGet("/{id:guid}", Get).RequireAuthorization();
        h.MapPut("/{id:guid}/profile", UpdateProfile).RequireAuthorization(Policies.HospitalStaff);
        h.MapGet("/{id:guid}/beds", Beds).RequireAuthorization();
        h.MapPut("/{id:guid}/beds/{ward}", SetWard).RequireAuthorization(Policies.HospitalStaff);
        h.MapPost("/{id:guid}/bookings", Book).RequireAuthorization(Policies.Patient);
        h.MapGet("/{id:guid}/bookings", HospitalBookings).RequireAuthorization(Policies.HospitalStaff);
        h.MapGet("/{id:guid}/reviews", Reviews).RequireAuthorization();
        h.MapPut("/{id:guid}/reviews/mine", Review).RequireAuthorization(Policies.Patient);

        var b = app.MapGroup("/api/bookings").WithTags("Hospitals");
        b.MapGet("/mine", MyBookings).RequireAuthorization(Policies.Patient);
        b.MapGet("/{id:guid}", Booking).RequireAuthorization();
        b.MapPost("/{id:guid}/cancel", Cancel).RequireAuthorization(Policies.Patient);
        b.MapPost("/{id:guid}/admit", Admit).RequireAuthorization(Policies.HospitalStaff);
        b.MapPost("/{id:guid}/release", Release).RequireAuthorization(Policies.HospitalStaff);

        app.MapGet("/api/admin/hospitals/overview", Overview).WithTags("Hospitals").RequireAuthorization(Policies.PlatformAdmin);
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

    private static async Task<IResult> Book(Guid id, BookingRequest r, Caller caller, BedService s, CancellationToken ct)
    {
        var booking = await s.BookAsync(id, caller.Id, r, ct);
        return Results.Created($"/api/bookings/{booking.Id}", booking);
    }

    private static Task<IReadOnlyList<BookingResponse>> HospitalBookings(Guid id, BookingStatus? status, Caller caller, BedService s, CancellationToken ct) =>
        s.HospitalBookingsAsync(id, caller.OrganizationId, status, ct);

    private static Task<ReviewPage> Reviews(Guid id, int? page, Caller caller, ReviewService s, CancellationToken ct) =>
        s.ListAsync(id, caller.Id, caller.OrganizationId, caller.Role, page, ct);

    private static async Task<IResult> Review(Guid id, ReviewUpsert u, Caller caller, ReviewService s, CancellationToken ct)
    {
        var (review, created) = await s.UpsertAsync(id, caller.Id, u, ct);
        return created ? Results.Created($"/api/hospitals/{id}/reviews", review) : Results.Ok(review);
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

using MedLedger.Server.Infrastructure.Auth;

namespace MedLedger.Server.Features.Hospitals;

public static class HospitalEndpoints
{
    public static IServiceCollection AddHospitals(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<HospitalOptions>().Bind(configuration.GetSection(HospitalOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSignalR();
        services.AddScoped<BedService>();
        services.AddScoped<HospitalDirectoryService>();
        services.AddScoped<ReviewService>();
        services.AddHostedService<BookingExpirySweep>();
        return services;
    }

    public static IEndpointRouteBuilder MapHospitalEndpoints(this IEndpointRouteBuilder app)
    {
        var h = app.MapGroup("/api/hospitals").WithTags("Hospitals");
        // Directory, counts and reviews are for any signed-in user; actions are role-bound below.
        h.MapGet("/search", (double? lat, double? lon, double? radiusKm, string? service, string? bedType, int? page, int? pageSize,
            HospitalDirectoryService s, CancellationToken ct) => s.SearchAsync(lat, lon, radiusKm, service, bedType, page, pageSize, ct))
            .RequireAuthorization();
        h.MapGet("/{id:guid}", (Guid id, HttpContext http, HospitalDirectoryService s, CancellationToken ct) =>
            s.GetAsync(id, http.User.OrganizationId(), http.User.Role(), ct)).RequireAuthorization();
        h.MapPut("/{id:guid}/profile", (Guid id, HospitalProfileUpdate u, HttpContext http, HospitalDirectoryService s, CancellationToken ct) =>
            s.UpdateAsync(id, http.User.OrganizationId(), u, ct)).RequireAuthorization(Policies.HospitalStaff);

        h.MapGet("/{id:guid}/beds", (Guid id, HttpContext http, BedService s, CancellationToken ct) =>
            s.SnapshotAsync(id, http.User.OrganizationId(), http.User.Role(), ct)).RequireAuthorization();
        h.MapPut("/{id:guid}/beds/{ward}", (Guid id, string ward, WardUpdate u, HttpContext http, BedService s, CancellationToken ct) =>
            s.SetWardAsync(id, http.User.OrganizationId(), ward, u, ct)).RequireAuthorization(Policies.HospitalStaff);

        h.MapPost("/{id:guid}/bookings", async (Guid id, BookingRequest r, HttpContext http, BedService s, CancellationToken ct) =>
        {
            var booking = await s.BookAsync(id, http.User.UserId(), r, ct);
            return Results.Created($"/api/bookings/{booking.Id}", booking);
        }).RequireAuthorization(Policies.Patient);
        h.MapGet("/{id:guid}/bookings", (Guid id, BookingStatus? status, HttpContext http, BedService s, CancellationToken ct) =>
            s.HospitalBookingsAsync(id, http.User.OrganizationId(), status, ct)).RequireAuthorization(Policies.HospitalStaff);

        h.MapGet("/{id:guid}/reviews", (Guid id, int? page, HttpContext http, ReviewService s, CancellationToken ct) =>
            s.ListAsync(id, http.User.UserId(), http.User.OrganizationId(), http.User.Role(), page, ct)).RequireAuthorization();
        h.MapPut("/{id:guid}/reviews/mine", async (Guid id, ReviewUpsert u, HttpContext http, ReviewService s, CancellationToken ct) =>
        {
            var (review, created) = await s.UpsertAsync(id, http.User.UserId(), u, ct);
            return created ? Results.Created($"/api/hospitals/{id}/reviews", review) : Results.Ok(review);
        }).RequireAuthorization(Policies.Patient);

        var b = app.MapGroup("/api/bookings").WithTags("Hospitals");
        b.MapGet("/mine", (BookingStatus? status, HttpContext http, BedService s, CancellationToken ct) =>
            s.PatientBookingsAsync(http.User.UserId(), status, ct)).RequireAuthorization(Policies.Patient);
        b.MapGet("/{id:guid}", (Guid id, HttpContext http, BedService s, CancellationToken ct) =>
            s.GetBookingAsync(id, http.User.UserId(), http.User.OrganizationId(), http.User.Role(), ct)).RequireAuthorization();
        b.MapPost("/{id:guid}/cancel", (Guid id, HttpContext http, BedService s, CancellationToken ct) =>
            s.CancelAsync(id, http.User.UserId(), ct)).RequireAuthorization(Policies.Patient);
        b.MapPost("/{id:guid}/admit", (Guid id, HttpContext http, BedService s, CancellationToken ct) =>
            s.AdmitAsync(id, http.User.UserId(), http.User.OrganizationId(), ct)).RequireAuthorization(Policies.HospitalStaff);
        b.MapPost("/{id:guid}/release", (Guid id, HttpContext http, BedService s, CancellationToken ct) =>
            s.ReleaseAsync(id, http.User.UserId(), http.User.OrganizationId(), ct)).RequireAuthorization(Policies.HospitalStaff);

        app.MapGet("/api/admin/hospitals/overview", (int? days, BedService s, CancellationToken ct) => s.OverviewAsync(days, ct))
            .WithTags("Hospitals").RequireAuthorization(Policies.PlatformAdmin);

        app.MapHub<BedsHub>(BedsHub.Path).RequireAuthorization();
        return app;
    }
}

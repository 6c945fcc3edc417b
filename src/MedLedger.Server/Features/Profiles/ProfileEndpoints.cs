using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Profiles;

public static class ProfileEndpoints
{
    public static IServiceCollection AddProfiles(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<ProfileParties>();
        services.AddScoped<ProfileWriteService>();
        services.AddScoped<SharedProfileService>();
        return services;
    }

    public static IEndpointRouteBuilder MapProfiles(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/profiles").WithTags("Profiles");
        g.MapPut("/mine", Write).RequireAuthorization(Policies.Patient).WithSummary("Store the next version of your sealed, signed profile with its key wrapped for each of your parties").ProducesProblems(409, 422);
        g.MapPost("/mine/wraps", AddWraps).RequireAuthorization(Policies.Patient).WithSummary("Wrap the current profile version's key for parties who lack a wrap").ProducesProblems(404, 409, 422);
        g.MapGet("/mine/parties", Parties).RequireAuthorization(Policies.Patient).WithSummary("Who may be wrapped your profile: you, consent grantees, assigned doctors, staff of hospitals you registered or booked with");
        g.MapGet("/", SharedWithMe).RequireAuthorization(Policies.ProfileReader).WithSummary("Sealed patient profiles wrapped for the caller, each with the caller's wrap");
        g.MapGet("/{patientId:guid}", Read).RequireAuthorization(Policies.ProfileReader).WithSummary("A patient's sealed profile and the caller's wrap (404 unless wrapped for the caller)").ProducesProblems(404);
        return app;
    }

    private static Task<SharedProfileResponse> Write(ProfileWriteRequest r, Caller caller, ProfileWriteService s, CancellationToken ct) => s.WriteAsync(caller, r, ct);

    private static async Task<NoContent> AddWraps(ProfileWrapsRequest r, Caller caller, ProfileWriteService s, CancellationToken ct)
    {
        await s.AddWrapsAsync(caller, r, ct);
        return TypedResults.NoContent();
    }

    private static Task<IReadOnlyList<ProfilePartyResponse>> Parties(Caller caller, ProfileWriteService s, CancellationToken ct) => s.PartiesAsync(caller, ct);

    private static Task<IReadOnlyList<SharedProfileResponse>> SharedWithMe(Caller caller, SharedProfileService s, CancellationToken ct) => s.SharedWithMeAsync(caller, ct);

    private static Task<SharedProfileResponse> Read(Guid patientId, Caller caller, SharedProfileService s, CancellationToken ct) => s.ReadAsync(caller, patientId, ct);
}

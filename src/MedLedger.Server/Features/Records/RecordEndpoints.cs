using System.Security.Claims;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;

namespace MedLedger.Server.Features.Records;

public static class RecordEndpoints
{
    public static Caller Caller(this ClaimsPrincipal user) => new(user.UserId(), user.Role(), user.OrganizationId());

    public static IEndpointRouteBuilder MapRecordEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/records").WithTags("Records");
        g.MapPost("/{recordId:guid}/versions", async (Guid recordId, RecordUpload u, HttpContext http, RecordService s, CancellationToken ct) =>
            {
                var res = await s.WriteAsync(http.User.Caller(), recordId, u, ct);
                return Results.Created($"/api/records/{recordId}/versions/{res.Version}", res);
            })
            .WithMetadata(new BodySizeLimit(RecordService.MaxUploadBodyBytes))
            .RequireAuthorization(Policies.RecordAuthor);
        g.MapGet("/", (Guid? patientId, string? category, DateTimeOffset? from, DateTimeOffset? to, Guid? author, HttpContext http, RecordService s, CancellationToken ct) =>
            s.ListAsync(http.User.Caller(), patientId, category, from, to, author, ct)).RequireAuthorization(Policies.RecordReader);
        g.MapGet("/{recordId:guid}", (Guid recordId, HttpContext http, RecordService s, CancellationToken ct) =>
            s.ReadAsync(http.User.Caller(), recordId, null, ct)).RequireAuthorization(Policies.RecordReader);
        g.MapGet("/{recordId:guid}/versions", (Guid recordId, HttpContext http, RecordService s, CancellationToken ct) =>
            s.VersionsAsync(http.User.Caller(), recordId, ct)).RequireAuthorization(Policies.RecordReader);
        g.MapGet("/{recordId:guid}/versions/{version:int}", (Guid recordId, int version, HttpContext http, RecordService s, CancellationToken ct) =>
            s.ReadAsync(http.User.Caller(), recordId, version, ct)).RequireAuthorization(Policies.RecordReader);
        g.MapGet("/readers", (Guid patientId, Guid? recordId, string category, HttpContext http, RecordService s, CancellationToken ct) =>
            s.ReadersForNewVersionAsync(http.User.Caller(), patientId, recordId, category, ct)).RequireAuthorization(Policies.RecordAuthor);
        return app;
    }
}

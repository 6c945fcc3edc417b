using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Records;

public static class RecordEndpoints
{
    public static IServiceCollection AddRecords(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RecordOptions>().Bind(configuration.GetSection(RecordOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<RefusalLimiter>();
        services.AddHostedService<RefusalSummarySweep>();
        services.AddScoped<RecordAccess>();
        services.AddScoped<RecordService>();
        services.AddScoped<SealedVersionReader>();
        services.AddScoped<RecordWraps>();
        services.AddScoped<ClaimDocuments>();
        services.AddScoped<PatientRecordIds>();
        services.AddScoped<ILedgerRowWriter, RecordLedgerRows>();
        return services;
    }

    public static IEndpointRouteBuilder MapRecords(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/records").WithTags("Records");
        // "*/*": Write answers any other media type with a 415 problem (routing alone would fall through to a 404).
        g.MapPost("/{recordId:guid}/versions", Write).Accepts<RecordUpload>(BinaryRecordUpload.JsonContentType, BinaryRecordUpload.BinaryContentType, "*/*")
            .WithMetadata(new BodySizeLimit(RecordService.MaxUploadBodyBytes)).RequireAuthorization(Policies.RecordAuthor)
            .WithSummary("Upload a sealed record version with its wraps and the author's signed records.write")
            .WithDescription("Two bodies (docs/records-upload.md): application/json (RecordUpload, ciphertext in base64) or application/octet-stream — "
                + "the first Record-Metadata-Length bytes are RecordUploadMetadata as JSON (ciphertextLength, ciphertextHash instead of ciphertext), the rest is the raw ciphertext.")
            .ProducesProblems(409, 413, 415, 422, 429);
        g.MapGet("/", List).RequireAuthorization(Policies.RecordReader).WithSummary("Records the caller may read, filtered by patient, category, time and author").ProducesProblems(409, 422, 429);
        g.MapGet("/{recordId:guid}", ReadLatest).RequireAuthorization(Policies.RecordReader).WithSummary("The latest version of a record, sealed, with only the caller's wrap").ProducesProblems(404, 409, 422, 429);
        g.MapGet("/{recordId:guid}/versions", Versions).RequireAuthorization(Policies.RecordReader).WithSummary("The version numbers of a record the caller may read").ProducesProblems(404, 409, 422, 429);
        g.MapGet("/{recordId:guid}/versions/{version:int}", ReadVersion).RequireAuthorization(Policies.RecordReader).WithSummary("One version of a record, sealed, with only the caller's wrap").ProducesProblems(404, 409, 422, 429);
        g.MapGet("/readers", Readers).RequireAuthorization(Policies.RecordAuthor).WithSummary("Who must be able to read a new version: patient, author and grantees, with their keys").ProducesProblems(404, 409, 422, 429);
        return app;
    }

    private static async Task<Created<RecordVersionResponse>> Write(Guid recordId, HttpRequest request, [FromHeader(Name = LedgerViewProofs.ViewSizeHeader)] long? viewSize,
        Caller caller, RecordService s, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken ct)
    {
        RecordVersionResponse res;
        if (BinaryRecordUpload.IsBinary(request))
        {
            var metadata = await BinaryRecordUpload.ReadMetadataAsync(request, json.Value.SerializerOptions, ct);
            res = await s.WriteStreamedAsync(caller, recordId, metadata, request.Body, ct, viewSize);
        }
        else if (request.HasJsonContentType())
        {
            res = await s.WriteAsync(caller, recordId, await BinaryRecordUpload.ReadJsonAsync(request, json.Value.SerializerOptions, ct), ct, viewSize);
        }
        else
        {
            throw new ProblemException(415, "unsupported-media-type", "Unsupported media type",
                $"Send the version as {BinaryRecordUpload.JsonContentType} or {BinaryRecordUpload.BinaryContentType} (docs/records-upload.md).");
        }
        return TypedResults.Created($"/api/records/{recordId}/versions/{res.Version}", res);
    }

    private static Task<IReadOnlyList<RecordListItem>> List(Guid? patientId, string? category, DateTimeOffset? from, DateTimeOffset? to, Guid? author, Caller caller, RecordService s, CancellationToken ct) =>
        s.ListAsync(caller, patientId, category, from, to, author, ct);

    private static Task<SealedRecordResponse> ReadLatest(Guid recordId, [FromHeader(Name = LedgerViewProofs.ViewSizeHeader)] long? viewSize, Caller caller, RecordService s, CancellationToken ct) =>
        s.ReadAsync(caller, recordId, null, ct, viewSize);

    private static Task<IReadOnlyList<int>> Versions(Guid recordId, Caller caller, RecordService s, CancellationToken ct) => s.VersionsAsync(caller, recordId, ct);

    private static Task<SealedRecordResponse> ReadVersion(Guid recordId, int version, [FromHeader(Name = LedgerViewProofs.ViewSizeHeader)] long? viewSize,
        Caller caller, RecordService s, CancellationToken ct) =>
        s.ReadAsync(caller, recordId, version, ct, viewSize);

    private static Task<IReadOnlyList<ReaderResponse>> Readers(Guid patientId, Guid? recordId, string category, Caller caller, RecordService s, CancellationToken ct) =>
        s.ReadersForNewVersionAsync(caller, patientId, recordId, category, ct);
}

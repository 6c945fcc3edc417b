using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MedLedger.Server.Features.Claims;

public static class ClaimsEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IServiceCollection AddClaims(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<ClaimFiling>();
        services.AddScoped<ClaimQueries>();
        services.AddScoped<ClaimProgress>();
        services.AddScoped<ClaimFigures>();
        services.AddScoped<ILedgerRowWriter, ClaimLedgerRows>();
        services.AddScoped<ILedgerRowRepair, FilingClaimRepair>();
        return services;
    }

    public static IEndpointRouteBuilder MapClaims(this IEndpointRouteBuilder app)
    {
        // Providers (holding the patient's shared policy card) and patients file; each sees the claims of its organization or in its name.
        var g = app.MapGroup("/api/insurance").WithTags("Insurance claims");
        g.MapPost("/claims", File).RequireAuthorization(Policies.ClaimFiler).WithSummary("File a claim signed on your device (Idempotency-Key; the ledger checks every line)").ProducesProblems(404, 409, 422);
        g.MapGet("/claims", ProviderClaims).RequireAuthorization(Policies.ClaimFiler).WithSummary("Your organization's claims (a patient: the claims in your name)").ProducesProblems(422);
        g.MapGet("/claims/{claimId:guid}", ProviderClaim).RequireAuthorization(Policies.ClaimFiler).WithSummary("One claim with its lines, outcomes and file receipt").ProducesProblems(404);
        g.MapGet("/my-claims", MyClaims).RequireAuthorization(Policies.Patient).WithSummary("Every claim in your name, with the receipt of each one's filing").ProducesProblems(422);
        g.MapPost("/my-claims/{claimId:guid}/dispute", Dispute).RequireAuthorization(Policies.Patient).WithSummary("Dispute a claim in your name (signed, with a reason code)").ProducesProblems(404, 409, 422);
        // The insurer's own verified staff work the queue.
        var i = app.MapGroup("/api/insurance/insurer").WithTags("Insurance claims");
        i.MapGet("/claims", InsurerClaims).RequireAuthorization(Policies.InsurerStaff).WithSummary("Your insurer's claims (?status=, ?disputed=true), oldest first").ProducesProblems(422);
        i.MapGet("/claims/{claimId:guid}", InsurerClaim).RequireAuthorization(Policies.InsurerStaff).WithSummary("One of your insurer's claims with its automatic outcomes").ProducesProblems(404);
        i.MapPost("/claims/{claimId:guid}/decide", Decide).RequireAuthorization(Policies.InsurerStaff).WithSummary("Approve, partly approve or reject each line (signed)").ProducesProblems(404, 409, 422);
        i.MapPost("/claims/{claimId:guid}/reverse", Reverse).RequireAuthorization(Policies.InsurerStaff).WithSummary("Reverse a decided claim not paid out (signed, reason code)").ProducesProblems(404, 409, 422);
        i.MapPost("/claims/{claimId:guid}/payout", Payout).RequireAuthorization(Policies.InsurerStaff).WithSummary("Pay the approved total to the payee, exactly once (signed)").ProducesProblems(404, 409, 422);
        i.MapPost("/claims/{claimId:guid}/dismiss-dispute", DismissDispute).RequireAuthorization(Policies.InsurerStaff).WithSummary("Dismiss a patient's open dispute (signed, reason code)").ProducesProblems(404, 409, 422);
        i.MapGet("/figures", InsurerFigures).RequireAuthorization(Policies.InsurerStaff).WithSummary("Your insurer's claims by status, amounts approved and paid, approval rate (per currency)");
        return app;
    }

    private static async Task<IReadOnlyList<InsurerClaimFigures>> InsurerFigures(Caller caller, ClaimFigures s, CancellationToken ct) =>
        caller.OrganizationId is { } insurer ? await s.ForInsurerAsync(insurer, ct) : [];

    private static async Task<Created<ClaimResponse>> File([FromHeader(Name = IdempotencyHeader)] string? idempotencyKey, FileClaimRequest r, Caller caller, ClaimFiling s,
        CancellationToken ct)
    {
        var claim = await s.FileAsync(caller, idempotencyKey, r, ct);
        return TypedResults.Created($"/api/insurance/claims/{claim.Id}", claim);
    }

    private static Task<IReadOnlyList<ClaimResponse>> ProviderClaims(string? status, Caller caller, ClaimQueries s, CancellationToken ct) => s.ListAsync(caller, status, false, ct);

    private static Task<ClaimResponse> ProviderClaim(Guid claimId, Caller caller, ClaimQueries s, CancellationToken ct) => s.GetAsync(caller, claimId, ct);

    private static Task<IReadOnlyList<ClaimResponse>> MyClaims(string? status, Caller caller, ClaimQueries s, CancellationToken ct) => s.ListAsync(caller, status, false, ct);

    private static Task<ClaimResponse> Dispute(Guid claimId, ClaimActionRequest r, Caller caller, ClaimProgress s, CancellationToken ct) => s.DisputeAsync(caller, claimId, r, ct);

    private static Task<IReadOnlyList<ClaimResponse>> InsurerClaims(string? status, bool? disputed, Caller caller, ClaimQueries s, CancellationToken ct) =>
        s.ListAsync(caller, status, disputed == true, ct);

    private static Task<ClaimResponse> InsurerClaim(Guid claimId, Caller caller, ClaimQueries s, CancellationToken ct) => s.GetAsync(caller, claimId, ct);

    private static Task<ClaimResponse> Decide(Guid claimId, ClaimActionRequest r, Caller caller, ClaimProgress s, CancellationToken ct) =>
        s.InsurerActAsync(caller, claimId, InsuranceClaimContract.Decide, r, ct);

    private static Task<ClaimResponse> Reverse(Guid claimId, ClaimActionRequest r, Caller caller, ClaimProgress s, CancellationToken ct) =>
        s.InsurerActAsync(caller, claimId, InsuranceClaimContract.Reverse, r, ct);

    private static Task<ClaimResponse> Payout(Guid claimId, ClaimActionRequest r, Caller caller, ClaimProgress s, CancellationToken ct) => s.PayoutAsync(caller, claimId, r, ct);

    private static Task<ClaimResponse> DismissDispute(Guid claimId, ClaimActionRequest r, Caller caller, ClaimProgress s, CancellationToken ct) =>
        s.InsurerActAsync(caller, claimId, InsuranceClaimContract.DismissDispute, r, ct);
}

using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace MedLedger.Server.Features.Insurance;

public static class InsuranceEndpoints
{
    public const string IdempotencyHeader = "Idempotency-Key";

    public static IServiceCollection AddInsurance(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<PlanFinder>();
        services.AddScoped<PlanPublishingService>();
        services.AddScoped<PolicyApplying>();
        services.AddScoped<ApplicationDocuments>();
        services.AddScoped<ApplicationRecordLinks>();
        services.AddScoped<PolicyIssuing>();
        services.AddScoped<PolicyLifecycle>();
        services.AddScoped<PolicyProgress>();
        services.AddScoped<PolicyQueries>();
        services.AddScoped<PolicyEligibility>();
        services.AddScoped<InsuredPolicies>();
        services.AddScoped<ILedgerRowWriter, PolicyLedgerRows>();
        services.AddScoped<ILedgerRowRepair, AcceptingApplicationRepair>();
        return services;
    }

    public static IEndpointRouteBuilder MapInsurance(this IEndpointRouteBuilder app)
    {
        // Plans are public product terms (anyone signed in browses them); only a verified insurer's own staff write them.
        var g = app.MapGroup("/api/insurance").WithTags("Insurance");
        g.MapGet("/plans", ListPlans).RequireAuthorization().WithSummary("Open plans of verified insurers (and, for insurer staff, all of their own insurer's plans)");
        g.MapGet("/plans/{planId:guid}", GetPlan).RequireAuthorization().WithSummary("One plan's benefits, limits, waiting periods and premium").ProducesProblems(404);
        g.MapPost("/plans", CreatePlan).RequireAuthorization(Policies.InsurerStaff).WithSummary("Publish a plan for the caller's insurer").ProducesProblems(403, 409, 422);
        g.MapPut("/plans/{planId:guid}", UpdatePlan).RequireAuthorization(Policies.InsurerStaff).WithSummary("Change a plan's terms against the revision read (a stale revision is a 409)").ProducesProblems(403, 404, 409, 422);
        // A patient applies and follows their own applications and policies.
        g.MapPost("/applications", Apply).RequireAuthorization(Policies.Patient).WithSummary("Apply for a plan and period (Idempotency-Key; the same plan and period again returns the first application)").ProducesProblems(404, 409, 422);
        g.MapGet("/applications", MyApplications).RequireAuthorization(Policies.Patient).WithSummary("Your applications, oldest first");
        g.MapPost("/applications/{applicationId:guid}/documents", AttachDocuments).RequireAuthorization(Policies.Patient).WithSummary("Attach your own records to your application awaiting a decision (or keep attached ones open after it)").ProducesProblems(404, 409, 422);
        g.MapGet("/policies", MyPolicies).RequireAuthorization(Policies.Patient).WithSummary("Your policies with the card sealed for you (paid ones are activated, ended ones expired first, on the ledger)").ProducesProblems(409, 422);
        g.MapGet("/policies/{policyId:guid}", MyPolicy).RequireAuthorization(Policies.Patient).WithSummary("One of your policies with the ledger receipt of its issue").ProducesProblems(404, 409, 422);
        g.MapPost("/policies/{policyId:guid}/shares", SharePolicy).RequireAuthorization(Policies.Patient).WithSummary("Share your policy card, sealed for a verified doctor, hospital staff member or pharmacist (eligibility)").ProducesProblems(404, 409, 422);
        // Professionals a patient shared a policy card with ask about eligibility (insurer staff are refused in the service).
        g.MapGet("/shared-policies", SharedPolicies).RequireAuthorization(Policies.OrganizationMember).WithSummary("Policy cards patients shared with you (doctors, hospital staff, pharmacists)").ProducesProblems(403);
        g.MapGet("/policies/{policyId:guid}/eligibility", Eligibility).RequireAuthorization(Policies.OrganizationMember).WithSummary("Whether a benefit tag of a policy shared with you covers a date, from the ledger's policy state").ProducesProblems(403, 404, 409, 422);
        // The insurer's own verified staff decide applications and manage its policies.
        var i = app.MapGroup("/api/insurance/insurer").WithTags("Insurance");
        i.MapGet("/applications", InsurerApplications).RequireAuthorization(Policies.InsurerStaff).WithSummary("Your insurer's applications (optionally of one status), oldest first").ProducesProblems(422);
        i.MapPost("/applications/{applicationId:guid}/accept", Accept).RequireAuthorization(Policies.InsurerStaff).WithSummary("Accept: an insurer-staff-signed insurance.policy issue (pending until the premium payable is paid)").ProducesProblems(404, 409, 422);
        i.MapGet("/applications/{applicationId:guid}/documents", ApplicationDocumentList).RequireAuthorization(Policies.InsurerStaff).WithSummary("The records the patient attached to one of your insurer's applications, and whether each opens now").ProducesProblems(404);
        i.MapPost("/applications/{applicationId:guid}/decline", Decline).RequireAuthorization(Policies.InsurerStaff).WithSummary("Decline a submitted application with a reason code").ProducesProblems(404, 409, 422);
        i.MapGet("/policies", InsurerPolicies).RequireAuthorization(Policies.InsurerStaff).WithSummary("Your insurer's policies with the card sealed for the insurer").ProducesProblems(409, 422);
        i.MapGet("/policies/{policyId:guid}", InsurerPolicy).RequireAuthorization(Policies.InsurerStaff).WithSummary("One of your insurer's policies with the ledger receipt of its issue").ProducesProblems(404, 409, 422);
        i.MapPost("/policies/{policyId:guid}/suspend", Suspend).RequireAuthorization(Policies.InsurerStaff).WithSummary("Suspend an active policy (signed, with a reason code)").ProducesProblems(404, 409, 422);
        i.MapPost("/policies/{policyId:guid}/reinstate", Reinstate).RequireAuthorization(Policies.InsurerStaff).WithSummary("Reinstate a suspended policy (signed)").ProducesProblems(404, 409, 422);
        i.MapPost("/policies/{policyId:guid}/mark-paid", MarkPaid).RequireAuthorization(Policies.InsurerStaff).WithSummary("Mark a pending policy's premium paid (signed activate; cover from the later of its start and the mark; idempotent)").ProducesProblems(404, 409, 422);
        i.MapPost("/policies/{policyId:guid}/renew", Renew).RequireAuthorization(Policies.InsurerStaff).WithSummary("Issue the next period's policy of an active one (signed renew); the previous becomes renewed").ProducesProblems(404, 409, 422);
        return app;
    }

    private static Task<IReadOnlyList<PlanResponse>> ListPlans(Guid? insurerId, Caller caller, PlanFinder s, CancellationToken ct) => s.ListAsync(caller, insurerId, ct);

    private static Task<PlanResponse> GetPlan(Guid planId, Caller caller, PlanFinder s, CancellationToken ct) => s.GetAsync(caller, planId, ct);

    private static async Task<Created<PlanResponse>> CreatePlan(PlanCreate r, Caller caller, PlanPublishingService s, CancellationToken ct)
    {
        var plan = await s.CreateAsync(caller, r, ct);
        return TypedResults.Created($"/api/insurance/plans/{plan.Id}", plan);
    }

    private static Task<PlanResponse> UpdatePlan(Guid planId, PlanUpdate r, Caller caller, PlanPublishingService s, CancellationToken ct) => s.UpdateAsync(caller, planId, r, ct);

    private static async Task<Created<ApplicationResponse>> Apply([FromHeader(Name = IdempotencyHeader)] string? idempotencyKey, ApplyRequest r, Caller caller, PolicyApplying s,
        CancellationToken ct)
    {
        var application = await s.ApplyAsync(caller, idempotencyKey, r, ct);
        return TypedResults.Created($"/api/insurance/applications/{application.Id}", application);
    }

    private static Task<IReadOnlyList<ApplicationResponse>> MyApplications(Caller caller, PolicyApplying s, CancellationToken ct) => s.MineAsync(caller, ct);

    private static Task<ApplicationResponse> AttachDocuments(Guid applicationId, AttachApplicationDocumentsRequest r, Caller caller, ApplicationDocuments s, CancellationToken ct) =>
        s.AttachAsync(caller, applicationId, r, ct);

    private static Task<ApplicationDocumentsResponse> ApplicationDocumentList(Guid applicationId, Caller caller, ApplicationDocuments s, CancellationToken ct) =>
        s.ForInsurerAsync(caller, applicationId, ct);

    private static Task<IReadOnlyList<PolicyResponse>> MyPolicies(Caller caller, PolicyQueries s, CancellationToken ct) => s.ListAsync(caller, ct);

    private static Task<PolicyResponse> MyPolicy(Guid policyId, Caller caller, PolicyQueries s, CancellationToken ct) => s.GetAsync(caller, policyId, ct);

    private static Task<PolicyShareResponse> SharePolicy(Guid policyId, SharePolicyRequest r, Caller caller, PolicyEligibility s, CancellationToken ct) =>
        s.ShareAsync(caller, policyId, r, ct);

    private static Task<IReadOnlyList<PolicyShareResponse>> SharedPolicies(Caller caller, PolicyEligibility s, CancellationToken ct) => s.SharedWithMeAsync(caller, ct);

    private static Task<EligibilityResponse> Eligibility(Guid policyId, string? tag, DateOnly? date, Caller caller, PolicyEligibility s, CancellationToken ct) =>
        s.CheckAsync(caller, policyId, tag, date, ct);

    private static Task<IReadOnlyList<ApplicationResponse>> InsurerApplications(string? status, Caller caller, PolicyApplying s, CancellationToken ct) =>
        s.InsurerAsync(caller, status, ct);

    private static Task<PolicyResponse> Accept(Guid applicationId, IssuePolicyRequest r, Caller caller, PolicyIssuing s, CancellationToken ct) =>
        s.AcceptAsync(caller, applicationId, r, ct);

    private static Task<ApplicationResponse> Decline(Guid applicationId, DeclineApplicationRequest r, Caller caller, PolicyApplying s, CancellationToken ct) =>
        s.DeclineAsync(caller, applicationId, r, ct);

    private static Task<IReadOnlyList<PolicyResponse>> InsurerPolicies(Caller caller, PolicyQueries s, CancellationToken ct) => s.ListAsync(caller, ct);

    private static Task<PolicyResponse> InsurerPolicy(Guid policyId, Caller caller, PolicyQueries s, CancellationToken ct) => s.GetAsync(caller, policyId, ct);

    private static Task<PolicyResponse> Suspend(Guid policyId, PolicyChangeRequest r, Caller caller, PolicyProgress s, CancellationToken ct) =>
        s.ChangeAsync(caller, policyId, InsurancePolicyContract.Suspend, r, ct);

    private static Task<PolicyResponse> Reinstate(Guid policyId, PolicyChangeRequest r, Caller caller, PolicyProgress s, CancellationToken ct) =>
        s.ChangeAsync(caller, policyId, InsurancePolicyContract.Reinstate, r, ct);

    private static Task<PolicyResponse> MarkPaid(Guid policyId, PolicyChangeRequest r, Caller caller, PolicyProgress s, CancellationToken ct) => s.MarkPaidAsync(caller, policyId, r, ct);

    private static Task<PolicyResponse> Renew(Guid policyId, IssuePolicyRequest r, Caller caller, PolicyIssuing s, CancellationToken ct) => s.RenewAsync(caller, policyId, r, ct);
}

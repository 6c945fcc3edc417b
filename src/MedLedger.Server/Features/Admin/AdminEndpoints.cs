using MedLedger.Ledger;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MedLedger.Server.Features.Admin;

public static class AdminEndpoints
{
    public static IServiceCollection AddAdmin(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddScoped<SecurityEventLog>();
        services.AddScoped<AdminService>();
        services.AddScoped<MonitoringDashboard>();
        services.AddScoped<ConsortiumStatus>();
        services.AddScoped<ConsortiumApprovals>();
        return services;
    }

    public static IEndpointRouteBuilder MapAdmin(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/admin").WithTags("Admin").RequireAuthorization(Policies.PlatformAdmin);
        g.MapGet("/dashboard", Dashboard).WithSummary("Monitoring figures from metadata only: accounts, verification backlog, ledger activity and last verify, security events, break-glass reviews, beds, payments");
        g.MapGet("/ledger-activity", LedgerActivity).WithSummary("Ledger transactions per minute (range=hour), hour (day) or day (week), from block metadata only").ProducesProblems(422);
        g.MapGet("/consortium", Consortium).WithSummary("Ledger consortium: members, threshold and fingerprint, who certified the newest block, evidence against members that signed another header, pending add-peer proposals and the membership history");
        g.MapPost("/consortium/approvals", ApproveConsortiumMember).WithSummary("This organisation's approval of a new consortium member: its peer signs a consortium.add-peer (k members' approvals add the peer); returns the receipt").ProducesProblems(403, 409, 422);
        g.MapGet("/verifications", Queue).WithSummary("Organizations and professionals awaiting verification");
        g.MapPost("/organizations/{id:guid}/verification", DecideOrganization).WithSummary("Approve or reject an organization (a rejection needs a reason)").ProducesProblems(404, 409, 422);
        g.MapPost("/users/{id:guid}/verification", DecideProfessional).WithSummary("Approve or reject a professional's account (a rejection needs a reason)").ProducesProblems(404, 409, 422);
        g.MapGet("/users", Users).WithSummary("Accounts, newest first (at most 500), by role, suspension and verification: no e-mail addresses, no patient names");
        g.MapGet("/organizations", Organizations).WithSummary("Organizations in every verification state, by name (at most 500), by kind, verification and suspension");
        g.MapPost("/organizations/{id:guid}/suspend", SuspendOrganization).WithSummary("Suspend an organization with the admin's own signed identity.org-standing: it leaves search and takes no new work").ProducesProblems(404, 409, 422);
        g.MapPost("/organizations/{id:guid}/reinstate", ReinstateOrganization).WithSummary("Lift an organization's suspension (signed by the admin, as the suspension)").ProducesProblems(404, 409, 422);
        g.MapPost("/users/{id:guid}/suspend", Suspend).WithSummary("Suspend a user: their sessions stop working at once").ProducesProblems(404, 409, 422);
        g.MapPost("/users/{id:guid}/reinstate", Reinstate).WithSummary("Lift a user's suspension").ProducesProblems(404, 409, 422);
        g.MapGet("/security-events", SecurityEvents).WithSummary("Security events, newest first, filtered by kind, subject and time").ProducesProblems(422);
        return app;
    }

    private static Task<LedgerReceipt> ApproveConsortiumMember(ConsortiumApprovalRequest request, ConsortiumApprovals s, CancellationToken ct) => s.ApproveAsync(request, ct);

    private static Task<VerificationQueue> Queue(AdminService s, CancellationToken ct) => s.QueueAsync(ct);

    private static async Task<NoContent> DecideOrganization(Guid id, VerificationDecision d, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.DecideOrganizationAsync(caller.Id, id, d, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> DecideProfessional(Guid id, VerificationDecision d, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.DecideProfessionalAsync(caller.Id, id, d, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> Suspend(Guid id, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.SetSuspendedAsync(caller.Id, id, true, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> Reinstate(Guid id, Caller caller, AdminService s, CancellationToken ct)
    {
        await s.SetSuspendedAsync(caller.Id, id, false, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> SuspendOrganization(Guid id, OrganizationStandingChange change, Caller caller, OrganizationStandingService s, CancellationToken ct)
    {
        await s.SetStandingAsync(caller.Id, id, suspend: true, change, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> ReinstateOrganization(Guid id, OrganizationStandingChange change, Caller caller, OrganizationStandingService s, CancellationToken ct)
    {
        await s.SetStandingAsync(caller.Id, id, suspend: false, change, ct);
        return TypedResults.NoContent();
    }

    private static Task<IReadOnlyList<SecurityEventResponse>> SecurityEvents(SecurityEventKind? kind, Guid? subject, DateTimeOffset? since, int? limit, AdminService s, CancellationToken ct) =>
        s.SecurityEventsAsync(kind, subject, since, limit, ct);

    private static Task<AdminDashboard> Dashboard(MonitoringDashboard s, CancellationToken ct) => s.GetAsync(ct);

    private static Task<LedgerActivity> LedgerActivity(string? range, MonitoringDashboard s, CancellationToken ct) => s.ActivityAsync(range, ct);

    private static Task<ConsortiumStatusResponse> Consortium(ConsortiumStatus s, CancellationToken ct) => s.GetAsync(ct);

    private static Task<IReadOnlyList<AccountSummary>> Users(Role? role, bool? suspended, VerificationStatus? verification, AccountList s, CancellationToken ct) =>
        s.ListAsync(role, suspended, verification, ct);

    private static Task<IReadOnlyList<OrganizationResponse>> Organizations(OrganizationKind? kind, VerificationStatus? verification, bool? suspended, OrganizationService s, CancellationToken ct) =>
        s.ListAllAsync(kind, verification, ct, suspended);
}

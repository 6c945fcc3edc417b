using System.Security.Claims;
using MedLedger.Server.Features.Accounts;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace MedLedger.Server.Infrastructure.Auth;

/// <summary>Named policies: one per role (verified), plus combinations used by several features.</summary>
public static class Policies
{
    public const string Patient = nameof(Role.Patient);
    public const string Doctor = nameof(Role.Doctor);
    public const string HospitalStaff = nameof(Role.HospitalStaff);
    public const string Pharmacist = nameof(Role.Pharmacist);
    public const string InsurerStaff = nameof(Role.InsurerStaff);
    public const string PlatformAdmin = nameof(Role.PlatformAdmin);
    /// <summary>Staff who manage their organization's profile: hospital, pharmacy or insurer staff.</summary>
    public const string OrganizationStaff = "OrganizationStaff";
    /// <summary>Any verified member of an organization (staff or doctor).</summary>
    public const string OrganizationMember = "OrganizationMember";
    /// <summary>Roles that may ever read medical records (further checked per record: assignment, consent, claims).</summary>
    public const string RecordReader = "RecordReader";
    /// <summary>Roles that may author records: patients (their own) and assigned doctors.</summary>
    public const string RecordAuthor = "RecordAuthor";
    /// <summary>Patients, doctors and hospital staff see care assignments that concern them.</summary>
    public const string CareParticipant = "CareParticipant";
    /// <summary>Any account that may act (patients, admins, verified professionals): the professional directory.</summary>
    public const string DirectoryUser = "DirectoryUser";
    /// <summary>Roles that may be wrapped a patient's sealed profile (further checked per patient: a wrap and a live relationship).</summary>
    public const string ProfileReader = "ProfileReader";
    /// <summary>Who may see a prescription and its fills (further checked per prescription: patient, prescriber, a covering grant).</summary>
    public const string PrescriptionParty = "PrescriptionParty";

    /// <summary>Roles that may take part in conversations (further checked per conversation: a participant row).</summary>
    public const string MessageParticipant = "MessageParticipant";

    /// <summary>Doctors and hospital staff: who manage schedules and appointment statuses (further checked per hospital).</summary>
    public const string HospitalMember = "HospitalMember";

    /// <summary>Patients and pharmacists: who follow orders live (further checked per order: its patient, its pharmacy).</summary>
    public const string OrderParty = "OrderParty";
    /// <summary>Who files insurance claims: the patient, or a provider's doctor, hospital staff or pharmacist.</summary>
    public const string ClaimFiler = "ClaimFiler";

    public static AuthorizationBuilder AddMedLedgerPolicies(this AuthorizationBuilder builder)
    {
        foreach (var role in Enum.GetValues<Role>())
        {
            builder.AddPolicy(role.ToString(), p => p.AddRequirements(new VerifiedRoleRequirement(role)));
        }
        builder.AddPolicy(OrganizationStaff, p => p.AddRequirements(new VerifiedRoleRequirement(Role.HospitalStaff, Role.Pharmacist, Role.InsurerStaff)));
        builder.AddPolicy(OrganizationMember, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Doctor, Role.HospitalStaff, Role.Pharmacist, Role.InsurerStaff)));
        builder.AddPolicy(RecordReader, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Doctor, Role.Pharmacist, Role.InsurerStaff)));
        builder.AddPolicy(RecordAuthor, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Doctor, Role.Pharmacist)));
        builder.AddPolicy(CareParticipant, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Doctor, Role.HospitalStaff)));
        builder.AddPolicy(DirectoryUser, p => p.AddRequirements(new VerifiedRoleRequirement(Enum.GetValues<Role>())));
        builder.AddPolicy(ProfileReader, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Doctor, Role.HospitalStaff, Role.Pharmacist, Role.InsurerStaff)));
        builder.AddPolicy(PrescriptionParty, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Doctor, Role.Pharmacist)));
        builder.AddPolicy(MessageParticipant, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Doctor)));
        builder.AddPolicy(HospitalMember, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Doctor, Role.HospitalStaff)));
        builder.AddPolicy(OrderParty, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Pharmacist)));
        builder.AddPolicy(ClaimFiler, p => p.AddRequirements(new VerifiedRoleRequirement(Role.Patient, Role.Doctor, Role.HospitalStaff, Role.Pharmacist)));
        return builder;
    }
}

public static class ClaimsPrincipalExtensions
{
    public static Guid UserId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(MedLedgerClaims.UserId) ?? throw new InvalidOperationException("No user id claim."));

    public static MedLedger.Server.Features.Accounts.Role Role(this ClaimsPrincipal user) =>
        Enum.Parse<MedLedger.Server.Features.Accounts.Role>(user.FindFirstValue(MedLedgerClaims.Role) ?? throw new InvalidOperationException("No role claim."));

    public static Guid? OrganizationId(this ClaimsPrincipal user) =>
        user.FindFirstValue(MedLedgerClaims.OrganizationId) is { } s ? Guid.Parse(s) : null;

    public static Guid SessionId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(MedLedgerClaims.SessionId) ?? throw new InvalidOperationException("No session claim."));
}

public sealed class VerifiedRoleRequirement(params Role[] roles) : IAuthorizationRequirement
{
    public IReadOnlyList<Role> Roles { get; } = roles;
}

internal sealed class VerifiedRoleHandler : AuthorizationHandler<VerifiedRoleRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, VerifiedRoleRequirement requirement)
    {
        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Task.CompletedTask;
        }
        var role = user.FindFirstValue(MedLedgerClaims.Role);
        if (role is null || !requirement.Roles.Any(r => r.ToString() == role))
        {
            context.Fail(new AuthorizationFailureReason(this,
                $"This action needs the {string.Join(" or ", requirement.Roles)} role; you are signed in as {role}."));
            return Task.CompletedTask;
        }
        if (user.FindFirstValue(MedLedgerClaims.Verified) != "true")
        {
            context.Fail(new AuthorizationFailureReason(this,
                user.FindFirstValue(MedLedgerClaims.VerificationNote) ?? "Your account is not verified."));
            return Task.CompletedTask;
        }
        context.Succeed(requirement);
        return Task.CompletedTask;
    }
}

/// <summary>Writes 401/403 as RFC 9457 problems that say why (e.g. "awaiting verification").</summary>
internal sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Forbidden)
        {
            var reasons = authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message).ToArray() ?? [];
            await Results.Problem(statusCode: 403, title: "Forbidden", type: "https://medledger.example/problems/forbidden",
                detail: reasons.Length > 0 ? string.Join(" ", reasons) : "You may not perform this action.").ExecuteAsync(context);
            return;
        }
        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}

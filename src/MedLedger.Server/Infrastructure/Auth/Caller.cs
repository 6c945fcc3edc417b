using System.Reflection;
using System.Security.Claims;
using MedLedger.Server.Features.Accounts;

namespace MedLedger.Server.Infrastructure.Auth;

/// <summary>
/// The signed-in caller as every rule sees them, bound once from the session's claims: handlers take
/// <c>Caller caller</c> instead of unpacking <see cref="HttpContext.User"/>. Only endpoints that require
/// authorization take one; an anonymous request never reaches their binding.
/// </summary>
public sealed record Caller(Guid Id, Role Role, Guid? OrganizationId)
{
    /// <summary>The session the request came with (logout and password change act on it).</summary>
    public Guid SessionId { get; init; }

    public bool IsAdmin => Role == Role.PlatformAdmin;

    /// <summary>The caller's organization; the policies admit only organization members where this is used.</summary>
    public Guid Organization => OrganizationId ?? throw new InvalidOperationException("The caller belongs to no organization.");

    /// <summary>Minimal-API binding (parameter of type <see cref="Caller"/>).</summary>
    public static ValueTask<Caller?> BindAsync(HttpContext context, ParameterInfo parameter) => ValueTask.FromResult(From(context.User));

    public static Caller? From(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true && user.FindFirstValue(MedLedgerClaims.UserId) is { } id
            ? new Caller(Guid.Parse(id), user.Role(), user.OrganizationId()) { SessionId = user.SessionId() }
            : null;
}

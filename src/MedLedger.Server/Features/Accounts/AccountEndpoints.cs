using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

public static class AccountEndpoints
{
    public static IEndpointRouteBuilder MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Authentication");
        auth.MapPost("/register", async (RegisterRequest r, AccountService s, CancellationToken ct) =>
        {
            var res = await s.RegisterAsync(r, ct);
            return Results.Created($"/api/users/{res.UserId}/keys", res);
        }).AllowAnonymous();
        auth.MapPost("/prelogin", (PreloginRequest r, AccountService s, CancellationToken ct) => s.PreloginAsync(r, ct)).AllowAnonymous();
        auth.MapPost("/login", (LoginRequest r, AccountService s, CancellationToken ct) => s.LoginAsync(r, ct)).AllowAnonymous();
        auth.MapPost("/login/email-code", async (EmailCodeRequest r, AccountService s, CancellationToken ct) =>
        {
            await s.SendEmailCodeAsync(r, ct);
            return Results.Accepted();
        }).AllowAnonymous();
        auth.MapPost("/login/verify", (VerifyOtpRequest r, AccountService s, CancellationToken ct) => s.VerifyOtpAsync(r, ct)).AllowAnonymous();
        auth.MapPost("/refresh", (RefreshRequest r, AccountService s, CancellationToken ct) => s.RefreshAsync(r, ct)).AllowAnonymous();
        auth.MapPost("/logout", async (HttpContext http, AccountService s, CancellationToken ct) =>
        {
            await s.LogoutAsync(http.User.SessionId(), http.User.UserId(), ct);
            return Results.NoContent();
        }).RequireAuthorization();
        auth.MapPost("/password", async (ChangePasswordRequest r, HttpContext http, AccountService s, CancellationToken ct) =>
        {
            await s.ChangePasswordAsync(http.User.UserId(), http.User.SessionId(), r, ct);
            return Results.NoContent();
        }).RequireAuthorization();
        auth.MapPost("/recovery/start", async (RecoveryStartRequest r, AccountService s, CancellationToken ct) =>
            Results.Accepted(value: await s.StartRecoveryAsync(r, ct))).AllowAnonymous();
        auth.MapPost("/recovery/verify", (RecoveryVerifyRequest r, AccountService s, CancellationToken ct) => s.VerifyRecoveryAsync(r, ct)).AllowAnonymous();
        auth.MapPost("/recovery/complete", async (RecoveryCompleteRequest r, AccountService s, CancellationToken ct) =>
        {
            await s.CompleteRecoveryAsync(r, ct);
            return Results.NoContent();
        }).AllowAnonymous();
        auth.MapPost("/totp/enroll", (HttpContext http, AccountService s, CancellationToken ct) => s.BeginTotpAsync(http.User.UserId(), ct)).RequireAuthorization();
        auth.MapPost("/totp/confirm", async (TotpConfirmRequest r, HttpContext http, AccountService s, CancellationToken ct) =>
        {
            await s.ConfirmTotpAsync(http.User.UserId(), r, ct);
            return Results.NoContent();
        }).RequireAuthorization();

        var me = app.MapGroup("/api/me").WithTags("Accounts").RequireAuthorization();
        me.MapGet("/", (HttpContext http, AccountService s, CancellationToken ct) => s.MeAsync(http.User.UserId(), ct));
        me.MapGet("/keys", (HttpContext http, AccountService s, CancellationToken ct) => s.OwnKeyBundleAsync(http.User.UserId(), ct));
        me.MapPut("/profile", async (ProfileUpdate u, HttpContext http, AccountService s, CancellationToken ct) =>
        {
            await s.UpdateProfileAsync(http.User.UserId(), u, ct);
            return Results.NoContent();
        });

        var users = app.MapGroup("/api/users").WithTags("Accounts").RequireAuthorization();
        users.MapGet("/{id:guid}/keys", (Guid id, AccountService s, CancellationToken ct) => s.PublicKeysAsync(id, ct));
        // POST, not a query string: emails must not end up in URLs (request logs, proxies, browser history).
        users.MapPost("/lookup", (UserLookupRequest r, AccountService s, CancellationToken ct) => s.PublicKeysByEmailAsync(r.Email, ct));
        return app;
    }

    /// <summary>Dev-only: read the local outbox. Mapped only when the server runs with --demo.</summary>
    public static IEndpointRouteBuilder MapDevOutbox(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/dev/outbox", (string to, IMessageSender sender) =>
            sender is OutboxMessageSender outbox
                ? Results.Ok(outbox.ReadFor(to))
                : Results.Problem(statusCode: 404, title: "Not found", detail: "The outbox exists only with the embedded message sender."))
            .AllowAnonymous().WithTags("Development");
        return app;
    }
}

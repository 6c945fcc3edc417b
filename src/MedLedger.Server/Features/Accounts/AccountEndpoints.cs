using MedLedger.Server.Infrastructure.Messaging;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using MedLedger.Server.Infrastructure.Data;

namespace MedLedger.Server.Features.Accounts;

public static class AccountEndpoints
{
    public static IServiceCollection AddAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => ServerSecrets.LoadOrCreate(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory));
        services.AddSingleton<HubTickets>();
        services.AddSingleton<RegisteredSigningKeys>();
        services.AddScoped<AccountDirectory>();
        services.AddScoped<LoginAttempts>();
        services.AddScoped<EmailCodeSender>();
        services.AddScoped<NewPasswordMaterial>();
        services.AddScoped<RegistrationService>();
        services.AddScoped<ExpiredAccountState>();
        services.AddHostedService<ExpiredAccountStateSweep>();
        services.AddScoped<SignInService>();
        services.AddScoped<SessionService>();
        services.AddScoped<TotpEnrolmentService>();
        services.AddScoped<PasswordChangeService>();
        services.AddScoped<AccountRecoveryService>();
        services.AddScoped<KeyDirectoryService>();
        services.AddScoped<IdentityCardService>();
        services.AddScoped<AccountStandingService>();
        services.AddScoped<AccountFigures>();
        services.AddScoped<AccountList>();
        services.AddScoped<OrganizationMembershipService>();
        services.AddScoped<ILedgerRowWriter, AccountLedgerRows>();
        services.AddScoped<ILedgerRowWriter, VerificationLedgerRows>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Authentication");
        auth.MapPost("/register", Register).AllowAnonymous().WithSummary("Start registration (public keys, wrapped private keys, a client-derived auth key): the same answer for any email; a code is emailed").ProducesProblems(403, 404, 422);
        auth.MapPost("/register/confirm", ConfirmRegistration).AllowAnonymous().WithSummary("Confirm a registration with the emailed code: creates the account and commits its key registration").ProducesProblems(401, 403, 404, 409, 422);
        auth.MapPost("/prelogin", Prelogin).AllowAnonymous().WithSummary("Get the KDF parameters to derive the auth key from a password");
        auth.MapPost("/login", Login).AllowAnonymous().WithSummary("Check the auth key and open a sign-in challenge for a one-time code").ProducesProblems(401, 403, 409, 422);
        auth.MapPost("/login/email-code", SendEmailCode).AllowAnonymous().WithSummary("Email a one-time code for an open sign-in challenge").ProducesProblems(401, 409, 422);
        auth.MapGet("/code-delivery", CodeDelivery).AllowAnonymous().WithSummary("Where one-time codes go: email, or the server's local outbox folder when no mail server is configured");
        auth.MapPost("/login/verify", VerifyCode).AllowAnonymous().WithSummary("Complete sign-in with a one-time code and receive session tokens").ProducesProblems(401, 410, 422);
        auth.MapPost("/refresh", Refresh).AllowAnonymous().WithSummary("Exchange a refresh token for new session tokens").ProducesProblems(401, 403, 422);
        auth.MapPost("/hub-ticket", HubTicket).RequireAuthorization().WithSummary("A single-use ticket (30 s) to open a live hub connection with ?access_token=, instead of the bearer token in a URL");
        auth.MapPost("/logout", Logout).RequireAuthorization().WithSummary("Revoke the current session");
        auth.MapPost("/password/nonce", PasswordChangeNonce).RequireAuthorization().WithSummary("A single-use nonce (minutes) to sign into one password change");
        auth.MapPost("/password", ChangePassword).RequireAuthorization().WithSummary("Change the password with new key material signed over a fresh nonce; other sessions are revoked").ProducesProblems(401, 404, 409, 422, 429);
        auth.MapPost("/recovery/start", StartRecovery).AllowAnonymous().WithSummary("Start account recovery: email a code and return a ticket").ProducesProblems(409, 422);
        auth.MapPost("/recovery/verify", VerifyRecovery).AllowAnonymous().WithSummary("Check the emailed recovery code and receive the recovery-wrapped keys").ProducesProblems(401, 403, 404, 422);
        auth.MapPost("/recovery/complete", CompleteRecovery).AllowAnonymous().WithSummary("Set a new password with the recovery ticket; every session is revoked").ProducesProblems(401, 403, 404, 409, 422);
        auth.MapPost("/totp/enroll", BeginTotp).RequireAuthorization().WithSummary("Begin authenticator-app (TOTP) enrolment with the current password's auth key: a new secret and its QR code").ProducesProblems(401, 409, 422, 429);
        auth.MapPost("/totp/confirm", ConfirmTotp).RequireAuthorization().WithSummary("Confirm TOTP enrolment with a first code").ProducesProblems(409, 422);

        var me = app.MapGroup("/api/me").WithTags("Accounts").RequireAuthorization();
        me.MapGet("/", Me).WithSummary("The signed-in account: role, verification and whether it may act").ProducesProblems(404);
        me.MapGet("/keys", OwnKeys).WithSummary("The signed-in user's key bundle, private keys wrapped").ProducesProblems(404);
        me.MapPut("/profile", UpdateProfile).WithSummary("Replace the signed-in user's encrypted profile").ProducesProblems(422);

        var users = app.MapGroup("/api/users").WithTags("Accounts").RequireAuthorization();
        users.MapGet("/{id:guid}/keys", PublicKeys).WithSummary("A user's public signing and encryption keys").ProducesProblems(404);
        users.MapGet("/{id:guid}/card", Card).RequireAuthorization(Policies.DirectoryUser).WithSummary("A professional's identity card, public keys and admin verification receipt").ProducesProblems(404);
        // POST, not a query string: emails must not end up in URLs (request logs, proxies, browser history).
        users.MapPost("/lookup", LookUp).RequireAuthorization(Policies.DirectoryUser).WithSummary("Find a verified professional's identity card by email").ProducesProblems(404);
        return app;
    }

    private static async Task<Accepted<RegistrationStartResponse>> Register(RegisterRequest r, RegistrationService s, CancellationToken ct) =>
        TypedResults.Accepted((string?)null, await s.StartAsync(r, ct));

    private static async Task<Created<RegisterResponse>> ConfirmRegistration(RegistrationConfirmRequest r, RegistrationService s, CancellationToken ct)
    {
        var res = await s.ConfirmAsync(r, ct);
        return TypedResults.Created($"/api/users/{res.UserId}/keys", res);
    }

    private static Task<PreloginResponse> Prelogin(PreloginRequest r, SignInService s, CancellationToken ct) => s.PreloginAsync(r, ct);

    private static Task<LoginChallengeResponse> Login(LoginRequest r, SignInService s, CancellationToken ct) => s.LoginAsync(r, ct);

    /// <summary>
    /// Lets the sign-in page say where a code went. Only the channel and the outbox folder as configured (relative, as the
    /// operator wrote it): no host name, credentials or absolute path.
    /// </summary>
    private static CodeDeliveryResponse CodeDelivery(IOptions<MessagingOptions> messaging, IOptions<MedLedger.Server.Infrastructure.Data.StorageOptions> storage) =>
        string.IsNullOrWhiteSpace(messaging.Value.SmtpHost)
            ? new CodeDeliveryResponse("outbox", Path.IsPathRooted(storage.Value.DataDirectory) ? null : Path.Combine(storage.Value.DataDirectory, "outbox"))
            : new CodeDeliveryResponse("email", null);

    private static async Task<Accepted> SendEmailCode(EmailCodeRequest r, SignInService s, CancellationToken ct)
    {
        await s.SendEmailCodeAsync(r, ct);
        return TypedResults.Accepted((string?)null);
    }

    private static Task<TokenResponse> VerifyCode(VerifyOtpRequest r, SignInService s, CancellationToken ct) => s.VerifyOtpAsync(r, ct);

    private static Task<TokenResponse> Refresh(RefreshRequest r, SessionService s, CancellationToken ct) => s.RefreshAsync(r, ct);

    private static HubTicketResponse HubTicket(Caller caller, HubTickets tickets)
    {
        var (ticket, expiresAt) = tickets.Issue(caller.SessionId);
        return new HubTicketResponse(ticket, expiresAt);
    }

    private static async Task<NoContent> Logout(Caller caller, SessionService s, CancellationToken ct)
    {
        await s.LogoutAsync(caller, ct);
        return TypedResults.NoContent();
    }

    private static Task<PasswordChangeNonceResponse> PasswordChangeNonce(Caller caller, PasswordChangeService s, CancellationToken ct) => s.IssueNonceAsync(caller.Id, ct);

    private static async Task<NoContent> ChangePassword(ChangePasswordRequest r, Caller caller, PasswordChangeService s, CancellationToken ct)
    {
        await s.ChangeAsync(caller, r, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Accepted<RecoveryStartResponse>> StartRecovery(RecoveryStartRequest r, AccountRecoveryService s, CancellationToken ct) =>
        TypedResults.Accepted((string?)null, await s.StartAsync(r, ct));

    private static Task<RecoveryBundleResponse> VerifyRecovery(RecoveryVerifyRequest r, AccountRecoveryService s, CancellationToken ct) => s.VerifyAsync(r, ct);

    private static async Task<NoContent> CompleteRecovery(RecoveryCompleteRequest r, AccountRecoveryService s, CancellationToken ct)
    {
        await s.CompleteAsync(r, ct);
        return TypedResults.NoContent();
    }

    private static Task<TotpEnrollmentResponse> BeginTotp(TotpEnrollRequest r, Caller caller, TotpEnrolmentService s, CancellationToken ct) => s.BeginAsync(caller.Id, r, ct);

    private static async Task<NoContent> ConfirmTotp(TotpConfirmRequest r, Caller caller, TotpEnrolmentService s, CancellationToken ct)
    {
        await s.ConfirmAsync(caller.Id, r, ct);
        return TypedResults.NoContent();
    }

    private static Task<MeResponse> Me(Caller caller, SessionService s, CancellationToken ct) => s.MeAsync(caller.Id, ct);

    private static Task<OwnKeyBundleResponse> OwnKeys(Caller caller, KeyDirectoryService s, CancellationToken ct) => s.OwnKeyBundleAsync(caller.Id, ct);

    private static async Task<NoContent> UpdateProfile(ProfileUpdate u, Caller caller, KeyDirectoryService s, CancellationToken ct)
    {
        await s.UpdateProfileAsync(caller.Id, u, ct);
        return TypedResults.NoContent();
    }

    private static Task<PublicKeysResponse> PublicKeys(Guid id, KeyDirectoryService s, CancellationToken ct) => s.PublicKeysAsync(id, ct);

    private static Task<IdentityCardResponse> Card(Guid id, Caller caller, IdentityCardService s, CancellationToken ct) => s.CardAsync(caller, id, ct);

    private static Task<IdentityCardResponse> LookUp(UserLookupRequest r, IdentityCardService s, CancellationToken ct) => s.LookUpAsync(r.Email, ct);
}

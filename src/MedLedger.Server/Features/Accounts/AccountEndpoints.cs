using MedLedger.Server.Infrastructure.Auth;
using Microsoft.Extensions.Options;
using MedLedger.Server.Infrastructure.Data;

namespace MedLedger.Server.Features.Accounts;

public static class AccountEndpoints
{
    public static IServiceCollection AddAccounts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>().Bind(configuration.GetSection(AuthOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => ServerSecrets.LoadOrCreate(sp.GetRequiredService<IOptions<StorageOptions>>().Value.DataDirectory));
        services.AddScoped<AccountDirectory>();
        services.AddScoped<LoginAttempts>();
        services.AddScoped<EmailCodeSender>();
        services.AddScoped<NewPasswordMaterial>();
        services.AddScoped<RegistrationService>();
        services.AddScoped<SignInService>();
        services.AddScoped<SessionService>();
        services.AddScoped<TotpEnrolmentService>();
        services.AddScoped<PasswordChangeService>();
        services.AddScoped<AccountRecoveryService>();
        services.AddScoped<KeyDirectoryService>();
        services.AddScoped<AccountStandingService>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccounts(this IEndpointRouteBuilder app)
    {
        var auth = app.MapGroup("/api/auth").WithTags("Authentication");
        auth.MapPost("/register", Register).AllowAnonymous();
        auth.MapPost("/prelogin", Prelogin).AllowAnonymous();
        auth.MapPost("/login", Login).AllowAnonymous();
        auth.MapPost("/login/email-code", SendEmailCode).AllowAnonymous();
        auth.MapPost("/login/verify", VerifyCode).AllowAnonymous();
        auth.MapPost("/refresh", Refresh).AllowAnonymous();
        auth.MapPost("/logout", Logout).RequireAuthorization();
        auth.MapPost("/password", ChangePassword).RequireAuthorization();
        auth.MapPost("/recovery/start", StartRecovery).AllowAnonymous();
        auth.MapPost("/recovery/verify", VerifyRecovery).AllowAnonymous();
        auth.MapPost("/recovery/complete", CompleteRecovery).AllowAnonymous();
        auth.MapPost("/totp/enroll", BeginTotp).RequireAuthorization();
        auth.MapPost("/totp/confirm", ConfirmTotp).RequireAuthorization();

        var me = app.MapGroup("/api/me").WithTags("Accounts").RequireAuthorization();
        me.MapGet("/", Me);
        me.MapGet("/keys", OwnKeys);
        me.MapPut("/profile", UpdateProfile);

        var users = app.MapGroup("/api/users").WithTags("Accounts").RequireAuthorization();
        users.MapGet("/{id:guid}/keys", PublicKeys);
        // POST, not a query string: emails must not end up in URLs (request logs, proxies, browser history).
        users.MapPost("/lookup", LookUp);
        return app;
    }

    private static async Task<IResult> Register(RegisterRequest r, RegistrationService s, CancellationToken ct)
    {
        var res = await s.RegisterAsync(r, ct);
        return Results.Created($"/api/users/{res.UserId}/keys", res);
    }

    private static Task<PreloginResponse> Prelogin(PreloginRequest r, SignInService s, CancellationToken ct) => s.PreloginAsync(r, ct);

    private static Task<LoginChallengeResponse> Login(LoginRequest r, SignInService s, CancellationToken ct) => s.LoginAsync(r, ct);

    private static async Task<IResult> SendEmailCode(EmailCodeRequest r, SignInService s, CancellationToken ct)
    {
        await s.SendEmailCodeAsync(r, ct);
        return Results.Accepted();
    }

    private static Task<TokenResponse> VerifyCode(VerifyOtpRequest r, SignInService s, CancellationToken ct) => s.VerifyOtpAsync(r, ct);

    private static Task<TokenResponse> Refresh(RefreshRequest r, SessionService s, CancellationToken ct) => s.RefreshAsync(r, ct);

    private static async Task<IResult> Logout(Caller caller, SessionService s, CancellationToken ct)
    {
        await s.LogoutAsync(caller, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> ChangePassword(ChangePasswordRequest r, Caller caller, PasswordChangeService s, CancellationToken ct)
    {
        await s.ChangeAsync(caller, r, ct);
        return Results.NoContent();
    }

    private static async Task<IResult> StartRecovery(RecoveryStartRequest r, AccountRecoveryService s, CancellationToken ct) =>
        Results.Accepted(value: await s.StartAsync(r, ct));

    private static Task<RecoveryBundleResponse> VerifyRecovery(RecoveryVerifyRequest r, AccountRecoveryService s, CancellationToken ct) => s.VerifyAsync(r, ct);

    private static async Task<IResult> CompleteRecovery(RecoveryCompleteRequest r, AccountRecoveryService s, CancellationToken ct)
    {
        await s.CompleteAsync(r, ct);
        return Results.NoContent();
    }

    private static Task<TotpEnrollmentResponse> BeginTotp(Caller caller, TotpEnrolmentService s, CancellationToken ct) => s.BeginAsync(caller.Id, ct);

    private static async Task<IResult> ConfirmTotp(TotpConfirmRequest r, Caller caller, TotpEnrolmentService s, CancellationToken ct)
    {
        await s.ConfirmAsync(caller.Id, r, ct);
        return Results.NoContent();
    }

    private static Task<MeResponse> Me(Caller caller, SessionService s, CancellationToken ct) => s.MeAsync(caller.Id, ct);

    private static Task<OwnKeyBundleResponse> OwnKeys(Caller caller, KeyDirectoryService s, CancellationToken ct) => s.OwnKeyBundleAsync(caller.Id, ct);

    private static async Task<IResult> UpdateProfile(ProfileUpdate u, Caller caller, KeyDirectoryService s, CancellationToken ct)
    {
        await s.UpdateProfileAsync(caller.Id, u, ct);
        return Results.NoContent();
    }

    private static Task<PublicKeysResponse> PublicKeys(Guid id, KeyDirectoryService s, CancellationToken ct) => s.PublicKeysAsync(id, ct);

    private static Task<PublicKeysResponse> LookUp(UserLookupRequest r, KeyDirectoryService s, CancellationToken ct) => s.PublicKeysByEmailAsync(r.Email, ct);
}

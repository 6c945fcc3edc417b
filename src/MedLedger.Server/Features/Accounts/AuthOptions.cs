using System.ComponentModel.DataAnnotations;

namespace MedLedger.Server.Features.Accounts;

public sealed class AuthOptions
{
    public const string Section = "Auth";

    [Range(typeof(TimeSpan), "00:01:00", "01:00:00")]
    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromMinutes(15);

    [Range(typeof(TimeSpan), "00:10:00", "90.00:00:00")]
    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromDays(14);

    [Range(typeof(TimeSpan), "00:00:10", "00:30:00")]
    public TimeSpan LoginTicketLifetime { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:10", "00:30:00")]
    public TimeSpan EmailCodeLifetime { get; set; } = TimeSpan.FromMinutes(10);

    [Range(1, 100)]
    public int MaxFailedAttempts { get; set; } = 5;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>PBKDF2 rounds for the server-side hash of the (already high-entropy) authentication key.</summary>
    [Range(10_000, 10_000_000)]
    public int ServerHashIterations { get; set; } = 100_000;

    /// <summary>
    /// Requests per minute one client address may make to /api/auth (login, codes, recovery): slows
    /// credential stuffing across many accounts, which per-account lockout alone does not.
    /// </summary>
    [Range(1, 1_000_000)]
    public int AuthRequestsPerMinutePerAddress { get; set; } = 300;

    /// <summary>
    /// Once an account has an authenticator app, sign-in accepts only its codes: an emailed code would let whoever reads
    /// the mailbox skip the second factor. Off only for the demo server, whose seeded accounts sign in by emailed code.
    /// </summary>
    public bool TotpReplacesEmailCode { get; set; } = true;

    /// <summary>
    /// Recovery starts (each emails a code) one account may have per hour; beyond it the start is answered the same
    /// but sends nothing, so nobody can flood a mailbox or farm recovery tickets for one account.
    /// </summary>
    [Range(1, 100)]
    public int RecoveryStartsPerAccountPerHour { get; set; } = 3;

    /// <summary>Issuer shown in authenticator apps.</summary>
    [Required]
    public string TotpIssuer { get; set; } = "MedLedger";
}

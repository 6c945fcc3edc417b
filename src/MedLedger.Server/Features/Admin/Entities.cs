using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Admin;

public enum SecurityEventKind
{
    Registered,
    LoginCredentialAccepted,
    LoginFailed,
    OtpFailed,
    OtpReplayRejected,
    LoginSucceeded,
    Lockout,
    TotpEnrolled,
    Logout,
    RefreshReuseDetected,
    VerificationApproved,
    VerificationRejected,
    Suspended,
    Reinstated,
    AccessDenied,
    AdminCreated,
    PasswordChanged,
    Recovered,
    /// <summary>A caller's refused record accesses in one window beyond the first (detail: window, count, rateLimited).</summary>
    AccessDeniedSummary,
    /// <summary>A recovery start beyond the account's hourly limit: answered like any other, no code sent.</summary>
    RecoveryLimited,
    /// <summary>Staff changed a decided organization's card; it is back in the admin's queue (subject: the organization).</summary>
    OrganizationCardChanged,
    /// <summary>An admin suspended an organization (subject: the organization; detail: the reason code).</summary>
    OrganizationSuspended,
    /// <summary>An admin reinstated an organization (subject: the organization; detail: the reason code).</summary>
    OrganizationReinstated,
}

/// <summary>Who did what and when. Ids only: no emails, names or content (they would leak into backups and exports).</summary>
public sealed class SecurityEvent
{
    public long Id { get; set; }
    public DateTimeOffset At { get; set; }
    public SecurityEventKind Kind { get; set; }
    public Guid? ActorId { get; set; }
    public Guid? SubjectId { get; set; }
    public string? Detail { get; set; }
    public string? RemoteAddress { get; set; }
}

internal sealed class SecurityEventConfiguration : IEntityTypeConfiguration<SecurityEvent>
{
    public void Configure(EntityTypeBuilder<SecurityEvent> b)
    {
        b.ToTable("security_events");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).ValueGeneratedOnAdd();
        b.Property(x => x.Detail).HasMaxLength(500);
        b.Property(x => x.RemoteAddress).HasMaxLength(64);
        b.HasIndex(x => x.At);
        b.HasIndex(x => x.Kind);
        b.HasIndex(x => x.SubjectId);
    }
}

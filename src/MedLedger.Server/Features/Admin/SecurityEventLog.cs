using MedLedger.Server.Infrastructure.Data;

namespace MedLedger.Server.Features.Admin;

/// <summary>Appends security events. Saved immediately and separately, so a refused request still leaves its trace.</summary>
public sealed class SecurityEventLog(MedLedgerDbContext db, TimeProvider clock, IHttpContextAccessor http)
{
    public async Task RecordAsync(SecurityEventKind kind, Guid? actorId, Guid? subjectId, string? detail = null, CancellationToken cancellationToken = default)
    {
        db.SecurityEvents.Add(new SecurityEvent
        {
            At = clock.GetUtcNow(),
            Kind = kind,
            ActorId = actorId,
            SubjectId = subjectId,
            Detail = detail,
            RemoteAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}

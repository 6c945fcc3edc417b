using System.Collections.Concurrent;

namespace MedLedger.Server.Infrastructure.Auth;

/// <summary>
/// Single-use, short-lived tickets for opening a hub connection. Browsers cannot put headers on a WebSocket, so the
/// credential has to travel in the URL, where request logs, proxies and history keep it; a ticket that works once,
/// for a few seconds, and only on /hubs is worthless there, unlike the bearer token it stands in for.
/// Held in memory: a ticket lives seconds and the server is one process (it is also the ledger peer).
/// </summary>
public sealed class HubTickets(TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (Guid SessionId, DateTimeOffset ExpiresAt)> _open = new(StringComparer.Ordinal);

    public (string Ticket, DateTimeOffset ExpiresAt) Issue(Guid sessionId)
    {
        var now = clock.GetUtcNow();
        foreach (var (key, value) in _open)
        {
            if (value.ExpiresAt <= now)
            {
                _open.TryRemove(key, out _);
            }
        }
        var ticket = Features.Accounts.AccountRules.NewToken();
        var expiresAt = now + Lifetime;
        _open[ticket] = (sessionId, expiresAt);
        return (ticket, expiresAt);
    }

    /// <summary>The session the ticket was issued to, or null; the ticket is gone either way (TryRemove: one use wins).</summary>
    public Guid? Redeem(string ticket) =>
        _open.TryRemove(ticket, out var t) && t.ExpiresAt > clock.GetUtcNow() ? t.SessionId : null;
}

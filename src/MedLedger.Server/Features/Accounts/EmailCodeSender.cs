using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>Puts a fresh emailed one-time code on a challenge (only its hash is stored) and sends it.</summary>
public sealed class EmailCodeSender(MedLedgerDbContext db, IOptions<AuthOptions> options, TimeProvider clock, IMessageSender messages)
{
    public async Task SendAsync(LoginChallenge challenge, UserAccount user, string subject, Func<string, string> body, CancellationToken ct)
    {
        var code = AccountRules.NewEmailCode();
        var now = clock.GetUtcNow();
        challenge.EmailCodeHash = AccountRules.EmailCodeHash(challenge.Id, code);
        challenge.EmailCodeExpiresAt = now + options.Value.EmailCodeLifetime;
        challenge.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        await messages.SendAsync(new OutgoingMessage(user.Email, subject, body(code), now), ct);
    }
}

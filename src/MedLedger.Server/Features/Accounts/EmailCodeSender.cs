using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Messaging;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Features.Accounts;

/// <summary>
/// Puts a fresh emailed one-time code on a challenge (only its hash is stored) and queues it for sending: the request
/// does not wait for the mail, so answering for a real account takes no longer than for a decoy.
/// </summary>
public sealed class EmailCodeSender(MedLedgerDbContext db, IOptions<AuthOptions> options, TimeProvider clock, OneTimeCodeQueue messages)
{
    public async Task SendAsync(LoginChallenge challenge, UserAccount user, string subject, Func<string, string> body, CancellationToken ct)
    {
        // A new code replaces the challenge's previous one, which stops working: withdraw it too.
        await messages.WithdrawCodeAsync(challenge.Id, ct);
        var code = AccountRules.NewEmailCode();
        var now = clock.GetUtcNow();
        challenge.EmailCodeHash = AccountRules.EmailCodeHash(challenge.Id, code);
        challenge.EmailCodeExpiresAt = now + options.Value.EmailCodeLifetime;
        challenge.ConcurrencyStamp = Guid.NewGuid();
        await db.SaveChangesAsync(ct);
        await messages.SendAsync(new OutgoingMessage(user.Email, subject, body(code), now, challenge.Id, challenge.EmailCodeExpiresAt), ct);
    }

    /// <summary>The challenge's code was used: it must not linger in a local outbox.</summary>
    public ValueTask WithdrawAsync(Guid challengeId, CancellationToken ct) => messages.WithdrawCodeAsync(challengeId, ct);
}

using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Mail;
using System.Text.Json;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Infrastructure.Messaging;

/// <param name="CodeFor">The challenge whose one-time code the message carries, if any (so the code can be withdrawn).</param>
/// <param name="ExpiresAt">When the carried code stops working.</param>
public sealed record OutgoingMessage(string To, string Subject, string Body, DateTimeOffset At, Guid? CodeFor = null, DateTimeOffset? ExpiresAt = null);

/// <summary>Delivers one-time codes and notifications to a user's email.</summary>
public interface IMessageSender
{
    Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken);

    /// <summary>The code sent for <paramref name="codeFor"/> was used or replaced: forget it where the sender can.</summary>
    Task WithdrawCodeAsync(Guid codeFor, CancellationToken cancellationToken);
}

public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>When set, mail goes over SMTP; otherwise into the local outbox folder.</summary>
    public string? SmtpHost { get; set; }

    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;

    public string? SmtpUser { get; set; }
    public string? SmtpPassword { get; set; }
    public bool SmtpEnableSsl { get; set; } = true;

    [EmailAddress]
    public string From { get; set; } = "no-reply@medledger.local";
}

/// <summary>
/// Embedded default: one JSON file per message under data/outbox, for local use only. One-time codes are deleted
/// when used, replaced or expired: the folder keeps no code longer than it is useful.
/// </summary>
public sealed class OutboxMessageSender(IOptions<StorageOptions> storage, TimeProvider clock) : IMessageSender
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static long _sequence;

    public string Folder => Path.Combine(storage.Value.DataDirectory, "outbox");

    public async Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        DeleteExpired();
        // Real time plus a sequence, not message.At: names must sort in send order even under a test clock.
        // The name ends in the challenge id for a code, so withdrawing it needs no file reads.
        var name = $"{DateTime.UtcNow.Ticks:D20}-{Interlocked.Increment(ref _sequence):D10}-{message.CodeFor ?? Guid.NewGuid():N}.json";
        // Write then rename: a reader never sees a half-written message.
        var temp = Path.Combine(Folder, "." + name + ".tmp");
        await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(message, Json), cancellationToken);
        File.Move(temp, Path.Combine(Folder, name));
    }

    /// <summary>Messages to one address, newest first (used by the demo-only dev endpoint).</summary>
    public IReadOnlyList<OutgoingMessage> ReadFor(string to, int max = 20)
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }
        DeleteExpired();
        return Directory.EnumerateFiles(Folder, "*.json")
            .OrderByDescending(f => Path.GetFileName(f), StringComparer.Ordinal)
            .Select(TryRead)
            .OfType<OutgoingMessage>()
            .Where(m => string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase))
            .Take(max)
            .ToList();
    }

    public Task WithdrawCodeAsync(Guid codeFor, CancellationToken cancellationToken)
    {
        if (Directory.Exists(Folder))
        {
            foreach (var f in Directory.EnumerateFiles(Folder, $"*-{codeFor:N}.json"))
            {
                DeleteQuietly(f);
            }
        }
        return Task.CompletedTask;
    }

    private void DeleteExpired()
    {
        var now = clock.GetUtcNow();
        foreach (var f in Directory.EnumerateFiles(Folder, "*.json"))
        {
            if (TryRead(f)?.ExpiresAt is { } expires && expires <= now)
            {
                DeleteQuietly(f);
            }
        }
    }

    /// <summary>Null when the file was deleted (a code used or expired) between listing and reading.</summary>
    private static OutgoingMessage? TryRead(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<OutgoingMessage>(File.ReadAllText(path), Json);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Another request removed it first.
        }
    }
}

public sealed class SmtpMessageSender(IOptions<MessagingOptions> options) : IMessageSender
{
    public async Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var o = options.Value;
        using var client = new SmtpClient(o.SmtpHost, o.SmtpPort) { EnableSsl = o.SmtpEnableSsl };
        if (o.SmtpUser is not null)
        {
            client.Credentials = new NetworkCredential(o.SmtpUser, o.SmtpPassword);
        }
        using var mail = new MailMessage(o.From, message.To, message.Subject, message.Body);
        await client.SendMailAsync(mail, cancellationToken);
    }

    // Sent mail cannot be recalled; the code itself is already dead on the server (consumed or replaced).
    public Task WithdrawCodeAsync(Guid codeFor, CancellationToken cancellationToken) => Task.CompletedTask;
}

using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Mail;
using System.Text.Json;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.Extensions.Options;

namespace MedLedger.Server.Infrastructure.Messaging;

public sealed record OutgoingMessage(string To, string Subject, string Body, DateTimeOffset At);

/// <summary>Delivers one-time codes and notifications to a user's email.</summary>
public interface IMessageSender
{
    Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken);
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

/// <summary>Embedded default: one JSON file per message under data/outbox, for local use only.</summary>
public sealed class OutboxMessageSender(IOptions<StorageOptions> storage) : IMessageSender
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static long _sequence;

    public string Folder => Path.Combine(storage.Value.DataDirectory, "outbox");

    public async Task SendAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        // Real time plus a sequence, not message.At: names must sort in send order even under a test clock.
        var name = $"{DateTime.UtcNow.Ticks:D20}-{Interlocked.Increment(ref _sequence):D10}-{Guid.NewGuid():N}.json";
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
        return Directory.EnumerateFiles(Folder, "*.json")
            .OrderByDescending(f => Path.GetFileName(f), StringComparer.Ordinal)
            .Select(f => JsonSerializer.Deserialize<OutgoingMessage>(File.ReadAllText(f), Json)!)
            .Where(m => string.Equals(m.To, to, StringComparison.OrdinalIgnoreCase))
            .Take(max)
            .ToList();
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
}

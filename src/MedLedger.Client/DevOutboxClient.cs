using System.Text.RegularExpressions;

namespace MedLedger.Client;

/// <summary>A message from the server's local outbox (the embedded message sender).</summary>
public sealed record DevOutboxMessage(string To, string Subject, string Body, DateTimeOffset At);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Demo and test only: messages the server's local outbox holds for an address, newest first.
    /// The endpoint exists only on a server started with --demo and answers only loopback callers; a real server mails the code instead.
    /// </summary>
    public Task<IReadOnlyList<DevOutboxMessage>> ReadDevOutboxAsync(string email, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<DevOutboxMessage>>(HttpMethod.Post, "/api/dev/outbox", new { to = email }, authorize: false, ct);

    /// <summary>The 6-digit code in a sign-in or recovery message.</summary>
    public static string CodeIn(DevOutboxMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var m = SixDigits().Match(message.Body);
        return m.Success ? m.Groups[1].Value : throw new InvalidOperationException("The message carries no 6-digit code.");
    }

    /// <summary>Demo and test only: both login steps, with the emailed code read from the dev outbox.</summary>
    public async Task<Me> LoginWithDevOutboxAsync(string email, string password, CancellationToken ct = default)
    {
        var challenge = await StartLoginAsync(email, password, ct);
        if (!challenge.EmailCodeSent)
        {
            await RequestEmailCodeAsync(challenge, ct);
        }
        var newest = (await ReadDevOutboxAsync(email, ct)).FirstOrDefault()
            ?? throw new InvalidOperationException($"No message for {email} in the dev outbox.");
        return await CompleteLoginAsync(challenge, OtpMethod.Email, CodeIn(newest), ct);
    }

    /// <summary>Demo and test only: both sign-up steps, with the emailed registration code read from the dev outbox.</summary>
    public async Task<Registration> RegisterWithDevOutboxAsync(string email, string password, Role role, Guid? organizationId = null,
        NewOrganization? newOrganization = null, string? licenseNumber = null, CancellationToken ct = default,
        string? displayName = null, string? specialty = null)
    {
        var pending = await RegisterAsync(email, password, role, organizationId, newOrganization, licenseNumber, ct, displayName, specialty);
        var message = (await ReadDevOutboxAsync(email, ct)).FirstOrDefault(m => m.Subject.Contains("registration code", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No registration code for {email} in the dev outbox (is the address taken?).");
        return await ConfirmRegistrationAsync(pending, CodeIn(message), ct);
    }

    [GeneratedRegex(@"\b(\d{6})\b")]
    private static partial Regex SixDigits();
}

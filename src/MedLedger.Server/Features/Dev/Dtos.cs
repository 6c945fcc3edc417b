namespace MedLedger.Server.Features.Dev;

/// <summary>The address whose demo outbox to read; in the body so it stays out of URLs and request logs.</summary>
public sealed record DevOutboxRequest(string To);

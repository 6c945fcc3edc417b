using System.Security.Cryptography;
using System.Text;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>
/// Idempotency-Key handling for top-ups and payments (draft-ietf-httpapi-idempotency-key-header): a key is the caller's
/// own; its record is inserted in the same database transaction as the resource it makes, so of concurrent retries one
/// makes it and the others find it. The same key with a different request is a 422.
/// </summary>
public sealed class IdempotencyKeys(MedLedgerDbContext db)
{
    /// <summary>The key as sent, checked (1–128 visible ASCII characters, no spaces).</summary>
    public static string Require(string? key) =>
        key is { Length: >= 1 and <= PaymentLimits.IdempotencyKey } && key.All(c => c is > ' ' and <= '~')
            ? key
            : throw ProblemException.Invalid("Idempotency-Key", "Send an Idempotency-Key header (1 to 128 visible ASCII characters) so a retry never charges twice.");

    public static string Fingerprint(params string[] parts) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))));

    /// <summary>The resource a key already made for this request, or null when the key is unused.</summary>
    public async Task<Guid?> FindAsync(Guid callerId, string key, string operation, string fingerprint, CancellationToken ct)
    {
        var found = await db.Set<IdempotencyRecord>().AsNoTracking().FirstOrDefaultAsync(r => r.CallerId == callerId && r.Key == key, ct);
        if (found is null)
        {
            return null;
        }
        return found.Operation == operation && found.RequestHash == fingerprint
            ? found.ResultId
            : throw new ProblemException(422, "idempotency-key-reused", "Idempotency-Key reused", "This Idempotency-Key was used for a different request.");
    }

    /// <summary>Adds the key's record to the current unit of work (saved with the resource).</summary>
    public void Add(Guid callerId, string key, string operation, string fingerprint, Guid resultId, DateTimeOffset at) =>
        db.Add(new IdempotencyRecord { CallerId = callerId, Key = key, Operation = operation, RequestHash = fingerprint, ResultId = resultId, CreatedAt = at });

    /// <summary>Frees a key whose request failed, so the caller may retry with it.</summary>
    public Task ForgetAsync(Guid callerId, string key, CancellationToken ct) =>
        db.Set<IdempotencyRecord>().Where(r => r.CallerId == callerId && r.Key == key).ExecuteDeleteAsync(ct);
}

using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Identity freshness and admin key history (web/src/sdk/identity.ts mirrors it): "verified" is judged on the subject's
// latest identity state on the ledger, and an admin's signature on the key the admin held at that ledger position.

/// <summary>A user's identity state on the ledger (GET /api/ledger/identity/{id}): key versions oldest first, newest verification and standing.</summary>
public sealed record IdentityHistory(Guid UserId, IReadOnlyList<LedgerReceipt> Keys, LedgerReceipt? Verification, LedgerReceipt? Standing);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// When set, an admin verification committed at least this long ago (by the signed block time) is not called verified:
    /// a bound on how long a withdrawn approval can go unnoticed behind a server that omits the withdrawal.
    /// </summary>
    public TimeSpan? MaxVerificationAge { get; set; }

    public Task<IdentityHistory> IdentityHistoryAsync(Guid userId, CancellationToken ct = default) =>
        SendAsync<IdentityHistory>(HttpMethod.Get, $"/api/ledger/identity/{userId}", null, authorize: true, ct);

    /// <summary>
    /// Why the approval <paramref name="approval"/> (already checked to approve this card) is not the subject's latest
    /// identity state, or is too old; null when it stands.
    /// </summary>
    private async Task<string?> FreshnessProblemAsync(Guid subjectId, LedgerReceipt approval, CancellationToken ct)
    {
        var history = await IdentityHistoryAsync(subjectId, ct);
        if (history.UserId != subjectId)
        {
            return "the ledger history served is about someone else";
        }
        if (history.Verification is not { } latest)
        {
            return "the ledger holds no verification of this professional";
        }
        if (await ReceiptProblemAsync(latest, ct) is { } bad)
        {
            return bad;
        }
        var latestTx = latest.Transaction();
        if (latestTx.Type != VerifyContract.TypeName || latestTx.Get("subjectKind") != "user" || latestTx.Get("subjectId") != subjectId.ToString())
        {
            return "the ledger's latest verification is about something else";
        }
        if (latest.LogIndex < approval.LogIndex)
        {
            return "the ledger history served is older than the card's verification";
        }
        if (latest.TransactionId != approval.TransactionId)
        {
            // A newer decision than the one the card carries: only it counts.
            return latestTx.Get("decision") == "approved"
                ? "the card carries an older verification than the ledger's latest"
                : "an admin withdrew this professional's verification";
        }
        if (history.Standing is { } standing)
        {
            if (await ReceiptProblemAsync(standing, ct) is { } badStanding)
            {
                return badStanding;
            }
            var s = standing.Transaction();
            if (s.Type != StandingContract.TypeName || s.Get("subjectId") != subjectId.ToString())
            {
                return "the ledger's latest standing is about something else";
            }
            if (s.Get("standing") != StandingContract.Active)
            {
                return "an admin suspended this professional";
            }
        }
        if (MaxVerificationAge is { } max && DateTimeOffset.UtcNow - DateTimeOffset.FromUnixTimeMilliseconds(approval.Head.TimeMs) >= max)
        {
            return $"the verification is old (committed {DateTimeOffset.FromUnixTimeMilliseconds(approval.Head.TimeMs):yyyy-MM-dd}; this client accepts {max.TotalDays:0.#} days)";
        }
        return null;
    }

    /// <summary>
    /// Null when <paramref name="signed"/> (an identity.verify) was signed by the key its actor, a platform admin, had
    /// registered at that ledger position: the admin's registration and every rotation since, each rotation signed by the
    /// key before it. A verification signed by an earlier admin key stays valid after the admin rotates.
    /// </summary>
    private async Task<string?> AdminKeyProblemAsync(LedgerReceipt signed, CancellationToken ct)
    {
        var tx = signed.Transaction();
        if (!Guid.TryParse(tx.ActorId, out var adminId))
        {
            return "the verification is not signed by a registered platform admin";
        }
        var history = await IdentityHistoryAsync(adminId, ct);
        if (history.UserId != adminId || history.Keys.Count == 0)
        {
            return "the admin's key history is not on the ledger";
        }
        byte[]? inForce = null;
        byte[]? previous = null;
        var everHeld = new List<byte[]>();
        long lastIndex = -1;
        foreach (var receipt in history.Keys)
        {
            if (await ReceiptProblemAsync(receipt, ct) is { } bad)
            {
                return "the admin's key history does not verify: " + bad;
            }
            var k = receipt.Transaction();
            var first = previous is null;
            var chained = first
                ? k.Type == RegisterKeysContract.TypeName && k.Get("role") == IdentityRoles.PlatformAdmin
                : k.Type == RotateKeysContract.TypeName && k.SignerPublicKey.AsSpan().SequenceEqual(previous);
            if (!chained || k.Get("userId") != tx.ActorId || receipt.LogIndex <= lastIndex || k.Get("signingKey") is not { } keyB64)
            {
                return "the verification is not signed by a registered platform admin (its key history does not chain)";
            }
            var key = Convert.FromBase64String(keyB64);
            everHeld.Add(key);
            if (receipt.LogIndex < signed.LogIndex)
            {
                inForce = key;
            }
            previous = key;
            lastIndex = receipt.LogIndex;
        }
        if (inForce is not null && inForce.AsSpan().SequenceEqual(tx.SignerPublicKey))
        {
            return null;
        }
        return everHeld.Any(k => k.AsSpan().SequenceEqual(tx.SignerPublicKey))
            ? "the verification is signed by a key the admin did not hold at that point"
            : "the verification is signed by a key the admin never had";
    }

    private async Task<string?> ReceiptProblemAsync(LedgerReceipt receipt, CancellationToken ct)
    {
        try
        {
            await VerifyReceiptAsync(receipt, ct);
            return null;
        }
        catch (MedLedgerVerificationException e)
        {
            return e.Message;
        }
    }
}

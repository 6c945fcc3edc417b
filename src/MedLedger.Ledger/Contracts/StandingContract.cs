using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// State keys a client reads to take a subject's latest identity state (key history, standing) rather than the
/// server's word: each points at the transaction whose receipt proves it.
/// </summary>
public static class IdentityHistoryKeys
{
    /// <summary>Id of the transaction that set key version <paramref name="version"/> (1 = registration, then each rotation).</summary>
    public static string KeyVersion(string userId, int version) => $"identity/key-history/{userId}/{version.ToString("D6", CultureInfo.InvariantCulture)}";

    public static string KeyHistoryPrefix(string userId) => $"identity/key-history/{userId}/";

    /// <summary>"suspended" or "active": the latest identity.standing about the user.</summary>
    public static string Standing(string userId) => $"identity/standing/{userId}";

    /// <summary>Id of the newest identity.standing transaction about the user.</summary>
    public static string StandingTransaction(string userId) => $"identity/standing/{userId}/tx";
}

/// <summary>
/// identity.standing — payload subjectId, standing (suspended|active): an admin suspended or reinstated a user. Clients
/// read the newest one before calling a professional "verified", so a withdrawn approval is noticed. A peer may record
/// it (the admin's suspend endpoint is unsigned): a suspension only withdraws trust, and a forged reinstatement gives a
/// lying server no more than omitting the suspension would (docs/threat-model.md).
/// </summary>
public sealed class StandingContract : LedgerContract
{
    public const string TypeName = "identity.standing";
    public const string Suspended = "suspended";
    public const string Active = "active";
    public override string Type => TypeName;

    public static Dictionary<string, string> Payload(Guid subjectId, bool suspended) => new()
    {
        ["subjectId"] = subjectId.ToString(),
        ["standing"] = suspended ? Suspended : Active,
    };

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var signer = LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context);
        if (signer is not null || tx.IsSystemEvent)
        {
            return signer;
        }
        return LedgerAuthorization.IsAdmin(tx.ActorId, state) ? null : LedgerRejection.Forbidden("only a verified platform admin or a peer sets a user's standing");
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        LedgerRejection? r = null;
        var subject = Required(tx, "subjectId", ref r);
        var standing = Required(tx, "standing", ref r);
        if (r is not null)
        {
            return r;
        }
        if (standing is not (Suspended or Active))
        {
            return LedgerRejection.Malformed("standing must be suspended or active");
        }
        return state.Get(IdentityKeys.Signing(subject!)) is null ? LedgerRejection.Conflict($"user {subject} has no registered keys") : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var subject = tx.Get("subjectId")!;
        state.Put(IdentityHistoryKeys.Standing(subject), tx.Get("standing")!);
        state.Put(IdentityHistoryKeys.StandingTransaction(subject), tx.Id);
    }
}

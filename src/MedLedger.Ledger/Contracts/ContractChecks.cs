namespace MedLedger.Ledger.Contracts;

/// <summary>A contract whose transactions only a user signs, with their currently registered key (never a peer).</summary>
public abstract class UserSignedContract : LedgerContract
{
    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireUserActor(tx) ?? LedgerAuthorization.RequireActorKey(tx, state);
}

internal static class ContractChecks
{
    public static bool IsVerified(IStateReader state, string userId, string role) =>
        state.Get(IdentityKeys.Role(userId)) == role && state.Get(IdentityKeys.Verification("user", userId)) == "approved";

    public static bool IsGuid(string? s) => Guid.TryParseExact(s, "D", out _);

    public static bool IsHash(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public static LedgerRejection? RequireIds(LedgerTransaction tx, params string[] keys)
    {
        foreach (var k in keys)
        {
            if (!IsGuid(tx.Get(k)))
            {
                return LedgerRejection.Malformed($"payload '{k}' must be a UUID");
            }
        }
        return null;
    }

    /// <summary>The actor must be the user named by <paramref name="payloadKey"/>, signing with their registered key.</summary>
    public static LedgerRejection? RequireActorIs(LedgerTransaction tx, IStateReader state, string payloadKey, string refusal)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return tx.IsSystemEvent || tx.ActorId != tx.Get(payloadKey)
            ? LedgerRejection.Forbidden(refusal)
            : LedgerAuthorization.RequireActorKey(tx, state);
    }

    public static LedgerRejection? RequireUserActor(LedgerTransaction tx) =>
        tx.IsSystemEvent ? LedgerRejection.Forbidden($"{tx.Type} must be signed by a user, not a peer") : null;
}

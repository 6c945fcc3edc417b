namespace MedLedger.Ledger.Contracts;

/// <summary>
/// identity.org-standing — payload organizationId, standing (suspended|active), reason (a code from <see cref="Reasons"/>,
/// never free text): a platform admin suspended or reinstated an organization. Signed by the admin's own key (never a
/// peer): clients treat a suspended organization as not verified, and a reinstatement must not be forgeable by the
/// server. Setting the standing it already has is a conflict (an organization never suspended is active).
/// </summary>
public sealed class OrganizationStandingContract : LedgerContract
{
    public const string TypeName = "identity.org-standing";
    public const string Suspended = "suspended";
    public const string Active = "active";
    public override string Type => TypeName;

    /// <summary>Why, as a code a screen translates; free text would put words about an organization on the ledger for good.</summary>
    public static readonly IReadOnlySet<string> Reasons = new HashSet<string>(StringComparer.Ordinal)
        { "licence-withdrawn", "under-investigation", "requested-by-organization", "resolved", "other" };

    public static Dictionary<string, string> Payload(Guid organizationId, bool suspended, string reason) => new()
    {
        ["organizationId"] = organizationId.ToString(),
        ["standing"] = suspended ? Suspended : Active,
        ["reason"] = reason,
    };

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var signer = LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context);
        if (signer is not null)
        {
            return signer;
        }
        return !tx.IsSystemEvent && LedgerAuthorization.IsAdmin(tx.ActorId, state)
            ? null
            : LedgerRejection.Forbidden("an organization's standing is set only by a platform admin's own signature");
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        LedgerRejection? r = null;
        var org = Required(tx, "organizationId", ref r);
        var standing = Required(tx, "standing", ref r);
        var reason = Required(tx, "reason", ref r);
        if (r is not null)
        {
            return r;
        }
        if (!Guid.TryParse(org, out var id) || id.ToString() != org)
        {
            return LedgerRejection.Malformed("organizationId must be a lower-case GUID");
        }
        if (standing is not (Suspended or Active))
        {
            return LedgerRejection.Malformed("standing must be suspended or active");
        }
        if (!Reasons.Contains(reason!))
        {
            return LedgerRejection.Malformed($"reason must be one of {string.Join(", ", Reasons.Order(StringComparer.Ordinal))}");
        }
        var current = state.Get(OrganizationStandingKeys.Standing(org!)) ?? Active;
        return current == standing ? LedgerRejection.Conflict($"organization {org} is already {standing}") : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var org = tx.Get("organizationId")!;
        state.Put(OrganizationStandingKeys.Standing(org), tx.Get("standing")!);
        state.Put(OrganizationStandingKeys.Transaction(org), tx.Id);
    }
}

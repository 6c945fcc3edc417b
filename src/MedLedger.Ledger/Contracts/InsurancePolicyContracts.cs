using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// insurance.policy — a patient's policy with an insurer (docs/insurance.md "Policy ledger state"). Payload key "action":
/// <list type="bullet">
/// <item>issue: exactly action, policyId, insurerId, patientId, planId, planRevision, termsHash (SHA-256 hex of the plan's
/// canonical terms at that revision), periodStartMs, periodEndMs, currency, premiumMinor, annualLimitMinor and one
/// "benefit.&lt;tag&gt;" entry per benefit (1–16) whose value is "percent:P:LIMIT:WAITDAYS" or "copay:C:LIMIT:WAITDAYS". The tag
/// is hex(SHA-256(canonical(medledger/v1/insurance-category-tag, policyId, categorySalt, category))): the category itself is never
/// on the ledger. Signed by verified insurer staff (the server checks they work at insurerId: the ledger holds no memberships).
/// Creates the policy pending, and the slot (patient, plan, period start) once: a second issue for it is a conflict.</item>
/// <item>renew: the issue payload plus previousPolicyId (an active policy of the same patient and insurer whose period ends where
/// this one starts); the previous policy becomes renewed.</item>
/// <item>activate: action, policyId, coverStartMs (period start ≤ cover start &lt; period end) from pending: a peer's system
/// event when the premium payable is paid, or insurer staff marking it paid. A mark also takes the premium's payment reference
/// (pay-ref/policy/&lt;policyId&gt;, <see cref="PremiumReferenceKind"/>) and is refused when a wallet payment took it first, so of a
/// wallet payment and a mark exactly one settles the premium: a payments.pay after the mark finds the reference taken.</item>
/// <item>suspend (action, policyId, reason code) from active and reinstate (action, policyId) from suspended: insurer staff.</item>
/// <item>expire (action, policyId) from pending, active or suspended, once the transaction's time is past the period end: a
/// peer's system event only.</item>
/// </list>
/// </summary>
public sealed class InsurancePolicyContract : LedgerContract
{
    public const string TypeName = "insurance.policy";
    public const string Issue = "issue";
    public const string Renew = "renew";
    public const string Activate = "activate";
    public const string Suspend = "suspend";
    public const string Reinstate = "reinstate";
    public const string Expire = "expire";

    public const string Pending = "pending";
    public const string Active = "active";
    public const string Suspended = "suspended";
    public const string Expired = "expired";
    public const string Renewed = "renewed";

    public const string BenefitPrefix = "benefit.";
    /// <summary>The payable reference kind of a policy's premium (its id is the policy id): a mark-paid takes pay-ref/policy/&lt;id&gt;.</summary>
    public const string PremiumReferenceKind = "policy";
    public const int MaxBenefits = 16;
    public const int MaxWaitingPeriodDays = 730;
    /// <summary>A policy period is at most a leap year long.</summary>
    public const long MaxPeriodMs = 366L * 24 * 60 * 60 * 1000;

    /// <summary>Why insurer staff suspend a policy: codes only (free text could carry a diagnosis).</summary>
    public static readonly IReadOnlySet<string> SuspendReasons = new HashSet<string>(StringComparer.Ordinal)
        { "premium-unpaid", "fraud-suspected", "patient-request", "other" };

    private static readonly string[] IssueKeys =
        ["action", "policyId", "insurerId", "patientId", "planId", "planRevision", "termsHash", "periodStartMs", "periodEndMs", "currency", "premiumMinor", "annualLimitMinor"];

    public override string Type => TypeName;

    /// <summary>The benefit value the issue payload and the state carry.</summary>
    public static string BenefitTerms(int? coveragePercent, long? copayMinor, long annualLimitMinor, int waitingPeriodDays) =>
        (coveragePercent is { } p ? $"percent:{N(p)}" : $"copay:{N(copayMinor ?? 0)}") + $":{N(annualLimitMinor)}:{N(waitingPeriodDays)}";

    /// <summary>Parses a benefit value; false when malformed.</summary>
    public static bool TryParseBenefit(string? value, out int? coveragePercent, out long? copayMinor, out long annualLimitMinor, out int waitingPeriodDays)
    {
        coveragePercent = null;
        copayMinor = null;
        annualLimitMinor = 0;
        waitingPeriodDays = 0;
        var parts = value?.Split(':') ?? [];
        if (parts.Length != 4 || !Long(parts[1], out var n) || !Long(parts[2], out annualLimitMinor) || !Long(parts[3], out var wait)
            || annualLimitMinor is < 1 or > PaymentPayContract.MaxAmount || wait > MaxWaitingPeriodDays)
        {
            return false;
        }
        waitingPeriodDays = (int)wait;
        switch (parts[0])
        {
            case "percent" when n is >= 1 and <= 100:
                coveragePercent = (int)n;
                return true;
            case "copay" when n <= PaymentPayContract.MaxAmount:
                copayMinor = n;
                return true;
            default:
                return false;
        }
    }

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return tx.Get("action") switch
        {
            Expire => tx.IsSystemEvent ? LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context) : LedgerRejection.Forbidden("only the platform expires a policy"),
            Activate => LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context),
            _ => ContractChecks.RequireUserActor(tx) ?? LedgerAuthorization.RequireActorKey(tx, state),
        };
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var action = tx.Get("action");
        if (action is Issue or Renew)
        {
            return ValidateIssue(tx, state, action == Renew);
        }
        var expected = action switch { Activate or Suspend => 3, Reinstate or Expire => 2, _ => -1 };
        if (tx.Payload.Count != expected || ContractChecks.RequireIds(tx, "policyId") is not null
            || (action == Activate && !Long(tx.Get("coverStartMs"), out _))
            || (action == Suspend && !SuspendReasons.Contains(tx.Get("reason") ?? "")))
        {
            return LedgerRejection.Malformed("a policy change carries action (issue, renew, activate, suspend, reinstate, expire) and policyId, with coverStartMs when activating and reason (a code) when suspending");
        }
        var id = tx.Get("policyId")!;
        if (state.Get(InsurancePolicyKeys.Status(id)) is not { } current)
        {
            return LedgerRejection.Conflict($"no policy {id}");
        }
        var to = action switch { Activate or Reinstate => Active, Suspend => Suspended, _ => Expired };
        if (!Allowed(current, to) || (action == Activate && current != Pending) || (action == Reinstate && current != Suspended))
        {
            return LedgerRejection.Conflict($"policy {id} is {current}; it cannot {action}");
        }
        _ = Long(state.Get(InsurancePolicyKeys.PeriodStart(id)), out var start);
        _ = Long(state.Get(InsurancePolicyKeys.PeriodEnd(id)), out var end);
        if (action == Expire)
        {
            return tx.TimestampMs >= end ? null : LedgerRejection.Conflict($"policy {id}'s period has not ended");
        }
        if (action == Activate)
        {
            _ = Long(tx.Get("coverStartMs"), out var cover);
            if (cover < start || cover >= end)
            {
                return LedgerRejection.Malformed("coverStartMs lies within the policy's period");
            }
            if (tx.IsSystemEvent)
            {
                return null;
            }
        }
        if (!ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.InsurerStaff))
        {
            return LedgerRejection.Forbidden("only verified staff of the policy's insurer change a policy");
        }
        return action == Activate && state.Get(PaymentKeys.Reference(PremiumReferenceKind, id)) is { } paid
            ? LedgerRejection.Conflict($"policy {id}'s premium was paid from the wallet already (payment {paid})")
            : null;
    }

    private static LedgerRejection? ValidateIssue(LedgerTransaction tx, IStateReader state, bool renew)
    {
        var benefits = tx.Payload.Where(p => p.Key.StartsWith(BenefitPrefix, StringComparison.Ordinal)).ToList();
        var fixedCount = IssueKeys.Length + (renew ? 1 : 0);
        if (tx.Payload.Count != fixedCount + benefits.Count || IssueKeys.Any(k => tx.Get(k) is null) || (renew && tx.Get("previousPolicyId") is null)
            || ContractChecks.RequireIds(tx, "policyId", "insurerId", "patientId", "planId") is not null || (renew && !ContractChecks.IsGuid(tx.Get("previousPolicyId")))
            || !int.TryParse(tx.Get("planRevision"), NumberStyles.None, CultureInfo.InvariantCulture, out var revision) || revision < 1 || tx.Get("planRevision") != N(revision)
            || !ContractChecks.IsHash(tx.Get("termsHash")) || !Long(tx.Get("periodStartMs"), out var start) || !Long(tx.Get("periodEndMs"), out var end)
            || end <= start || end - start > MaxPeriodMs || !PaymentPayContract.IsCurrency(tx.Get("currency"))
            || !PaymentPayContract.IsAmount(tx.Get("premiumMinor"), out _) || !PaymentPayContract.IsAmount(tx.Get("annualLimitMinor"), out var limit)
            || benefits.Count is < 1 or > MaxBenefits)
        {
            return LedgerRejection.Malformed("a policy issue carries exactly action, policyId, insurerId, patientId, planId (UUIDs), planRevision, termsHash (64 hex), periodStartMs < periodEndMs (at most 366 days), currency, premiumMinor, annualLimitMinor (positive minor units), 1 to 16 benefit.<tag> entries (and previousPolicyId when renewing)");
        }
        foreach (var (key, value) in benefits)
        {
            if (!ContractChecks.IsHash(key[BenefitPrefix.Length..]) || !TryParseBenefit(value, out _, out _, out var benefitLimit, out _) || benefitLimit > limit)
            {
                return LedgerRejection.Malformed("a benefit is benefit.<tag (64 hex)> = percent:P:LIMIT:WAIT or copay:C:LIMIT:WAIT, its limit at most the policy's annual limit");
            }
        }
        if (tx.ActorId == tx.Get("patientId") || !ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.InsurerStaff))
        {
            return LedgerRejection.Forbidden("a policy is issued by verified staff of its insurer");
        }
        var patient = tx.Get("patientId")!;
        if (state.Get(IdentityKeys.Role(patient)) != IdentityRoles.Patient)
        {
            return LedgerRejection.Conflict($"{patient} is not a registered patient");
        }
        var id = tx.Get("policyId")!;
        if (state.Get(InsurancePolicyKeys.Status(id)) is not null)
        {
            return LedgerRejection.Conflict($"policy {id} exists already");
        }
        if (state.Get(InsurancePolicyKeys.Slot(patient, tx.Get("planId")!, start)) is { } taken)
        {
            return LedgerRejection.Conflict($"patient {patient} has policy {taken} for this plan and period already");
        }
        if (renew)
        {
            var previous = tx.Get("previousPolicyId")!;
            if (state.Get(InsurancePolicyKeys.Status(previous)) != Active || state.Get(InsurancePolicyKeys.Patient(previous)) != patient
                || state.Get(InsurancePolicyKeys.Insurer(previous)) != tx.Get("insurerId") || state.Get(InsurancePolicyKeys.PeriodEnd(previous)) != tx.Get("periodStartMs"))
            {
                return LedgerRejection.Conflict($"policy {previous} is not an active policy of this patient and insurer ending where the renewal starts");
            }
        }
        return null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("policyId")!;
        switch (tx.Get("action"))
        {
            case Issue or Renew:
                state.Put(InsurancePolicyKeys.Status(id), Pending);
                state.Put(InsurancePolicyKeys.Patient(id), tx.Get("patientId")!);
                state.Put(InsurancePolicyKeys.Insurer(id), tx.Get("insurerId")!);
                state.Put(InsurancePolicyKeys.Plan(id), tx.Get("planId")!);
                state.Put(InsurancePolicyKeys.Currency(id), tx.Get("currency")!);
                state.Put(InsurancePolicyKeys.PeriodStart(id), tx.Get("periodStartMs")!);
                state.Put(InsurancePolicyKeys.PeriodEnd(id), tx.Get("periodEndMs")!);
                state.Put(InsurancePolicyKeys.AnnualLimit(id), tx.Get("annualLimitMinor")!);
                state.Put(InsurancePolicyKeys.Used(id), "0");
                foreach (var (key, value) in tx.Payload.Where(p => p.Key.StartsWith(BenefitPrefix, StringComparison.Ordinal)))
                {
                    var tag = key[BenefitPrefix.Length..];
                    state.Put(InsurancePolicyKeys.Benefit(id, tag), value);
                    state.Put(InsurancePolicyKeys.BenefitUsed(id, tag), "0");
                }
                state.Put(InsurancePolicyKeys.Slot(tx.Get("patientId")!, tx.Get("planId")!, long.Parse(tx.Get("periodStartMs")!, CultureInfo.InvariantCulture)), id);
                if (tx.Get("previousPolicyId") is { } previous)
                {
                    state.Put(InsurancePolicyKeys.Previous(id), previous);
                    state.Put(InsurancePolicyKeys.Status(previous), Renewed);
                }
                break;
            case Activate:
                state.Put(InsurancePolicyKeys.Status(id), Active);
                state.Put(InsurancePolicyKeys.CoverStart(id), tx.Get("coverStartMs")!);
                if (!tx.IsSystemEvent)
                {
                    // Marked paid outside the wallet: the premium's reference is settled, so the wallet can no longer pay it.
                    state.Put(PaymentKeys.Reference(PremiumReferenceKind, id), "marked-paid:" + tx.Id);
                }
                break;
            case Suspend:
                state.Put(InsurancePolicyKeys.Status(id), Suspended);
                break;
            case Reinstate:
                state.Put(InsurancePolicyKeys.Status(id), Active);
                break;
            default:
                state.Put(InsurancePolicyKeys.Status(id), Expired);
                break;
        }
    }

    /// <summary>The policy state machine, shared by the contract and the server (which answers a wrong transition with a 409 first).</summary>
    public static bool Allowed(string from, string to) => (from, to) switch
    {
        (Pending, Active or Expired) => true,
        (Active, Suspended or Expired or Renewed) => true,
        (Suspended, Active or Expired) => true,
        _ => false,
    };

    private static bool Long(string? s, out long value) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && s == value.ToString(CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
}

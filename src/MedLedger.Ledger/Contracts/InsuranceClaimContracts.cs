using System.Globalization;
using MedLedger.Crypto;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// insurance.claim — a claim against a policy, checked line by line against the policy state in the block (docs/insurance.md
/// "Claims"). Payload key "action":
/// <list type="bullet">
/// <item>file: action, claimId, policyId, patientId, insurerId, [providerOrgId], payeeKind (organization|patient), payeeId, currency,
/// [documentsHash], [dispense], lineCount and one "line.&lt;n&gt;" = "tag:amountMinor:serviceDateMs:token" per line (1..16). Signed by a verified
/// doctor, hospital staff member or pharmacist (the server checks they work at providerOrgId) or by the patient themself (no
/// providerOrgId, payee the patient). The contract computes each line's automatic outcome and reserves eligible amounts in the
/// policy's used keys, so concurrent claims never exceed a limit. A pharmacy's claim for a dispense names it ("dispense" =
/// "prescriptionId/fillNumber"): the fill must be committed at that pharmacy for that patient, and each line's token must be the
/// one the pharmacy and the dispense give (<see cref="DispenseToken"/>), so a dispense is claimed once.</item>
/// <item>decide: action, claimId and one "decision.&lt;n&gt;" = "approvedMinor:reason" per line (reason "-" when approving the line's
/// payable in full). Verified insurer staff; from filed only. The unapproved reserved part goes back to the policy.</item>
/// <item>reverse: action, claimId, reason. Verified insurer staff; a decided claim not paid out. Releases every approved amount and
/// frees the claim's tokens (a corrected claim may be filed again).</item>
/// <item>payout: action, claimId, amountMinor (= the approved total). Verified insurer staff; exactly once (claim/&lt;id&gt;/paid).</item>
/// <item>dispute: action, claimId, reason — the claim's patient, once. dismiss-dispute: action, claimId, reason — insurer staff.</item>
/// </list>
/// </summary>
public sealed class InsuranceClaimContract : LedgerContract
{
    public const string TypeName = "insurance.claim";
    public const string File = "file";
    public const string Decide = "decide";
    public const string Reverse = "reverse";
    public const string Payout = "payout";
    public const string Dispute = "dispute";
    public const string DismissDispute = "dismiss-dispute";

    // Claim statuses.
    public const string Filed = "filed";
    public const string Approved = "approved";
    public const string PartlyApproved = "partly-approved";
    public const string Rejected = "rejected";
    public const string Reversed = "reversed";
    public const string Paid = "paid";

    // Automatic line outcomes (and the decision reason codes that mirror them).
    public const string Eligible = "eligible";
    public const string OutsideCover = "outside-cover";
    public const string NotCovered = "not-covered";
    public const string WaitingPeriod = "waiting-period";
    public const string Duplicate = "duplicate";
    public const string LimitExceeded = "limit-exceeded";

    public const string PayeeOrganization = "organization";
    public const string PayeePatient = "patient";
    public const string LinePrefix = "line.";
    public const string DecisionPrefix = "decision.";
    public const string DispenseKey = "dispense";
    public const int MaxLines = 16;
    private const long Day = 24L * 60 * 60 * 1000;

    /// <summary>Why an insurer approves less than the payable, rejects or reverses: codes only (free text could carry a diagnosis).</summary>
    public static readonly IReadOnlySet<string> DecisionReasons = new HashSet<string>(StringComparer.Ordinal)
        { NotCovered, WaitingPeriod, LimitExceeded, Duplicate, OutsideCover, "not-medically-necessary", "documents-missing", "other" };

    /// <summary>Why a patient disputes a claim in their name.</summary>
    public static readonly IReadOnlySet<string> DisputeReasons = new HashSet<string>(StringComparer.Ordinal)
        { "care-not-received", "amount-wrong", "duplicate-billing", "other" };

    private static readonly string[] FileKeys = ["action", "claimId", "policyId", "patientId", "insurerId", "payeeKind", "payeeId", "currency", "lineCount"];

    public override string Type => TypeName;

    /// <summary>One line as the file payload carries it.</summary>
    public sealed record ClaimLine(int Line, string Tag, long AmountMinor, long ServiceDateMs, string Token)
    {
        public string Value => $"{Tag}:{N(AmountMinor)}:{N(ServiceDateMs)}:{Token}";
    }

    /// <summary>A line's automatic check as the state holds it.</summary>
    public sealed record LineCheck(string Outcome, long PayableMinor, string Tag)
    {
        public string Value => $"{Outcome}:{N(PayableMinor)}:{Tag}";

        public static LineCheck? Parse(string? value) =>
            value?.Split(':') is [var o, var p, var t] && Long(p, out var payable) ? new LineCheck(o, payable, t) : null;
    }

    /// <summary>The file payload's lines, or null when any is malformed (numbering, tag, amount, date, token).</summary>
    public static IReadOnlyList<ClaimLine>? Lines(LedgerTransaction tx)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (!Long(tx.Get("lineCount"), out var count) || count is < 1 or > MaxLines)
        {
            return null;
        }
        var lines = new List<ClaimLine>();
        for (var n = 1; n <= count; n++)
        {
            if (tx.Get(LinePrefix + N(n))?.Split(':') is not [var tag, var amount, var date, var token] || !ContractChecks.IsHash(tag)
                || !PaymentPayContract.IsAmount(amount, out var a) || !Long(date, out var d) || !ContractChecks.IsHash(token))
            {
                return null;
            }
            lines.Add(new ClaimLine(n, tag, a, d, token));
        }
        return lines;
    }

    /// <summary>The insurer's share of an amount under a benefit's terms: floor(amount × P / 100), or the amount less the co-pay.</summary>
    public static long Share(long amountMinor, int? coveragePercent, long? copayMinor) =>
        coveragePercent is { } p ? amountMinor * p / 100 : Math.Max(0, amountMinor - (copayMinor ?? 0));

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireUserActor(tx) ?? LedgerAuthorization.RequireActorKey(tx, state);

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var action = tx.Get("action");
        if (action == File)
        {
            return ValidateFile(tx, state);
        }
        if (ContractChecks.RequireIds(tx, "claimId") is not null)
        {
            return LedgerRejection.Malformed("a claim change names claimId (a UUID)");
        }
        var id = tx.Get("claimId")!;
        if (state.Get(InsuranceClaimKeys.Status(id)) is not { } status)
        {
            return LedgerRejection.Conflict($"no claim {id}");
        }
        var isInsurer = ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.InsurerStaff);
        switch (action)
        {
            case Decide:
                _ = Long(state.Get(InsuranceClaimKeys.LineCount(id)), out var count);
                if (tx.Payload.Count != 2 + count || Decisions(tx, state, id, (int)count) is null)
                {
                    return LedgerRejection.Malformed("a decision carries action, claimId and decision.<n> = approvedMinor:reason for every line (0 to the line's payable; a reason code unless the payable is approved in full)");
                }
                return !isInsurer ? LedgerRejection.Forbidden("only verified insurer staff decide a claim")
                    : status != Filed ? LedgerRejection.Conflict($"claim {id} is {status}; a decided claim changes only by a reversal") : null;
            case Reverse:
                if (tx.Payload.Count != 3 || !DecisionReasons.Contains(tx.Get("reason") ?? ""))
                {
                    return LedgerRejection.Malformed("a reversal carries action, claimId and a reason code");
                }
                return !isInsurer ? LedgerRejection.Forbidden("only verified insurer staff reverse a claim")
                    : status is not (Approved or PartlyApproved or Rejected) ? LedgerRejection.Conflict($"claim {id} is {status}; only a decided claim not paid out is reversed") : null;
            case Payout:
                if (tx.Payload.Count != 3 || !PaymentPayContract.IsAmount(tx.Get("amountMinor"), out var amount))
                {
                    return LedgerRejection.Malformed("a payout carries action, claimId and amountMinor (the approved total)");
                }
                if (!isInsurer)
                {
                    return LedgerRejection.Forbidden("only verified insurer staff pay a claim out");
                }
                if (state.Get(InsuranceClaimKeys.Paid(id)) is not null)
                {
                    return LedgerRejection.Conflict($"claim {id} is paid out already");
                }
                return status is not (Approved or PartlyApproved) ? LedgerRejection.Conflict($"claim {id} is {status}; only an approved claim is paid out")
                    : state.Get(InsuranceClaimKeys.Approved(id)) != N(amount) ? LedgerRejection.Conflict($"claim {id}'s approved total is not {N(amount)}") : null;
            case Dispute:
                if (tx.Payload.Count != 3 || !DisputeReasons.Contains(tx.Get("reason") ?? ""))
                {
                    return LedgerRejection.Malformed("a dispute carries action, claimId and a reason code (care-not-received, amount-wrong, duplicate-billing, other)");
                }
                return tx.ActorId != state.Get(InsuranceClaimKeys.Patient(id)) ? LedgerRejection.Forbidden("only the claim's patient disputes it")
                    : state.Get(InsuranceClaimKeys.Dispute(id)) is not null ? LedgerRejection.Conflict($"claim {id} is disputed already") : null;
            case DismissDispute:
                if (tx.Payload.Count != 3 || !DecisionReasons.Contains(tx.Get("reason") ?? ""))
                {
                    return LedgerRejection.Malformed("a dismissal carries action, claimId and a reason code");
                }
                return !isInsurer ? LedgerRejection.Forbidden("only verified insurer staff dismiss a dispute")
                    : state.Get(InsuranceClaimKeys.Dispute(id))?.StartsWith("open:", StringComparison.Ordinal) != true ? LedgerRejection.Conflict($"claim {id} has no open dispute") : null;
            default:
                return LedgerRejection.Malformed("a claim action is file, decide, reverse, payout, dispute or dismiss-dispute");
        }
    }

    private static LedgerRejection? ValidateFile(LedgerTransaction tx, IStateReader state)
    {
        var lines = Lines(tx);
        var optional = (tx.Get("providerOrgId") is null ? 0 : 1) + (tx.Get("documentsHash") is null ? 0 : 1) + (tx.Get(DispenseKey) is null ? 0 : 1);
        if (lines is null || tx.Payload.Count != FileKeys.Length + optional + lines.Count || FileKeys.Any(k => tx.Get(k) is null)
            || ContractChecks.RequireIds(tx, "claimId", "policyId", "patientId", "insurerId", "payeeId") is not null
            || (tx.Get("providerOrgId") is { } org && !ContractChecks.IsGuid(org)) || (tx.Get("documentsHash") is { } docs && !ContractChecks.IsHash(docs))
            || tx.Get("payeeKind") is not (PayeeOrganization or PayeePatient) || !PaymentPayContract.IsCurrency(tx.Get("currency"))
            || lines.Select(l => l.Token).Distinct(StringComparer.Ordinal).Count() != lines.Count
            || (tx.Get(DispenseKey) is { } dispenseRef && ParseDispense(dispenseRef) is null))
        {
            return LedgerRejection.Malformed("a claim carries exactly action, claimId, policyId, patientId, insurerId, [providerOrgId], payeeKind, payeeId, currency, [documentsHash], [dispense = prescriptionId/fillNumber], lineCount (1-16) and line.<n> = tag:amountMinor:serviceDateMs:token (distinct tokens)");
        }
        if (lines.Any(l => l.ServiceDateMs > tx.TimestampMs + Day))
        {
            return LedgerRejection.Malformed("a claim line's service date is not in the future");
        }
        var patient = tx.Get("patientId")!;
        var provider = tx.Get("providerOrgId");
        if (provider is null)
        {
            if (tx.ActorId != patient || tx.Get("payeeKind") != PayeePatient || tx.Get("payeeId") != patient || state.Get(IdentityKeys.Role(patient)) != IdentityRoles.Patient)
            {
                return LedgerRejection.Forbidden("without a provider, a claim is filed by its patient, to be paid to them");
            }
        }
        else if (!(ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Doctor) || ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.HospitalStaff)
                     || ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Pharmacist))
                 || (tx.Get("payeeKind") == PayeeOrganization ? tx.Get("payeeId") != provider : tx.Get("payeeId") != patient))
        {
            return LedgerRejection.Forbidden("a provider's claim is filed by its verified doctor, hospital staff or pharmacist, paid to the provider or the patient");
        }
        if (tx.Get(DispenseKey) is { } dispense && CheckDispense(tx, state, dispense, provider, lines) is { } refused)
        {
            return refused;
        }
        var policy = tx.Get("policyId")!;
        if (state.Get(InsurancePolicyKeys.Status(policy)) is null || state.Get(InsurancePolicyKeys.Patient(policy)) != patient
            || state.Get(InsurancePolicyKeys.Insurer(policy)) != tx.Get("insurerId") || state.Get(InsurancePolicyKeys.Currency(policy)) != tx.Get("currency"))
        {
            return LedgerRejection.Conflict($"policy {policy} is not this patient's policy with this insurer in this currency");
        }
        return state.Get(InsuranceClaimKeys.Status(tx.Get("claimId")!)) is null ? null : LedgerRejection.Conflict($"claim {tx.Get("claimId")} exists already");
    }

    /// <summary>
    /// A claim for a dispense: filed by a verified pharmacist for their pharmacy (providerOrgId), for a fill committed at that pharmacy
    /// (<see cref="PrescriptionKeys.FillPharmacy"/>) for this patient, each line's token the dispense's own (so the same dispense billed
    /// again, by any key or claim id, is a duplicate).
    /// </summary>
    private static LedgerRejection? CheckDispense(LedgerTransaction tx, IStateReader state, string dispense, string? provider, IReadOnlyList<ClaimLine> lines)
    {
        var (prescription, fill) = ParseDispense(dispense)!.Value;
        if (provider is null || !ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Pharmacist))
        {
            return LedgerRejection.Forbidden("a claim for a dispense is filed by a verified pharmacist of the dispensing pharmacy");
        }
        if (state.Get(PrescriptionKeys.Patient(prescription)) != tx.Get("patientId") || state.Get(PrescriptionKeys.FillPharmacy(prescription, fill)) != provider)
        {
            return LedgerRejection.Forbidden($"dispense {dispense} is not a fill this pharmacy made for this patient");
        }
        return lines.All(l => l.Token == DispenseToken(Guid.Parse(provider), dispense, l.Line)) ? null
            : LedgerRejection.Malformed("a dispense claim's line tokens are the dispense's own: InsuranceClaimTokens.Token(pharmacy, dispense, line)");
    }

    /// <summary>The "dispense" reference of fill <paramref name="fillNumber"/> of a prescription: "prescriptionId/fillNumber".</summary>
    public static string DispenseReference(Guid prescriptionId, long fillNumber) => $"{prescriptionId:D}/{N(fillNumber)}";

    /// <summary>(prescription id, fill number) of a dispense reference, or null when it is not "UUID/positive integer".</summary>
    public static (string Prescription, long Fill)? ParseDispense(string? value) =>
        value?.Split('/') is [var rx, var n] && ContractChecks.IsGuid(rx) && Long(n, out var fill) && fill >= 1 ? (rx, fill) : null;

    /// <summary>Line n's token of a pharmacy's claim for a dispense (the token scheme with the dispense reference as the reference).</summary>
    public static string DispenseToken(Guid pharmacyId, string dispense, int line) => InsuranceClaimTokens.Token(pharmacyId, dispense, line);

    /// <summary>The decision payload's (approved, reason) per line, or null when one is missing, above the line's payable, or lacks a reason.</summary>
    private static List<(long Approved, string Reason)>? Decisions(LedgerTransaction tx, IStateReader state, string id, int count)
    {
        var decisions = new List<(long, string)>();
        for (var n = 1; n <= count; n++)
        {
            if (tx.Get(DecisionPrefix + N(n))?.Split(':') is not [var a, var reason] || !Long(a, out var approved)
                || LineCheck.Parse(state.Get(InsuranceClaimKeys.Line(id, n))) is not { } check || approved > check.PayableMinor
                || (approved == check.PayableMinor && check.Outcome == Eligible ? reason != "-" && !DecisionReasons.Contains(reason) : !DecisionReasons.Contains(reason)))
            {
                return null;
            }
            decisions.Add((approved, reason));
        }
        return decisions;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("claimId")!;
        switch (tx.Get("action"))
        {
            case File:
                ApplyFile(tx, state, id);
                break;
            case Decide:
                ApplyDecide(tx, state, id);
                break;
            case Reverse:
                ApplyReverse(tx, state, id);
                break;
            case Payout:
                state.Put(InsuranceClaimKeys.Paid(id), tx.Get("amountMinor")!);
                state.Put(InsuranceClaimKeys.Status(id), Paid);
                break;
            case Dispute:
                state.Put(InsuranceClaimKeys.Dispute(id), "open:" + tx.Get("reason"));
                break;
            default:
                state.Put(InsuranceClaimKeys.Dispute(id), "dismissed:" + tx.Get("reason"));
                break;
        }
    }

    /// <summary>
    /// The automatic checks, line by line in order (a line sees the reservations of the lines and claims before it): duplicate
    /// (token spent), outside-cover, not-covered, waiting-period, limit-exceeded, else eligible with the insurer's share reserved.
    /// </summary>
    private static void ApplyFile(LedgerTransaction tx, IStateWriter state, string id)
    {
        var policy = tx.Get("policyId")!;
        state.Put(InsuranceClaimKeys.Status(id), Filed);
        state.Put(InsuranceClaimKeys.Policy(id), policy);
        state.Put(InsuranceClaimKeys.Patient(id), tx.Get("patientId")!);
        state.Put(InsuranceClaimKeys.Insurer(id), tx.Get("insurerId")!);
        state.Put(InsuranceClaimKeys.Payee(id), $"{tx.Get("payeeKind")}:{tx.Get("payeeId")}");
        state.Put(InsuranceClaimKeys.Currency(id), tx.Get("currency")!);
        var lines = Lines(tx)!;
        state.Put(InsuranceClaimKeys.LineCount(id), N(lines.Count));
        foreach (var line in lines)
        {
            var check = Check(state, policy, line);
            state.Put(InsuranceClaimKeys.Line(id, line.Line), check.Value);
            state.Put(InsuranceClaimKeys.LineToken(id, line.Line), line.Token);
            if (check.Outcome != Duplicate)
            {
                state.Put(InsuranceClaimKeys.Token(line.Token), $"{id}/{N(line.Line)}");
            }
            if (check.Outcome == Eligible && check.PayableMinor > 0)
            {
                AddUsed(state, policy, line.Tag, check.PayableMinor);
            }
        }
    }

    /// <summary>One line's automatic outcome against the policy state as it stands now.</summary>
    public static LineCheck Check(IStateReader state, string policyId, ClaimLine line)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(line);
        if (state.Get(InsuranceClaimKeys.Token(line.Token)) is not null)
        {
            return new LineCheck(Duplicate, 0, line.Tag);
        }
        // Cover runs from the cover start's day (set when the premium was paid) to the period end. A suspended or never activated
        // policy covers nothing; an expired or renewed one still covers care given within its period.
        var status = state.Get(InsurancePolicyKeys.Status(policyId));
        _ = Long(state.Get(InsurancePolicyKeys.PeriodEnd(policyId)), out var end);
        if (status is not (InsurancePolicyContract.Active or InsurancePolicyContract.Expired or InsurancePolicyContract.Renewed)
            || !Long(state.Get(InsurancePolicyKeys.CoverStart(policyId)), out var coverStart)
            || line.ServiceDateMs / Day < coverStart / Day || line.ServiceDateMs >= end)
        {
            return new LineCheck(OutsideCover, 0, line.Tag);
        }
        if (!InsurancePolicyContract.TryParseBenefit(state.Get(InsurancePolicyKeys.Benefit(policyId, line.Tag)), out var percent, out var copay, out var benefitLimit, out var wait))
        {
            return new LineCheck(NotCovered, 0, line.Tag);
        }
        if (line.ServiceDateMs / Day < coverStart / Day + wait)
        {
            return new LineCheck(WaitingPeriod, 0, line.Tag);
        }
        var share = Share(line.AmountMinor, percent, copay);
        _ = Long(state.Get(InsurancePolicyKeys.BenefitUsed(policyId, line.Tag)), out var benefitUsed);
        _ = Long(state.Get(InsurancePolicyKeys.AnnualLimit(policyId)), out var limit);
        _ = Long(state.Get(InsurancePolicyKeys.Used(policyId)), out var used);
        return share > Math.Min(benefitLimit - benefitUsed, limit - used) ? new LineCheck(LimitExceeded, 0, line.Tag) : new LineCheck(Eligible, share, line.Tag);
    }

    private static void ApplyDecide(LedgerTransaction tx, IStateWriter state, string id)
    {
        var policy = state.Get(InsuranceClaimKeys.Policy(id))!;
        _ = Long(state.Get(InsuranceClaimKeys.LineCount(id)), out var count);
        var decisions = Decisions(tx, state, id, (int)count)!;
        long total = 0;
        var allApproved = true;
        for (var n = 1; n <= count; n++)
        {
            var check = LineCheck.Parse(state.Get(InsuranceClaimKeys.Line(id, n)))!;
            var (approved, reason) = decisions[n - 1];
            var outcome = check.Outcome == Eligible && approved == check.PayableMinor ? Approved : approved == 0 ? Rejected : PartlyApproved;
            allApproved &= outcome == Approved;
            total += approved;
            state.Put(InsuranceClaimKeys.LineDecision(id, n), $"{outcome}:{N(approved)}:{(outcome == Approved ? "-" : reason)}");
            if (check.Outcome == Eligible && check.PayableMinor > approved)
            {
                AddUsed(state, policy, check.Tag, approved - check.PayableMinor);
            }
        }
        state.Put(InsuranceClaimKeys.Approved(id), N(total));
        state.Put(InsuranceClaimKeys.Status(id), allApproved ? Approved : total == 0 ? Rejected : PartlyApproved);
    }

    private static void ApplyReverse(LedgerTransaction tx, IStateWriter state, string id)
    {
        var policy = state.Get(InsuranceClaimKeys.Policy(id))!;
        _ = Long(state.Get(InsuranceClaimKeys.LineCount(id)), out var count);
        for (var n = 1; n <= count; n++)
        {
            var check = LineCheck.Parse(state.Get(InsuranceClaimKeys.Line(id, n)))!;
            if (state.Get(InsuranceClaimKeys.LineDecision(id, n))?.Split(':') is [_, var a, _] && Long(a, out var approved) && approved > 0)
            {
                AddUsed(state, policy, check.Tag, -approved);
            }
        }
        // Free the tokens this claim spent, so the care may be claimed again correctly.
        for (var n = 1; n <= count; n++)
        {
            if (state.Get(InsuranceClaimKeys.LineToken(id, n)) is { } token && state.Get(InsuranceClaimKeys.Token(token)) == $"{id}/{N(n)}")
            {
                state.Delete(InsuranceClaimKeys.Token(token));
            }
        }
        state.Put(InsuranceClaimKeys.Status(id), Reversed);
        if (state.Get(InsuranceClaimKeys.Dispute(id)) is { } dispute && dispute.StartsWith("open:", StringComparison.Ordinal))
        {
            state.Put(InsuranceClaimKeys.Dispute(id), "resolved:" + tx.Get("reason"));
        }
    }

    private static void AddUsed(IStateWriter state, string policyId, string tag, long delta)
    {
        _ = Long(state.Get(InsurancePolicyKeys.Used(policyId)), out var used);
        _ = Long(state.Get(InsurancePolicyKeys.BenefitUsed(policyId, tag)), out var benefitUsed);
        state.Put(InsurancePolicyKeys.Used(policyId), N(used + delta));
        state.Put(InsurancePolicyKeys.BenefitUsed(policyId, tag), N(benefitUsed + delta));
    }

    private static bool Long(string? s, out long value) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && s == value.ToString(CultureInfo.InvariantCulture);

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>State keys of the payment contracts: ids, amounts and tokens only (docs/payments.md).</summary>
public static class PaymentKeys
{
    /// <summary>Create-once: the payment a one-time token was spent on.</summary>
    public static string Token(string token) => $"pay-token/{token}";
    /// <summary>Create-once: the payment that paid a payable reference (kind + id), so one reference is paid once.</summary>
    public static string Reference(string kind, string id) => $"pay-ref/{kind}/{id}";
    public static string Amount(string paymentId) => $"payment/{paymentId}/amount";
    public static string Payer(string paymentId) => $"payment/{paymentId}/payer";
    public static string Payee(string paymentId) => $"payment/{paymentId}/payee";
    /// <summary>The running total refunded so far; never above the amount.</summary>
    public static string Refunded(string paymentId) => $"payment/{paymentId}/refunded";
    /// <summary>Create-once: a refund id.</summary>
    public static string Refund(string refundId) => $"refund/{refundId}";
}

/// <summary>
/// payments.pay — payload exactly paymentId, payerId, payeeOrganizationId, referenceKind, referenceId, amount, currency, token.
/// Signed by the paying patient (the actor is payerId, with their registered key), so the server cannot charge a patient who
/// did not sign. amount is in minor units (positive), currency three capital letters, referenceKind lower-case letters (what is
/// paid: "counter", later "order", "dispense", "claim"), token 64 hex characters chosen at random by the payer's client: a token
/// is spent once, a payment id is created once and a reference is paid once, so a replayed or re-signed payment is refused.
/// </summary>
public sealed class PaymentPayContract : UserSignedContract
{
    public const string TypeName = "payments.pay";
    /// <summary>Ten thousand million minor units: far above any payment, and summing thousands stays inside a long.</summary>
    public const long MaxAmount = 10_000_000_000;
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 8 || ContractChecks.RequireIds(tx, "paymentId", "payerId", "payeeOrganizationId", "referenceId") is not null
            || !IsKind(tx.Get("referenceKind")) || !IsAmount(tx.Get("amount"), out _) || !IsCurrency(tx.Get("currency")) || !ContractChecks.IsHash(tx.Get("token")))
        {
            return LedgerRejection.Malformed("a payment carries exactly paymentId, payerId, payeeOrganizationId, referenceId (UUIDs), referenceKind (lower-case letters), amount (positive minor units), currency (ISO 4217) and token (64 hex)");
        }
        if (tx.ActorId != tx.Get("payerId"))
        {
            return LedgerRejection.Forbidden("a payment is signed by its payer");
        }
        if (state.Get(IdentityKeys.Role(tx.ActorId)) != IdentityRoles.Patient)
        {
            return LedgerRejection.Forbidden("only a patient pays from a wallet");
        }
        if (state.Get(PaymentKeys.Token(tx.Get("token")!)) is { } spent)
        {
            return LedgerRejection.Conflict($"this payment token was spent on payment {spent}");
        }
        if (state.Get(PaymentKeys.Amount(tx.Get("paymentId")!)) is not null)
        {
            return LedgerRejection.Conflict($"payment {tx.Get("paymentId")} exists already");
        }
        return state.Get(PaymentKeys.Reference(tx.Get("referenceKind")!, tx.Get("referenceId")!)) is { } paid
            ? LedgerRejection.Conflict($"{tx.Get("referenceKind")} {tx.Get("referenceId")} was paid already (payment {paid})")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("paymentId")!;
        state.Put(PaymentKeys.Token(tx.Get("token")!), id);
        state.Put(PaymentKeys.Reference(tx.Get("referenceKind")!, tx.Get("referenceId")!), id);
        state.Put(PaymentKeys.Amount(id), tx.Get("amount")!);
        state.Put(PaymentKeys.Payer(id), tx.ActorId);
        state.Put(PaymentKeys.Payee(id), tx.Get("payeeOrganizationId")!);
        state.Put(PaymentKeys.Refunded(id), "0");
    }

    internal static bool IsAmount(string? s, out long value) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value is >= 1 and <= MaxAmount && s == value.ToString(CultureInfo.InvariantCulture);

    public static bool IsCurrency(string? s) => s is { Length: 3 } && s.All(c => c is >= 'A' and <= 'Z');

    public static bool IsKind(string? s) => s is { Length: >= 1 and <= 32 } && s.All(c => c is >= 'a' and <= 'z');
}

/// <summary>
/// payments.refund — payload exactly refundId, paymentId, payeeOrganizationId, amount. Signed by a verified pharmacist; the
/// payment must be to payeeOrganizationId (the server checks the signer works there: the ledger does not hold memberships). A
/// refund id is created once, and the running total refunded never exceeds the payment: one full refund, or partial ones.
/// </summary>
public sealed class PaymentRefundContract : UserSignedContract
{
    public const string TypeName = "payments.refund";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 4 || ContractChecks.RequireIds(tx, "refundId", "paymentId", "payeeOrganizationId") is not null
            || !PaymentPayContract.IsAmount(tx.Get("amount"), out var amount))
        {
            return LedgerRejection.Malformed("a refund carries exactly refundId, paymentId, payeeOrganizationId (UUIDs) and amount (positive minor units)");
        }
        if (!ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Pharmacist))
        {
            return LedgerRejection.Forbidden("only a verified pharmacist of the payee refunds");
        }
        var id = tx.Get("paymentId")!;
        if (state.Get(PaymentKeys.Amount(id)) is not { } paid || state.Get(PaymentKeys.Payee(id)) != tx.Get("payeeOrganizationId"))
        {
            return LedgerRejection.Conflict($"no payment {id} to this payee");
        }
        if (state.Get(PaymentKeys.Refund(tx.Get("refundId")!)) is not null)
        {
            return LedgerRejection.Conflict($"refund {tx.Get("refundId")} was made already");
        }
        var left = Long(paid) - Long(state.Get(PaymentKeys.Refunded(id)));
        return amount > left ? LedgerRejection.Conflict($"payment {id} has {left} left to refund") : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("paymentId")!;
        state.Put(PaymentKeys.Refund(tx.Get("refundId")!), id);
        state.Put(PaymentKeys.Refunded(id), (Long(state.Get(PaymentKeys.Refunded(id))) + Long(tx.Get("amount"))).ToString(CultureInfo.InvariantCulture));
    }

    private static long Long(string? s) => long.Parse(s ?? "0", NumberStyles.None, CultureInfo.InvariantCulture);
}

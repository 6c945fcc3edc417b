using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Wallet and payments (docs/payments.md): a patient tops up, pays payables with a payments.pay signed here (after checking
// the payee is admin-verified) and checks every payment and refund in the history against its ledger receipt; a pharmacist
// makes counter payables and refunds payments to their pharmacy with a payments.refund signed here.

public sealed record WalletBalance(string Currency, long Balance);

public sealed record TopUpResult(Guid Id, long Amount, string Currency, string ExternalReference, DateTimeOffset At, long Balance);

/// <summary>A payable; <c>ClosedAt</c> is set once it was settled outside the wallet (an insurer marked a premium paid): nothing to pay.</summary>
public sealed record PayableInfo(Guid Id, Guid PayeeOrganizationId, Guid PatientId, string ReferenceKind, Guid ReferenceId, long Amount, string Currency,
    DateTimeOffset CreatedAt, Guid? PaymentId, DateTimeOffset? ClosedAt = null, string? ClosedReason = null);

public sealed record RefundInfo(Guid Id, Guid PaymentId, Guid PharmacistId, long Amount, string TransactionId, DateTimeOffset At, LedgerReceipt Receipt);

public sealed record PaymentInfo(Guid Id, Guid PayableId, Guid PayerId, Guid PayeeOrganizationId, long Amount, string Currency, string Status,
    string TransactionId, DateTimeOffset CreatedAt, DateTimeOffset? SettledAt, LedgerReceipt? Receipt, IReadOnlyList<RefundInfo> Refunds)
{
    public long Refunded => Refunds.Sum(r => r.Amount);
}

public sealed record WalletHistoryInfo(IReadOnlyList<WalletBalance> Balances, IReadOnlyList<TopUpResult> TopUps, IReadOnlyList<PaymentInfo> Payments);

/// <summary>
/// A payment signed here and the Idempotency-Key it travels with: send it again (<see cref="MedLedgerClient.SubmitPaymentAsync"/>)
/// after a lost answer and the server returns the first result instead of charging twice.
/// </summary>
public sealed record PaymentIntent(Guid PayableId, Guid PaymentId, string IdempotencyKey, SignedTransaction Transaction);

/// <summary>Why this client will not pay: the payable or its payee does not hold up.</summary>
public sealed class PaymentCheckException(string message) : Exception(message);

public sealed partial class MedLedgerClient
{
    public Task<IReadOnlyList<WalletBalance>> WalletBalancesAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<WalletBalance>>(HttpMethod.Get, "/api/payments/wallet", null, authorize: true, ct);

    /// <summary>Patient: add money paid outside (card side out of scope). Pass the same <paramref name="idempotencyKey"/> when retrying.</summary>
    public Task<TopUpResult> TopUpAsync(long amount, string currency, string externalReference, string? idempotencyKey = null, CancellationToken ct = default) =>
        SendAsync<TopUpResult>(HttpMethod.Post, "/api/payments/wallet/top-ups", new { amount, currency, externalReference }, authorize: true, ct,
            idempotencyKey: idempotencyKey ?? Guid.NewGuid().ToString());

    /// <summary>Patient: the payables made out to you.</summary>
    public Task<IReadOnlyList<PayableInfo>> MyPayablesAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<PayableInfo>>(HttpMethod.Get, "/api/payments/wallet/payables", null, authorize: true, ct);

    /// <summary>Patient: pay a payable (checks, signs and sends a payments.pay once; see <see cref="PreparePaymentAsync"/>).</summary>
    public async Task<PaymentInfo> PayAsync(Guid payableId, CancellationToken ct = default) =>
        await SubmitPaymentAsync(await PreparePaymentAsync(payableId, ct), ct);

    /// <summary>
    /// Patient: checks the payable is made out to you and its payee is an organization a platform admin verified (by the
    /// admin's own signed approval on the ledger, <see cref="CheckOrganizationAsync(Organization, CancellationToken)"/>), then
    /// signs a payments.pay for exactly its payee, reference, amount and currency with a fresh one-time token.
    /// </summary>
    public async Task<PaymentIntent> PreparePaymentAsync(Guid payableId, CancellationToken ct = default)
    {
        var payable = (await MyPayablesAsync(ct)).FirstOrDefault(p => p.Id == payableId)
            ?? throw new PaymentCheckException($"Payable {payableId} is not made out to you.");
        if (payable.PatientId != UserId || payable.PaymentId is not null || payable.ClosedAt is not null)
        {
            throw new PaymentCheckException($"Payable {payableId} is not an open payable of yours.");
        }
        if (payable.ReferenceKind == CopayKind)
        {
            await CheckCopayPayableAsync(payable, ct);
        }
        Organization org;
        try
        {
            org = await OrganizationAsync(payable.PayeeOrganizationId, ct);
        }
        catch (MedLedgerApiException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            // The directory shows an unverified organization only to its members.
            throw new PaymentCheckException($"The payee {payable.PayeeOrganizationId} is {CheckedOrganization.NotVerifiedLabel}: it is not in the directory.");
        }
        var payee = await CheckOrganizationAsync(org, ct);
        if (!payee.Verified)
        {
            throw new PaymentCheckException($"The payee {payable.PayeeOrganizationId} is {CheckedOrganization.NotVerifiedLabel}: {payee.NotVerifiedReason}.");
        }
        var paymentId = Guid.NewGuid();
        var tx = NewTransaction(PaymentPayContract.TypeName, new Dictionary<string, string>
        {
            ["paymentId"] = paymentId.ToString(), ["payerId"] = UserId.ToString(), ["payeeOrganizationId"] = payable.PayeeOrganizationId.ToString(),
            ["referenceKind"] = payable.ReferenceKind, ["referenceId"] = payable.ReferenceId.ToString(),
            ["amount"] = payable.Amount.ToString(CultureInfo.InvariantCulture), ["currency"] = payable.Currency,
            ["token"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
        });
        return new PaymentIntent(payableId, paymentId, Guid.NewGuid().ToString(), Sign(tx));
    }

    /// <summary>Sends a prepared payment (again, after a lost answer: the same key returns the first result) and checks its receipt.</summary>
    public async Task<PaymentInfo> SubmitPaymentAsync(PaymentIntent intent, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var info = await SendAsync<PaymentInfo>(HttpMethod.Post, $"/api/payments/wallet/payables/{intent.PayableId}/payment", new { transaction = intent.Transaction },
            authorize: true, ct, idempotencyKey: intent.IdempotencyKey);
        var signed = LedgerTransaction.FromSigningBytes(intent.Transaction.Transaction, intent.Transaction.Signature);
        if (info.Id != intent.PaymentId || info.TransactionId != signed.Id)
        {
            throw new MedLedgerVerificationException($"Asked to make payment {intent.PaymentId}, the server answered with {info.Id}.");
        }
        return await CheckPaymentAsync(info, ct);
    }

    /// <summary>Patient: balances, top-ups and payments; every settled payment and refund checked against its verified receipt.</summary>
    public async Task<WalletHistoryInfo> WalletHistoryAsync(CancellationToken ct = default)
    {
        var h = await SendAsync<WalletHistoryInfo>(HttpMethod.Get, "/api/payments/wallet/history", null, authorize: true, ct);
        foreach (var p in h.Payments)
        {
            await CheckPaymentAsync(p, ct);
        }
        return h;
    }

    /// <summary>Pharmacist: a counter payable for a patient; the amount (minor units) is fixed now.</summary>
    public Task<PayableInfo> CreatePayableAsync(Guid patientId, long amount, string currency, CancellationToken ct = default) =>
        SendAsync<PayableInfo>(HttpMethod.Post, "/api/payments/payables", new { patientId, amount, currency }, authorize: true, ct);

    /// <summary>Pharmacist: your pharmacy's payables and the payments that settled them.</summary>
    public Task<IReadOnlyList<PayableInfo>> PharmacyPayablesAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<PayableInfo>>(HttpMethod.Get, "/api/payments/payables", null, authorize: true, ct);

    /// <summary>Pharmacist: refund <paramref name="amount"/> of a payment to your pharmacy (a payments.refund signed here).</summary>
    public async Task<PaymentInfo> RefundPaymentAsync(Guid paymentId, long amount, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(amount, 1);
        var pharmacy = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist of a pharmacy refunds.");
        var tx = NewTransaction(PaymentRefundContract.TypeName, new Dictionary<string, string>
        {
            ["refundId"] = Guid.NewGuid().ToString(), ["paymentId"] = paymentId.ToString(), ["payeeOrganizationId"] = pharmacy.ToString(),
            ["amount"] = amount.ToString(CultureInfo.InvariantCulture),
        });
        var info = await SendAsync<PaymentInfo>(HttpMethod.Post, $"/api/payments/{paymentId}/refunds", new { transaction = Sign(tx) }, authorize: true, ct);
        var checkedInfo = await CheckPaymentAsync(info, ct);
        return checkedInfo.Refunds.Any(r => r.TransactionId == tx.Id)
            ? checkedInfo
            : throw new MedLedgerVerificationException($"The server's answer does not list our refund {tx.Id}.");
    }

    /// <summary>
    /// A settled payment must match its payments.pay (payer, payee, amount, currency) on a verified receipt, and each refund its
    /// payments.refund, never totalling more than the payment. A payment the server hides cannot be caught; one it invents or alters is.
    /// </summary>
    private async Task<PaymentInfo> CheckPaymentAsync(PaymentInfo p, CancellationToken ct)
    {
        if (p.Status == "paid")
        {
            if (p.Receipt is null)
            {
                throw new MedLedgerVerificationException($"Payment {p.Id} is reported paid without its ledger receipt.");
            }
            await VerifyReceiptAsync(p.Receipt, ct);
            var tx = p.Receipt.Transaction();
            if (tx.Id != p.TransactionId || tx.Type != PaymentPayContract.TypeName || tx.ActorId != p.PayerId.ToString() || tx.Get("paymentId") != p.Id.ToString()
                || tx.Get("payeeOrganizationId") != p.PayeeOrganizationId.ToString() || tx.Get("amount") != p.Amount.ToString(CultureInfo.InvariantCulture)
                || tx.Get("currency") != p.Currency)
            {
                throw new MedLedgerVerificationException($"Payment {p.Id} does not match its payments.pay on the ledger.");
            }
        }
        foreach (var r in p.Refunds)
        {
            await VerifyReceiptAsync(r.Receipt, ct);
            var tx = r.Receipt.Transaction();
            if (tx.Id != r.TransactionId || tx.Type != PaymentRefundContract.TypeName || tx.ActorId != r.PharmacistId.ToString() || tx.Get("refundId") != r.Id.ToString()
                || tx.Get("paymentId") != p.Id.ToString() || tx.Get("amount") != r.Amount.ToString(CultureInfo.InvariantCulture))
            {
                throw new MedLedgerVerificationException($"Refund {r.Id} of payment {p.Id} does not match its payments.refund on the ledger.");
            }
        }
        return p.Refunded <= p.Amount ? p : throw new MedLedgerVerificationException($"Payment {p.Id} is reported refunded beyond its amount.");
    }
}

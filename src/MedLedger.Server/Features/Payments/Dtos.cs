using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Payments;

public static class PaymentLimits
{
    public const int ExternalReference = 128;
    public const int IdempotencyKey = 128;
}

/// <summary>A pharmacist's counter payable: the amount is fixed now; the patient's client pays exactly it.</summary>
public sealed record CreatePayableRequest(Guid PatientId, long Amount, string Currency);

/// <summary>A payable; <c>PaymentId</c> is set once its payment settled, <c>ClosedAt</c>/<c>ClosedReason</c> once it was settled outside the wallet (no longer payable).</summary>
public sealed record PayableResponse(Guid Id, Guid PayeeOrganizationId, Guid PatientId, string ReferenceKind, Guid ReferenceId, long Amount, string Currency,
    DateTimeOffset CreatedAt, Guid? PaymentId, DateTimeOffset? ClosedAt = null, string? ClosedReason = null);

/// <summary>Money from outside (the card side is out of scope: <c>ExternalReference</c> names the outside payment).</summary>
public sealed record TopUpRequest(long Amount, string Currency, string ExternalReference);

public sealed record TopUpResponse(Guid Id, long Amount, string Currency, string ExternalReference, DateTimeOffset At, long Balance);

/// <summary>A patient-signed payments.pay for a payable.</summary>
public sealed record PayRequest(SignedTransactionDto Transaction);

/// <summary>A payee's pharmacist-signed payments.refund.</summary>
public sealed record RefundRequest(SignedTransactionDto Transaction);

public sealed record WalletBalance(string Currency, long Balance);

public sealed record RefundResponse(Guid Id, Guid PaymentId, Guid PharmacistId, long Amount, string TransactionId, DateTimeOffset At, LedgerReceipt Receipt);

/// <summary>A payment; <c>Receipt</c> is its payments.pay receipt once paid (clients check it), refunds with theirs.</summary>
public sealed record PaymentResponse(Guid Id, Guid PayableId, Guid PayerId, Guid PayeeOrganizationId, long Amount, string Currency, string Status,
    string TransactionId, DateTimeOffset CreatedAt, DateTimeOffset? SettledAt, LedgerReceipt? Receipt, IReadOnlyList<RefundResponse> Refunds);

/// <summary>A patient's wallet: balances per currency, top-ups and payments (with refunds), newest first.</summary>
public sealed record WalletHistory(IReadOnlyList<WalletBalance> Balances, IReadOnlyList<TopUpResponse> TopUps, IReadOnlyList<PaymentResponse> Payments);

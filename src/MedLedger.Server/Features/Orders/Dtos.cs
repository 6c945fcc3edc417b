using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Orders;

/// <summary>
/// Place an order: the patient-signed orders.place (ids, amount, currency, contentHash) and the lines sealed for the pharmacy and
/// for the patient; contentHash is SHA-256 of <paramref name="SealedForPharmacy"/>. expiresAt defaults to three days ahead.
/// </summary>
public sealed record PlaceOrderRequest(byte[] SealedForPharmacy, byte[] SealedForPatient, SignedTransactionDto Transaction, DateTimeOffset? ExpiresAt = null);

/// <summary>A status change: the signed orders.status; on acceptance also the sealed note (reservation id and salt for the pharmacy).</summary>
public sealed record OrderStatusRequest(SignedTransactionDto Transaction, byte[]? AcceptNote = null);

/// <summary>
/// An order as its patient or the pharmacy's staff see it. The sealed parts are for them (each opens the one sealed for them);
/// the server cannot read either.
/// </summary>
public sealed record OrderResponse(
    Guid Id, Guid PatientId, Guid PharmacyId, string Status, long Amount, string Currency, string ContentHash, byte[] SealedForPharmacy, byte[] SealedForPatient,
    DateTimeOffset PlacedAt, DateTimeOffset ExpiresAt, DateTimeOffset UpdatedAt, string? ReservationCommitment, byte[]? AcceptNote, string? DeclineReason,
    string PlaceTransactionId, LedgerReceipt? Receipt);

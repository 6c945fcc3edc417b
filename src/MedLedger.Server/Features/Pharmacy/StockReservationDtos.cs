using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Pharmacy;

public sealed record ReservationLineDto(Guid MedicineId, int Quantity);

/// <summary>A pharmacist's reservation: the signed pharmacy.stock-reservation (reserve) names the reservation id and the units; the lines say which medicines.</summary>
public sealed record ReserveRequest(IReadOnlyList<ReservationLineDto> Lines, DateTimeOffset ExpiresAt, SignedTransactionDto Transaction);

/// <summary>Release or collect: the signed pharmacy.stock-reservation with that action.</summary>
public sealed record ReservationActionRequest(SignedTransactionDto Transaction);

public sealed record ReservationResponse(Guid Id, Guid PharmacyId, string Status, int Units, DateTimeOffset ExpiresAt, IReadOnlyList<ReservationLineDto> Lines,
    DateTimeOffset CreatedAt, DateTimeOffset? ClosedAt, LedgerReceipt? Receipt);

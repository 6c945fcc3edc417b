namespace MedLedger.Server.Features.Pharmacy;

public sealed record MedicineCreate(
    string Name, string Strength, MedicineForm Form, int PackSize, long PriceMinor, string Currency,
    bool PrescriptionOnly, ControlledSchedule Schedule, int ReorderLevel);

public sealed record MedicineResponse(
    Guid Id, Guid PharmacyId, string Name, string Strength, MedicineForm Form, int PackSize, long PriceMinor, string Currency,
    bool PrescriptionOnly, ControlledSchedule Schedule, int ReorderLevel, int Version, bool Discontinued);

/// <summary>
/// An edit of what may change about a catalogue entry; name, strength, form, pack size and currency make it the product it is
/// (its lots and movements refer to it), so a different product is a new entry. <c>Version</c> is the one the edit was made on.
/// </summary>
public sealed record MedicineUpdate(long PriceMinor, bool PrescriptionOnly, ControlledSchedule Schedule, int ReorderLevel, bool Discontinued, int Version);

public sealed record PriceChangeResponse(long OldPriceMinor, long NewPriceMinor, Guid ActorId, DateTimeOffset At);

/// <summary>What patients see instead of counts: exact stock of a pharmacy (controlled drugs above all) is not theirs to know.</summary>
public enum Availability
{
    InStock,
    Low,
    Out,
}

public sealed record LotResponse(
    Guid Id, Guid MedicineId, string LotNumber, DateOnly ExpiresOn, bool Expired,
    int Received, int Sold, int Dispensed, int WrittenOff, int Returned, int Adjusted, int OnHand);

/// <summary>The pharmacist's view: exact counts. Usable = on hand in unexpired lots.</summary>
public sealed record StockItem(MedicineResponse Medicine, int Usable, Availability Availability, IReadOnlyList<LotResponse> Lots);

public sealed record DeliveryRequest(Guid MedicineId, string LotNumber, DateOnly ExpiresOn, int Quantity, string? Reference);

public sealed record AdjustmentRequest(int Delta, string Reason);

public sealed record LotQuantityRequest(int Quantity, string Reason);

public sealed record SaleRequest(Guid MedicineId, int Quantity, string? Reference);

public sealed record LotTaken(Guid LotId, string LotNumber, DateOnly ExpiresOn, int Quantity);

/// <summary>What a take removed, lot by lot (earliest expiry first).</summary>
public sealed record StockTaken(Guid OperationId, Guid MedicineId, int Quantity, IReadOnlyList<LotTaken> Lots);

public sealed record MovementResponse(
    Guid Id, Guid OperationId, Guid MedicineId, Guid LotId, StockMovementKind Kind, int Quantity, string? Reason, string? Reference,
    Guid? ActorId, DateTimeOffset At);

public sealed record NearExpiryLot(MedicineResponse Medicine, LotResponse Lot);

public sealed record CatalogueEntry(MedicineResponse Medicine, Availability Availability);

public sealed record PharmacyCatalogue(Guid PharmacyId, string Name, string Address, IReadOnlyList<CatalogueEntry> Items);

public sealed record MedicineSearchHit(Guid PharmacyId, string PharmacyName, string PharmacyAddress, MedicineResponse Medicine, Availability Availability);

public sealed record MedicineSearchResponse(int Total, int Page, int PageSize, IReadOnlyList<MedicineSearchHit> Items);

public sealed record NearbyPharmacy(Guid PharmacyId, string Name, string Address, double Latitude, double Longitude, double DistanceKm,
    IReadOnlyList<CatalogueEntry> Matches);

public sealed record NearbyPharmaciesResponse(int Total, IReadOnlyList<NearbyPharmacy> Items);

public sealed record PharmacistKeyShareDto(Guid PharmacistId, byte[] Sealed);
/// <summary>A new organization key: its public half, the private half sealed to each verified pharmacist, and the signed pharmacy.organization-key.</summary>
public sealed record PharmacyKeyRequest(byte[] PublicKey, IReadOnlyList<PharmacistKeyShareDto> Shares, MedLedger.Server.Features.Ledger.SignedTransactionDto Transaction);
/// <summary>The pharmacy's organization key with the receipt of the pharmacist-signed transaction that anchored it.</summary>
public sealed record PharmacyKeyResponse(Guid PharmacyId, byte[] PublicKey, string KeyId, MedLedger.Ledger.LedgerReceipt? Receipt);
/// <summary>The caller's sealed share of the current key (null until a colleague shares it) and the verified colleagues still waiting for one.</summary>
public sealed record MyPharmacyKeyShare(Guid PharmacyId, byte[] PublicKey, string KeyId, byte[]? Sealed, IReadOnlyList<Guid> WaitingPharmacists);
/// <summary>An existing pharmacist seals the current key (named by its id) for a newly verified colleague.</summary>
public sealed record PharmacyKeyShareRequest(Guid PharmacistId, string KeyId, byte[] Sealed);

/// <summary>Units of one medicine moved in the day, by kind (adjustments signed).</summary>
public sealed record DailyMedicineLine(Guid MedicineId, string Name, string Strength, int Received, int Sold, int Dispensed, int WrittenOff, int Returned, int Adjusted);

/// <summary>A pharmacy's day in its time zone: walk-in sales, dispenses and order reservations (operations), stock moved per medicine, and takings per currency.</summary>
public sealed record DailySummary(DateOnly Date, string Zone, DateTimeOffset From, DateTimeOffset To, int Sales, int Dispenses, int OrderReservations,
    IReadOnlyList<DailyMedicineLine> Medicines, IReadOnlyList<MedLedger.Server.Features.Payments.CurrencyTakings> Takings);

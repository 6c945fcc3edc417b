using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Orders at a pharmacy (docs/pharmacy.md "Orders"): the patient's client seals the lines here for the pharmacy's
// ledger-anchored organization key and for the patient, and signs orders.place with the total; the pharmacist's client
// opens an order with the pharmacy key, checks the total against the lines and the catalogue, reserves stock with a
// pharmacy.stock-reservation that names no order or patient, and accepts with a commitment to that reservation.

/// <summary>An order as the server returns it (ciphertexts, status, amount); open it with <see cref="MedLedgerClient.OpenMyOrder"/> or <see cref="MedLedgerClient.OpenOrderAsync"/>.</summary>
public sealed record OrderView(
    Guid Id, Guid PatientId, Guid PharmacyId, string Status, long Amount, string Currency, string ContentHash, byte[] SealedForPharmacy, byte[] SealedForPatient,
    DateTimeOffset PlacedAt, DateTimeOffset ExpiresAt, DateTimeOffset UpdatedAt, string? ReservationCommitment, byte[]? AcceptNote, string? DeclineReason,
    string PlaceTransactionId, LedgerReceipt? Receipt);

/// <summary>A cart item: a catalogue medicine and how many.</summary>
public sealed record OrderItem(Guid MedicineId, int Quantity);

/// <summary>A verified professional of a verified organization as the directory lists it (GET /api/organizations/{id}/professionals).</summary>
public sealed record DirectoryProfessionalInfo(Guid UserId, Role Role);

/// <summary>
/// An order sealed and signed here, with the Idempotency-Key it travels with: send it again (<see cref="MedLedgerClient.SubmitOrderAsync"/>)
/// after a lost answer and the server returns the first order instead of placing a second.
/// </summary>
public sealed record OrderIntent(Guid OrderId, Guid PharmacyId, string IdempotencyKey, byte[] SealedForPharmacy, byte[] SealedForPatient, DateTimeOffset? ExpiresAt,
    SignedTransaction Transaction);

/// <summary>An order opened by the pharmacy: the server's view and the lines only the pharmacy (and the patient) can read.</summary>
public sealed record OpenedOrder(OrderView Order, OrderContent Content);

public sealed record ReservationView(Guid Id, Guid PharmacyId, string Status, int Units, DateTimeOffset ExpiresAt, IReadOnlyList<OrderItem> Lines,
    DateTimeOffset CreatedAt, DateTimeOffset? ClosedAt, LedgerReceipt? Receipt);

/// <summary>Why this client will not place, accept or trust an order: something does not hold up.</summary>
public sealed class OrderCheckException(string message) : Exception(message);

public sealed partial class MedLedgerClient
{
    // ---------- patient ----------

    /// <summary>Patient: places an order of catalogue items (unit prices from the pharmacy's public catalogue now).</summary>
    public async Task<OrderView> PlaceOrderAsync(Guid pharmacyId, IReadOnlyList<OrderItem> items, Guid? prescriptionId = null, string? idempotencyKey = null,
        CancellationToken ct = default) =>
        await SubmitOrderAsync(await PrepareOrderAsync(pharmacyId, items, prescriptionId, idempotencyKey, null, ct), ct);

    /// <summary>Patient: prices the items from the pharmacy's catalogue, then seals and signs the order (<see cref="PrepareOrderAsync(Guid, IReadOnlyList{OrderLine}, Guid?, string?, DateTimeOffset?, CancellationToken)"/>).</summary>
    public async Task<OrderIntent> PrepareOrderAsync(Guid pharmacyId, IReadOnlyList<OrderItem> items, Guid? prescriptionId = null, string? idempotencyKey = null,
        DateTimeOffset? expiresAt = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (prescriptionId is { } rx)
        {
            await SharePrescriptionWithPharmacyAsync(pharmacyId, rx, ct);
        }
        var catalogue = (await PharmacyCatalogueAsync(pharmacyId, ct)).Items.ToDictionary(i => i.Medicine.Id, i => i.Medicine);
        var lines = items.Select(i => catalogue.TryGetValue(i.MedicineId, out var m)
            ? new OrderLine(i.MedicineId, i.Quantity, m.PriceMinor)
            : throw new OrderCheckException($"Medicine {i.MedicineId} is not in pharmacy {pharmacyId}'s catalogue.")).ToList();
        var currencies = items.Select(i => catalogue[i.MedicineId].Currency).Distinct().ToList();
        if (currencies.Count != 1)
        {
            throw new OrderCheckException("An order is in one currency.");
        }
        return await PrepareOrderAsync(pharmacyId, lines, prescriptionId, idempotencyKey, expiresAt, ct, currencies[0]);
    }

    /// <summary>
    /// Patient: seals lines whose unit prices the caller already holds (a cart that kept the catalogue's prices) for the
    /// pharmacy's ledger-anchored organization key (<see cref="GetVerifiedPharmacyKeyAsync"/>, never a key the server merely
    /// serves) and for the patient's own key, and signs orders.place with their total and the SHA-256 of the pharmacy's copy.
    /// </summary>
    public Task<OrderIntent> PrepareOrderAsync(Guid pharmacyId, IReadOnlyList<OrderLine> lines, Guid? prescriptionId, string? idempotencyKey,
        DateTimeOffset? expiresAt, CancellationToken ct) => PrepareOrderAsync(pharmacyId, lines, prescriptionId, idempotencyKey, expiresAt, ct, null);

    private async Task<OrderIntent> PrepareOrderAsync(Guid pharmacyId, IReadOnlyList<OrderLine> lines, Guid? prescriptionId, string? idempotencyKey,
        DateTimeOffset? expiresAt, CancellationToken ct, string? currency)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        if (lines.Count is < 1 or > OrderContent.MaxLines || lines.Any(l => l.Quantity < 1) || lines.Select(l => l.MedicineId).Distinct().Count() != lines.Count)
        {
            throw new OrderCheckException($"An order has 1 to {OrderContent.MaxLines} lines, each medicine once with a positive quantity.");
        }
        currency ??= (await PharmacyCatalogueAsync(pharmacyId, ct)).Items.FirstOrDefault(i => i.Medicine.Id == lines[0].MedicineId)?.Medicine.Currency
            ?? throw new OrderCheckException($"Medicine {lines[0].MedicineId} is not in pharmacy {pharmacyId}'s catalogue.");
        var pharmacyKey = await GetVerifiedPharmacyKeyAsync(pharmacyId, ct);
        var content = new OrderContent(Guid.NewGuid(), pharmacyId, currency, lines, prescriptionId);
        var forPharmacy = content.SealFor(pharmacyKey.PublicKey);
        var forPatient = content.SealFor(keys.Encryption.PublicKey);
        var tx = NewTransaction(OrderPlaceContract.TypeName, new Dictionary<string, string>
        {
            ["orderId"] = content.OrderId.ToString(), ["patientId"] = UserId.ToString(), ["pharmacyId"] = pharmacyId.ToString(),
            ["amount"] = content.Total.ToString(CultureInfo.InvariantCulture), ["currency"] = currency,
            ["contentHash"] = Convert.ToHexStringLower(SHA256.HashData(forPharmacy)),
        });
        return new OrderIntent(content.OrderId, pharmacyId, idempotencyKey ?? Guid.NewGuid().ToString(), forPharmacy, forPatient, expiresAt, Sign(tx));
    }

    /// <summary>
    /// Patient: shares the MedicationRequest behind one of your prescriptions with the pharmacy's pharmacists, through the
    /// ordinary consent path: a consent.grant of that record (scope Records, purpose "dispensing", until the prescription's
    /// validity ends) to each pharmacist the server lists for the pharmacy whose identity card an admin verified for this
    /// pharmacy (the server's list alone is not trusted). A pharmacist who already holds an active grant covering it is left
    /// as is. Returns the pharmacists it is shared with; none is an <see cref="OrderCheckException"/>.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> SharePrescriptionWithPharmacyAsync(Guid pharmacyId, Guid prescriptionId, CancellationToken ct = default)
    {
        var rx = await PrescriptionAsync(prescriptionId, ct);
        if (rx.Info.PatientId != UserId)
        {
            throw new OrderCheckException($"Prescription {prescriptionId} is not yours.");
        }
        if (rx.Cancelled || rx.Expired(DateTimeOffset.UtcNow) || rx.UnitsLeft <= 0)
        {
            throw new OrderCheckException($"Prescription {prescriptionId} cannot be dispensed any more (cancelled, expired or used up).");
        }
        var record = rx.Info.RecordId.ToString();
        var grants = await GrantsAsync(ct);
        var shared = new List<Guid>();
        foreach (var p in await SendAsync<IReadOnlyList<DirectoryProfessionalInfo>>(HttpMethod.Get, $"/api/organizations/{pharmacyId}/professionals", null, authorize: true, ct))
        {
            if (p.Role != Role.Pharmacist)
            {
                continue;
            }
            var card = await IdentityCardAsync(p.UserId, ct);
            if (!card.Verified || card.Card.Role != Role.Pharmacist || card.Card.OrganizationId != pharmacyId)
            {
                continue;
            }
            if (!grants.Any(g => g.Active && g.GranteeId == p.UserId
                    && ((g.Scope == ConsentScope.Records && g.Items.Contains(record)) || (g.Scope == ConsentScope.Categories && g.Items.Contains(RecordCategories.MedicationRequest)))))
            {
                await GrantConsentAsync(p.UserId, ConsentScope.Records, [record], "dispensing", rx.Info.ValidUntil, ct: ct);
            }
            shared.Add(p.UserId);
        }
        return shared.Count > 0
            ? shared
            : throw new OrderCheckException($"Pharmacy {pharmacyId} has no pharmacist an admin verified: the prescription was not shared and no order was placed.");
    }

    /// <summary>Sends a prepared order (again, after a lost answer: the same key returns the first order) and checks its receipt.</summary>
    public async Task<OrderView> SubmitOrderAsync(OrderIntent intent, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var body = new { sealedForPharmacy = intent.SealedForPharmacy, sealedForPatient = intent.SealedForPatient, expiresAt = intent.ExpiresAt, transaction = intent.Transaction };
        var order = await SendAsync<OrderView>(HttpMethod.Post, "/api/orders", body, authorize: true, ct, idempotencyKey: intent.IdempotencyKey);
        // A retry that overtook the first request finds the order still on its way to the ledger: ask again until it is placed (or refused).
        for (var attempt = 0; order.Status == "submitting" && attempt < 200; attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            order = await SendAsync<OrderView>(HttpMethod.Post, "/api/orders", body, authorize: true, ct, idempotencyKey: intent.IdempotencyKey);
        }
        var signed = LedgerTransaction.FromSigningBytes(intent.Transaction.Transaction, intent.Transaction.Signature);
        if (order.Id != intent.OrderId || order.PlaceTransactionId != signed.Id)
        {
            throw new MedLedgerVerificationException($"Asked to place order {intent.OrderId}, the server answered with {order.Id}.");
        }
        await CheckPlacedAsync(order, ct);
        return order;
    }

    public Task<IReadOnlyList<OrderView>> MyOrdersAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<OrderView>>(HttpMethod.Get, "/api/orders", null, authorize: true, ct);

    public Task<OrderView> MyOrderAsync(Guid orderId, CancellationToken ct = default) =>
        SendAsync<OrderView>(HttpMethod.Get, $"/api/orders/{orderId}", null, authorize: true, ct);

    /// <summary>Patient: opens the copy of an order sealed for you (your order history).</summary>
    public OrderContent OpenMyOrder(OrderView order)
    {
        ArgumentNullException.ThrowIfNull(order);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        return OrderContent.Open(order.SealedForPatient, keys.Encryption, order.Id);
    }

    /// <summary>Patient: cancels your order while it is placed or accepted (a patient-signed orders.status).</summary>
    public Task<OrderView> CancelOrderAsync(Guid orderId, CancellationToken ct = default) =>
        SendAsync<OrderView>(HttpMethod.Post, $"/api/orders/{orderId}/cancel", new { transaction = Sign(StatusTransaction(orderId, OrderStatusContract.Cancelled)) }, authorize: true, ct);

    // ---------- pharmacist ----------

    public Task<IReadOnlyList<OrderView>> PharmacyOrdersAsync(string? status = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<OrderView>>(HttpMethod.Get, $"/api/pharmacies/{OwnPharmacy()}/orders" + (status is null ? "" : $"?status={Uri.EscapeDataString(status)}"),
            null, authorize: true, ct);

    /// <summary>
    /// Pharmacist: fetches an order, checks its orders.place receipt (signed by the patient it names, for this pharmacy, the
    /// amount and currency shown, contentHash = SHA-256 of the sealed copy) and opens the lines with the pharmacy key.
    /// </summary>
    public async Task<OpenedOrder> OpenOrderAsync(Guid orderId, CancellationToken ct = default)
    {
        var pharmacyId = OwnPharmacy();
        var order = await SendAsync<OrderView>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/orders/{orderId}", null, authorize: true, ct);
        await CheckPlacedAsync(order, ct);
        var key = await OpenPharmacyKeyAsync(ct);
        try
        {
            var content = OrderContent.Open(order.SealedForPharmacy, key, order.Id);
            if (content.PharmacyId != pharmacyId || content.Currency != order.Currency)
            {
                throw new OrderCheckException($"Order {orderId}'s sealed lines name another pharmacy or currency.");
            }
            return new OpenedOrder(order, content);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.PrivateKey);
        }
    }

    /// <summary>
    /// Pharmacist: opens the order, checks its total (the amount the patient signed must be the sum of the lines, and each line's
    /// unit price the catalogue's) and declines it as "total-mismatch" if not (then throws <see cref="OrderCheckException"/>);
    /// otherwise reserves the lines' stock with a pharmacy.stock-reservation that names no order or patient (expiring with the
    /// order) and accepts with a commitment to that reservation, its id and salt sealed for the pharmacy.
    /// </summary>
    public async Task<OrderView> AcceptOrderAsync(Guid orderId, CancellationToken ct = default)
    {
        var opened = await OpenOrderAsync(orderId, ct);
        if (opened.Order.Status != OrderStatusContract.Placed)
        {
            // Nothing is reserved for an order that can no longer be accepted.
            throw new OrderCheckException($"Order {orderId} is {opened.Order.Status}; only a placed order is accepted.");
        }
        if (await TotalMismatchAsync(opened, ct) is { } why)
        {
            await DeclineOrderAsync(orderId, "total-mismatch", ct);
            throw new OrderCheckException($"Order {orderId} was declined: {why}");
        }
        var reservation = await ReserveStockAsync(opened.Content.Lines.Select(l => new OrderItem(l.MedicineId, l.Quantity)).ToList(), opened.Order.ExpiresAt, ct);
        var note = OrderReservationNote.New(reservation.Id);
        var pharmacyKey = await GetVerifiedPharmacyKeyAsync(opened.Order.PharmacyId, ct);
        var tx = NewTransaction(OrderStatusContract.TypeName, new Dictionary<string, string>
        {
            ["orderId"] = orderId.ToString(), ["status"] = OrderStatusContract.Accepted, ["commitment"] = note.Commitment(),
        });
        try
        {
            return await SendAsync<OrderView>(HttpMethod.Post, $"/api/pharmacies/{opened.Order.PharmacyId}/orders/{orderId}/accept",
                new { transaction = Sign(tx), acceptNote = note.SealFor(pharmacyKey.PublicKey, orderId) }, authorize: true, ct);
        }
        catch (MedLedgerApiException)
        {
            // Not accepted (cancelled meanwhile, another pharmacist was faster): the units go back.
            await ReleaseReservationAsync(reservation.Id, ct);
            throw;
        }
    }

    public Task<OrderView> MarkOrderReadyAsync(Guid orderId, CancellationToken ct = default) => MoveOrderAsync(orderId, "ready", StatusTransaction(orderId, OrderStatusContract.Ready), ct);

    /// <summary>Pharmacist: hands a ready, paid order over; its reservation becomes a sale.</summary>
    public async Task<OrderView> CollectOrderAsync(Guid orderId, CancellationToken ct = default)
    {
        var reservationId = await ReservationOfAsync(orderId, ct);
        var order = await MoveOrderAsync(orderId, "collect", StatusTransaction(orderId, OrderStatusContract.Collected), ct);
        await ReservationActionAsync(reservationId, StockReservationContract.Collect, ct);
        return order;
    }

    public Task<OrderView> DeclineOrderAsync(Guid orderId, string reason, CancellationToken ct = default) =>
        MoveOrderAsync(orderId, "decline", NewTransaction(OrderStatusContract.TypeName, new Dictionary<string, string>
        {
            ["orderId"] = orderId.ToString(), ["status"] = OrderStatusContract.Declined, ["reason"] = reason,
        }), ct);

    /// <summary>
    /// Pharmacist: for an order that was accepted and then cancelled by its patient, opens the reservation note and releases the
    /// units it held (the server cannot: it does not know which reservation was the order's). Returns false when there is
    /// nothing held any more (released already, or expired).
    /// </summary>
    public async Task<bool> ReleaseCancelledOrderAsync(Guid orderId, CancellationToken ct = default)
    {
        var reservationId = await ReservationOfAsync(orderId, ct);
        var reservation = await SendAsync<ReservationView>(HttpMethod.Get, $"/api/pharmacies/{OwnPharmacy()}/reservations/{reservationId}", null, authorize: true, ct);
        if (reservation.Status != "held")
        {
            return false;
        }
        await ReleaseReservationAsync(reservationId, ct);
        return true;
    }

    /// <summary>Pharmacist: reserves units of the own pharmacy's medicines (a pharmacy.stock-reservation: pharmacy, reservation id and unit count only).</summary>
    public async Task<ReservationView> ReserveStockAsync(IReadOnlyList<OrderItem> lines, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var pharmacyId = OwnPharmacy();
        var id = Guid.NewGuid();
        var tx = NewTransaction(StockReservationContract.TypeName, new Dictionary<string, string>
        {
            ["pharmacyId"] = pharmacyId.ToString(), ["reservationId"] = id.ToString(), ["action"] = StockReservationContract.Reserve,
            ["units"] = lines.Sum(l => l.Quantity).ToString(CultureInfo.InvariantCulture),
        });
        var r = await SendAsync<ReservationView>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/reservations",
            new { lines = lines.Select(l => new { medicineId = l.MedicineId, quantity = l.Quantity }), expiresAt, transaction = Sign(tx) }, authorize: true, ct);
        await CheckReservationReceiptAsync(r, tx, ct);
        return r;
    }

    public Task<ReservationView> ReleaseReservationAsync(Guid reservationId, CancellationToken ct = default) =>
        ReservationActionAsync(reservationId, StockReservationContract.Release, ct);

    private async Task<ReservationView> ReservationActionAsync(Guid reservationId, string action, CancellationToken ct)
    {
        var pharmacyId = OwnPharmacy();
        var current = await SendAsync<ReservationView>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/reservations/{reservationId}", null, authorize: true, ct);
        var tx = NewTransaction(StockReservationContract.TypeName, new Dictionary<string, string>
        {
            ["pharmacyId"] = pharmacyId.ToString(), ["reservationId"] = reservationId.ToString(), ["action"] = action,
            ["units"] = current.Units.ToString(CultureInfo.InvariantCulture),
        });
        var r = await SendAsync<ReservationView>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/reservations/{reservationId}/{action}", new { transaction = Sign(tx) }, authorize: true, ct);
        await CheckReservationReceiptAsync(r, tx, ct);
        return r;
    }

    private async Task CheckReservationReceiptAsync(ReservationView r, LedgerTransaction sent, CancellationToken ct)
    {
        var receipt = r.Receipt ?? throw new MedLedgerVerificationException($"No receipt for reservation {r.Id}.");
        await VerifyReceiptAsync(receipt, ct);
        if (receipt.TransactionId != sent.Id)
        {
            throw new MedLedgerVerificationException($"The receipt for reservation {r.Id} is not for the transaction signed here.");
        }
    }

    /// <summary>The reservation an accepted order's note names, checked against the commitment its orders.status carried.</summary>
    private async Task<Guid> ReservationOfAsync(Guid orderId, CancellationToken ct)
    {
        var pharmacyId = OwnPharmacy();
        var order = await SendAsync<OrderView>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/orders/{orderId}", null, authorize: true, ct);
        if (order.AcceptNote is null || order.ReservationCommitment is null)
        {
            throw new OrderCheckException($"Order {orderId} was never accepted: no stock was reserved for it.");
        }
        var key = await OpenPharmacyKeyAsync(ct);
        try
        {
            var note = OrderReservationNote.Open(order.AcceptNote, key, orderId);
            return note.Commitment() == order.ReservationCommitment
                ? note.ReservationId
                : throw new MedLedgerVerificationException($"Order {orderId}'s reservation note does not match the commitment it was accepted with.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key.PrivateKey);
        }
    }

    private async Task<string?> TotalMismatchAsync(OpenedOrder opened, CancellationToken ct)
    {
        if (opened.Content.Total != opened.Order.Amount)
        {
            return $"the lines add up to {opened.Content.Total} but the patient signed {opened.Order.Amount}.";
        }
        // The price is fixed when the order is placed: each unit price must be the one in force then (from the pharmacy's price
        // history), at the time the patient signed orders.place, give or take PriceClockSkew for the two clocks.
        var placedAt = DateTimeOffset.FromUnixTimeMilliseconds((opened.Order.Receipt ?? throw new MedLedgerVerificationException($"No ledger receipt for order {opened.Order.Id}.")).Transaction().TimestampMs);
        var stock = (await PharmacyStockAsync(opened.Order.PharmacyId, ct)).ToDictionary(l => l.Medicine.Id, l => l.Medicine);
        foreach (var l in opened.Content.Lines)
        {
            if (!stock.TryGetValue(l.MedicineId, out var m) || m.Currency != opened.Order.Currency)
            {
                return $"medicine {l.MedicineId} is not in this pharmacy's catalogue in {opened.Order.Currency}.";
            }
            var history = await MedicinePriceHistoryAsync(opened.Order.PharmacyId, l.MedicineId, ct);
            if (!PricesInForce(m.PriceMinor, history, placedAt - PriceClockSkew, placedAt + PriceClockSkew).Contains(l.UnitPrice))
            {
                return $"medicine {l.MedicineId} is priced {l.UnitPrice} in the order, not the catalogue's price when it was placed.";
            }
        }
        return null;
    }

    /// <summary>How far apart the patient's signing clock and the server's price-change times may be.</summary>
    public static readonly TimeSpan PriceClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The prices a medicine had at some moment in [from, to], from its current price and its price changes (any order): the
    /// price before the window's start, and every price a change inside the window set.
    /// </summary>
    public static IReadOnlySet<long> PricesInForce(long currentPrice, IReadOnlyList<MedicinePriceChange> changes, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var ordered = changes.OrderBy(c => c.At).ToList();
        // Before the first change after `from`, the price was that change's old price (or the current one if none came later).
        var after = ordered.FirstOrDefault(c => c.At > from);
        var prices = new HashSet<long> { after?.OldPriceMinor ?? currentPrice };
        foreach (var c in ordered.Where(c => c.At > from && c.At <= to))
        {
            prices.Add(c.NewPriceMinor);
        }
        return prices;
    }

    /// <summary>The order's orders.place receipt verifies and says exactly what the server shows (patient, pharmacy, amount, currency, contentHash).</summary>
    private async Task CheckPlacedAsync(OrderView order, CancellationToken ct)
    {
        var receipt = order.Receipt ?? throw new MedLedgerVerificationException($"No ledger receipt for order {order.Id}.");
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        if (tx.Type != OrderPlaceContract.TypeName || tx.Id != order.PlaceTransactionId || tx.Get("orderId") != order.Id.ToString()
            || tx.ActorId != order.PatientId.ToString() || tx.Get("pharmacyId") != order.PharmacyId.ToString()
            || tx.Get("amount") != order.Amount.ToString(CultureInfo.InvariantCulture) || tx.Get("currency") != order.Currency
            || tx.Get("contentHash") != order.ContentHash || order.ContentHash != Convert.ToHexStringLower(SHA256.HashData(order.SealedForPharmacy)))
        {
            throw new MedLedgerVerificationException($"Order {order.Id} is not the one its patient signed on the ledger.");
        }
    }

    private Task<OrderView> MoveOrderAsync(Guid orderId, string action, LedgerTransaction tx, CancellationToken ct) =>
        SendAsync<OrderView>(HttpMethod.Post, $"/api/pharmacies/{OwnPharmacy()}/orders/{orderId}/{action}", new { transaction = Sign(tx) }, authorize: true, ct);

    private LedgerTransaction StatusTransaction(Guid orderId, string status) =>
        NewTransaction(OrderStatusContract.TypeName, new Dictionary<string, string> { ["orderId"] = orderId.ToString(), ["status"] = status });

    private Guid OwnPharmacy() => Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist works a pharmacy's orders.");
}

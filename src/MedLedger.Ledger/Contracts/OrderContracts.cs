using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// orders.place — payload exactly orderId, patientId, pharmacyId, amount, currency, contentHash. Signed by the ordering
/// patient. The order's lines are sealed on the patient's device; the ledger holds only the SHA-256 of what was sealed for
/// the pharmacy (contentHash), the total fixed at placing (minor units) and who ordered from which pharmacy. An order id is
/// placed once.
/// </summary>
public sealed class OrderPlaceContract : UserSignedContract
{
    public const string TypeName = "orders.place";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 6 || ContractChecks.RequireIds(tx, "orderId", "patientId", "pharmacyId") is not null
            || !PaymentPayContract.IsAmount(tx.Get("amount"), out _) || !PaymentPayContract.IsCurrency(tx.Get("currency")) || !ContractChecks.IsHash(tx.Get("contentHash")))
        {
            return LedgerRejection.Malformed("an order carries exactly orderId, patientId, pharmacyId (UUIDs), amount (positive minor units), currency (ISO 4217) and contentHash (64 hex)");
        }
        if (tx.ActorId != tx.Get("patientId") || state.Get(IdentityKeys.Role(tx.ActorId)) != IdentityRoles.Patient)
        {
            return LedgerRejection.Forbidden("an order is placed by the ordering patient");
        }
        return state.Get(OrderKeys.Status(tx.Get("orderId")!)) is null ? null : LedgerRejection.Conflict($"order {tx.Get("orderId")} exists already");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("orderId")!;
        state.Put(OrderKeys.Status(id), OrderStatusContract.Placed);
        state.Put(OrderKeys.Patient(id), tx.ActorId);
        state.Put(OrderKeys.Pharmacy(id), tx.Get("pharmacyId")!);
    }
}

/// <summary>
/// orders.status — payload orderId and status, plus commitment (64 hex) exactly when status is "accepted" and reason (a code)
/// exactly when it is "declined". accepted/declined from placed, ready from accepted, collected from ready: signed by a verified
/// pharmacist (the server checks they work at the order's pharmacy: the ledger holds no memberships). cancelled from placed or
/// accepted: signed by the order's patient. expired from placed or accepted: a system event of a peer (the server's expiry
/// sweep). The commitment is SHA-256 of the reservation id and a salt sealed for the pharmacy, so the ledger and the server
/// cannot join an order to its stock reservation.
/// </summary>
public sealed class OrderStatusContract : LedgerContract
{
    public const string TypeName = "orders.status";
    public const string Placed = "placed";
    public const string Accepted = "accepted";
    public const string Ready = "ready";
    public const string Collected = "collected";
    public const string Declined = "declined";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    /// <summary>Why a pharmacy declines an order: codes only, never free text (free text could name a medicine).</summary>
    public static readonly IReadOnlySet<string> DeclineReasons = new HashSet<string>(StringComparer.Ordinal)
        { "out-of-stock", "total-mismatch", "prescription-invalid", "not-supplied", "unreadable", "other" };

    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.Get("status") == Expired)
        {
            return tx.IsSystemEvent ? LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context) : LedgerRejection.Forbidden("only the platform expires an order");
        }
        return ContractChecks.RequireUserActor(tx) ?? LedgerAuthorization.RequireActorKey(tx, state);
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var status = tx.Get("status");
        var expected = status switch { Accepted or Declined => 3, Ready or Collected or Cancelled or Expired => 2, _ => -1 };
        if (tx.Payload.Count != expected || ContractChecks.RequireIds(tx, "orderId") is not null
            || (status == Accepted && !ContractChecks.IsHash(tx.Get("commitment")))
            || (status == Declined && !DeclineReasons.Contains(tx.Get("reason") ?? "")))
        {
            return LedgerRejection.Malformed("an order status carries orderId (UUID) and status (accepted, ready, collected, declined, cancelled, expired), with commitment (64 hex) when accepted and reason (a decline code) when declined");
        }
        var id = tx.Get("orderId")!;
        if (state.Get(OrderKeys.Status(id)) is not { } current)
        {
            return LedgerRejection.Conflict($"no order {id}");
        }
        if (!Allowed(current, status!))
        {
            return LedgerRejection.Conflict($"order {id} is {current}; it cannot become {status}");
        }
        if (status == Cancelled)
        {
            return tx.ActorId == state.Get(OrderKeys.Patient(id)) ? null : LedgerRejection.Forbidden("only the ordering patient cancels an order");
        }
        if (status == Expired)
        {
            return null;
        }
        return ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Pharmacist) ? null : LedgerRejection.Forbidden("only a verified pharmacist of the order's pharmacy moves an order on");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(OrderKeys.Status(tx.Get("orderId")!), tx.Get("status")!);
    }

    /// <summary>The order state machine, shared by the contract and the server (which answers a wrong transition with a 409 first).</summary>
    public static bool Allowed(string from, string to) => (from, to) switch
    {
        (Placed, Accepted or Declined or Cancelled or Expired) => true,
        (Accepted, Ready or Cancelled or Expired) => true,
        (Ready, Collected) => true,
        _ => false,
    };
}

/// <summary>
/// pharmacy.stock-reservation — payload exactly pharmacyId, reservationId, action, units. Names the pharmacy, a reservation id
/// and how many units are held; never an order or a patient. reserve (the reservation id once), release and collect (from
/// held) are signed by a verified pharmacist (the server checks they work at pharmacyId); expire (from held) is a system event
/// of a peer: the server releases a reservation past its expiry without knowing whose order it was.
/// </summary>
public sealed class StockReservationContract : LedgerContract
{
    public const string TypeName = "pharmacy.stock-reservation";
    public const string Reserve = "reserve";
    public const string Release = "release";
    public const string Collect = "collect";
    public const string Expire = "expire";
    public const string Held = "held";
    public const int MaxUnits = 1_000_000;
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.Get("action") == Expire)
        {
            return tx.IsSystemEvent ? LedgerAuthorization.RequireActorKeyOrPeer(tx, state, context) : LedgerRejection.Forbidden("only the platform expires a reservation");
        }
        return ContractChecks.RequireUserActor(tx) ?? LedgerAuthorization.RequireActorKey(tx, state);
    }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var action = tx.Get("action");
        if (tx.Payload.Count != 4 || ContractChecks.RequireIds(tx, "pharmacyId", "reservationId") is not null
            || action is not (Reserve or Release or Collect or Expire) || !IsUnits(tx.Get("units")))
        {
            return LedgerRejection.Malformed("a stock reservation carries exactly pharmacyId, reservationId (UUIDs), action (reserve, release, collect, expire) and units (1 to 1000000)");
        }
        if (action != Expire && !ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Pharmacist))
        {
            return LedgerRejection.Forbidden("only a verified pharmacist of the pharmacy reserves its stock");
        }
        var id = tx.Get("reservationId")!;
        var current = state.Get(OrderKeys.Reservation(id));
        if (action == Reserve)
        {
            return current is null ? null : LedgerRejection.Conflict($"reservation {id} exists already");
        }
        if (current != Held || state.Get(OrderKeys.ReservationPharmacy(id)) != tx.Get("pharmacyId"))
        {
            return LedgerRejection.Conflict($"reservation {id} is not held at this pharmacy");
        }
        return null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("reservationId")!;
        var action = tx.Get("action");
        state.Put(OrderKeys.Reservation(id), action switch { Reserve => Held, Release => "released", Collect => "collected", _ => "expired" });
        if (action == Reserve)
        {
            state.Put(OrderKeys.ReservationPharmacy(id), tx.Get("pharmacyId")!);
        }
    }

    private static bool IsUnits(string? s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxUnits && s == n.ToString(CultureInfo.InvariantCulture);
}

namespace MedLedger.Ledger.Contracts;

/// <summary>State keys of the bed-booking contracts: one status per booking id, nothing else.</summary>
public static class BedKeys
{
    public static string Booking(string bookingId) => $"beds/booking/{bookingId}";

    /// <summary>The care relationship key (<see cref="CareKeys.BookingRelationship"/>) a booking holds while held or admitted.</summary>
    public static string Relationship(string bookingId) => $"beds/booking/{bookingId}/relationship";
}

/// <summary>Booking statuses as the ledger records them.</summary>
public static class BedBookingStates
{
    public const string Held = "held";
    public const string Admitted = "admitted";
    public const string Released = "released";
    public const string Expired = "expired";
    public const string Cancelled = "cancelled";
}

/// <summary>
/// Bed-booking events are recorded by the server (peer-signed system events): the relational store
/// decides capacity atomically, the ledger records what happened, by ids only.
/// </summary>
public abstract class BedEventContract : LedgerContract
{
    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(context);
        // Only the peer records bed events: the capacity decision is the server's, not a client's claim.
        return tx.IsSystemEvent && context.IsSignedByPeer(tx)
            ? null
            : LedgerRejection.Forbidden("bed events are recorded by a peer");
    }

    protected static LedgerRejection? RequireIds(LedgerTransaction tx, params string[] keys)
    {
        foreach (var k in keys)
        {
            if (!Guid.TryParseExact(tx.Get(k) ?? "", "D", out _))
            {
                return LedgerRejection.Malformed($"payload '{k}' must be a GUID");
            }
        }
        return null;
    }
}

/// <summary>
/// beds.book — payload bookingId, hospitalId, patientId, bedTypeCommitment (a <see cref="MedLedger.Crypto.FactCommitment"/>
/// to the bed type: the ledger never says "maternity" or "icu"). A booking id is booked once. While the booking is held
/// or admitted it is a relationship the patient created with the hospital, on which care.assign may rest.
/// </summary>
public sealed class BedBookContract : BedEventContract
{
    public const string TypeName = "beds.book";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (RequireIds(tx, "bookingId", "hospitalId", "patientId") is { } r)
        {
            return r;
        }
        if (!ContractChecks.IsHash(tx.Get("bedTypeCommitment")) || tx.Get("bedType") is not null)
        {
            return LedgerRejection.Malformed("bedTypeCommitment must be a lower-case hex SHA-256 commitment");
        }
        return state.Get(BedKeys.Booking(tx.Get("bookingId")!)) is not null
            ? LedgerRejection.Conflict($"booking {tx.Get("bookingId")} already exists")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var bookingId = tx.Get("bookingId")!;
        var relationship = CareKeys.BookingRelationship(tx.Get("patientId")!, tx.Get("hospitalId")!, bookingId);
        state.Put(BedKeys.Booking(bookingId), BedBookingStates.Held);
        state.Put(BedKeys.Relationship(bookingId), relationship);
        state.Put(relationship, BedBookingStates.Held);
    }
}

/// <summary>A transition out of "held": payload bookingId, hospitalId, actorUserId (empty for expiry).</summary>
public abstract class BedCloseContract : BedEventContract
{
    protected abstract string Target { get; }

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var r = RequireIds(tx, "bookingId", "hospitalId");
        if (r is not null)
        {
            return r;
        }
        var current = state.Get(BedKeys.Booking(tx.Get("bookingId")!));
        if (current is null)
        {
            return LedgerRejection.Conflict($"booking {tx.Get("bookingId")} was never booked");
        }
        return current == BedBookingStates.Held
            ? null
            : LedgerRejection.Conflict($"booking {tx.Get("bookingId")} is {current}, not held");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var bookingId = tx.Get("bookingId")!;
        state.Put(BedKeys.Booking(bookingId), Target);
        // An admission keeps the patient's relationship with the hospital; a hold that ends without one does not.
        if (state.Get(BedKeys.Relationship(bookingId)) is { } relationship)
        {
            if (Target == BedBookingStates.Admitted)
            {
                state.Put(relationship, Target);
            }
            else
            {
                state.Delete(relationship);
                state.Delete(BedKeys.Relationship(bookingId));
            }
        }
    }
}

/// <summary>beds.admit — staff admitted the patient: the hold becomes an occupied bed.</summary>
public sealed class BedAdmitContract : BedCloseContract
{
    public const string TypeName = "beds.admit";
    public override string Type => TypeName;
    protected override string Target => BedBookingStates.Admitted;
}

/// <summary>beds.release — staff released the hold; the bed returns.</summary>
public sealed class BedReleaseContract : BedCloseContract
{
    public const string TypeName = "beds.release";
    public override string Type => TypeName;
    protected override string Target => BedBookingStates.Released;
}

/// <summary>beds.expire — the hold time passed without admission; the bed returns.</summary>
public sealed class BedExpireContract : BedCloseContract
{
    public const string TypeName = "beds.expire";
    public override string Type => TypeName;
    protected override string Target => BedBookingStates.Expired;
}

/// <summary>beds.cancel — the patient cancelled their own hold; the bed returns.</summary>
public sealed class BedCancelContract : BedCloseContract
{
    public const string TypeName = "beds.cancel";
    public override string Type => TypeName;
    protected override string Target => BedBookingStates.Cancelled;
}

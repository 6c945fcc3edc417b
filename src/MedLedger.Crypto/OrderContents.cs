using System.Security.Cryptography;
using System.Text.Json;

namespace MedLedger.Crypto;

/// <summary>One line of an order: a catalogue medicine of the pharmacy, how many, and its unit price when the order was placed (minor units).</summary>
public sealed record OrderLine(Guid MedicineId, int Quantity, long UnitPrice);

/// <summary>
/// What a patient orders (docs/pharmacy.md "Orders", docs/crypto-format.md "Orders"): sealed on the patient's device as a
/// <see cref="SealedSecret"/> (purpose <see cref="ProtocolTags.OrderContent"/>, context the order id) for the pharmacy's
/// anchored organization key and for the patient. Strict JSON, members exactly orderId, pharmacyId, currency, lines,
/// prescriptionId (a UUID or empty: an over-the-counter order). The server sees neither copy; the ledger carries the SHA-256 of
/// the pharmacy's copy (orders.place contentHash).
/// </summary>
public sealed record OrderContent(Guid OrderId, Guid PharmacyId, string Currency, IReadOnlyList<OrderLine> Lines, Guid? PrescriptionId)
{
    public const int MaxLines = 50;

    /// <summary>The total the order's amount must equal: the sum of quantity × unit price.</summary>
    public long Total => Lines.Sum(l => checked(l.Quantity * l.UnitPrice));

    public byte[] ToJsonBytes() => StrictJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("orderId", OrderId.ToString());
        w.WriteString("pharmacyId", PharmacyId.ToString());
        w.WriteString("currency", Currency);
        w.WriteStartArray("lines");
        foreach (var l in Lines)
        {
            w.WriteStartObject();
            w.WriteString("medicineId", l.MedicineId.ToString());
            w.WriteNumber("quantity", l.Quantity);
            w.WriteNumber("unitPrice", l.UnitPrice);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("prescriptionId", PrescriptionId?.ToString() ?? "");
        w.WriteEndObject();
    });

    public static OrderContent FromJson(ReadOnlyMemory<byte> utf8)
    {
        using var doc = StrictJson.Parse(utf8);
        var e = doc.RootElement;
        StrictJson.RequireMembers(e, "order", "orderId", "pharmacyId", "currency", "lines", "prescriptionId");
        var linesElement = e.GetProperty("lines");
        if (linesElement.ValueKind != JsonValueKind.Array || linesElement.GetArrayLength() is < 1 or > MaxLines)
        {
            throw new CryptoFormatException($"An order has 1 to {MaxLines} lines.");
        }
        var lines = new List<OrderLine>();
        foreach (var l in linesElement.EnumerateArray())
        {
            StrictJson.RequireMembers(l, "order line", "medicineId", "quantity", "unitPrice");
            var line = new OrderLine(Id(l, "medicineId"), StrictJson.Int32(l, "quantity"), StrictJson.Int64(l, "unitPrice"));
            if (line.Quantity < 1 || line.UnitPrice < 0)
            {
                throw new CryptoFormatException("An order line has a positive quantity and a unit price of zero or more.");
            }
            lines.Add(line);
        }
        var prescription = StrictJson.String(e, "prescriptionId");
        return new OrderContent(Id(e, "orderId"), Id(e, "pharmacyId"), StrictJson.String(e, "currency"), lines,
            prescription.Length == 0 ? null : Guid.TryParseExact(prescription, "D", out var p) ? p : throw new CryptoFormatException("'prescriptionId' must be a UUID or empty."));
    }

    /// <summary>Seals the contents for one recipient (the pharmacy's organization key or the patient's own key).</summary>
    public byte[] SealFor(byte[] recipientPublicKey) => SealedSecret.Seal(recipientPublicKey, ProtocolTags.OrderContent, OrderId.ToString(), ToJsonBytes()).ToJsonBytes();

    /// <summary>Opens a sealed copy and checks it is this order's (the id inside must be the one it was sealed under).</summary>
    public static OrderContent Open(byte[] sealedJson, UserKeyPair recipient, Guid orderId)
    {
        var content = FromJson(SealedSecret.FromJson(sealedJson).Open(recipient, ProtocolTags.OrderContent, orderId.ToString()));
        return content.OrderId == orderId ? content : throw new CryptoIntegrityException("The sealed order names another order id.");
    }

    private static Guid Id(JsonElement e, string name) =>
        Guid.TryParseExact(StrictJson.String(e, name), "D", out var id) ? id : throw new CryptoFormatException($"'{name}' must be a UUID.");
}

/// <summary>
/// An accepted order's link to its stock reservation, known only to the pharmacy: the reservation id and a random salt sealed for
/// the pharmacy's organization key (purpose <see cref="ProtocolTags.OrderReservationNote"/>, context the order id). The order's
/// orders.status "accepted" carries only <see cref="Commitment"/>, so neither the ledger nor the server can join an order to its
/// reservation (the pharmacy-signed pharmacy.stock-reservation names neither order nor patient).
/// </summary>
public sealed record OrderReservationNote(Guid ReservationId, byte[] Salt)
{
    public static OrderReservationNote New(Guid reservationId) => new(reservationId, RandomNumberGenerator.GetBytes(32));

    public string Commitment() => Convert.ToHexStringLower(SHA256.HashData(
        new CanonicalWriter(ProtocolTags.OrderReservationCommitment).String(ReservationId.ToString()).Bytes(Salt).ToArray()));

    public byte[] SealFor(byte[] pharmacyPublicKey, Guid orderId) =>
        SealedSecret.Seal(pharmacyPublicKey, ProtocolTags.OrderReservationNote, orderId.ToString(), StrictJson.Write(w =>
        {
            w.WriteStartObject();
            w.WriteString("reservationId", ReservationId.ToString());
            w.WriteBase64String("salt", Salt);
            w.WriteEndObject();
        })).ToJsonBytes();

    public static OrderReservationNote Open(byte[] sealedJson, UserKeyPair pharmacyKey, Guid orderId)
    {
        using var doc = StrictJson.Parse(SealedSecret.FromJson(sealedJson).Open(pharmacyKey, ProtocolTags.OrderReservationNote, orderId.ToString()));
        var e = doc.RootElement;
        StrictJson.RequireMembers(e, "reservation note", "reservationId", "salt");
        return new OrderReservationNote(
            Guid.TryParseExact(StrictJson.String(e, "reservationId"), "D", out var id) ? id : throw new CryptoFormatException("'reservationId' must be a UUID."),
            StrictJson.Base64(e, "salt", 32));
    }
}

using System.Text;

namespace MedLedger.Crypto.Tests;

public class OrderContentTests
{
    private static readonly KeyBundle Pharmacy = KeyBundle.Generate();
    private static readonly KeyBundle Patient = KeyBundle.Generate();

    private static OrderContent Content(Guid? orderId = null) =>
        new(orderId ?? Guid.NewGuid(), Guid.NewGuid(), "EUR", [new OrderLine(Guid.NewGuid(), 3, 349), new OrderLine(Guid.NewGuid(), 1, 1200)], null);

    [Fact]
    public void An_order_opens_for_the_pharmacy_and_the_patient_under_its_own_id_only()
    {
        var content = Content();
        Assert.Equal(2247, content.Total);
        var forPharmacy = content.SealFor(Pharmacy.Encryption.PublicKey);
        var opened = OrderContent.Open(forPharmacy, Pharmacy.Encryption, content.OrderId);
        Assert.Equal(content.Lines, opened.Lines);
        Assert.Equal(content.OrderId, OrderContent.Open(content.SealFor(Patient.Encryption.PublicKey), Patient.Encryption, content.OrderId).OrderId);
        // Another key, or the same copy presented as another order, does not open.
        Assert.ThrowsAny<CryptoIntegrityException>(() => OrderContent.Open(forPharmacy, Patient.Encryption, content.OrderId));
        Assert.ThrowsAny<CryptoIntegrityException>(() => OrderContent.Open(forPharmacy, Pharmacy.Encryption, Guid.NewGuid()));
    }

    [Fact]
    public void The_order_format_is_strict_and_the_reservation_commitment_depends_on_id_and_salt()
    {
        var json = Encoding.UTF8.GetString(Content().ToJsonBytes());
        Assert.Throws<CryptoFormatException>(() => OrderContent.FromJson(Encoding.UTF8.GetBytes(json.Replace("\"prescriptionId\"", "\"medicineName\"", StringComparison.Ordinal))));
        Assert.Throws<CryptoFormatException>(() => OrderContent.FromJson(Encoding.UTF8.GetBytes(json.Replace("\"quantity\":3", "\"quantity\":0", StringComparison.Ordinal))));

        var orderId = Guid.NewGuid();
        var note = OrderReservationNote.New(Guid.NewGuid());
        var back = OrderReservationNote.Open(note.SealFor(Pharmacy.Encryption.PublicKey, orderId), Pharmacy.Encryption, orderId);
        Assert.Equal(note.Commitment(), back.Commitment());
        Assert.NotEqual(note.Commitment(), OrderReservationNote.New(note.ReservationId).Commitment());
        Assert.Matches("^[0-9a-f]{64}$", note.Commitment());
    }
}

using System.Security.Cryptography;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>orders.place, orders.status and pharmacy.stock-reservation against a real SQLite-backed peer (identity and order contracts only).</summary>
public sealed class OrderContractTests : PharmacyPeerTestBase
{
    private protected override IEnumerable<ILedgerContract> AreaContracts => [new OrderPlaceContract(), new OrderStatusContract(), new StockReservationContract()];

    private Dictionary<string, string> Place(TestUser patient, string amount = "1047") => new()
    {
        ["orderId"] = Guid.NewGuid().ToString(), ["patientId"] = patient.Id, ["pharmacyId"] = _pharmacy, ["amount"] = amount, ["currency"] = "EUR",
        ["contentHash"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
    };

    private static Dictionary<string, string> Status(string orderId, string status, string? extraKey = null, string? extra = null)
    {
        var p = new Dictionary<string, string> { ["orderId"] = orderId, ["status"] = status };
        if (extraKey is not null)
        {
            p[extraKey] = extra!;
        }
        return p;
    }

    private static Dictionary<string, string> Accept(string orderId) => Status(orderId, OrderStatusContract.Accepted, "commitment", Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)));

    private Dictionary<string, string> Reservation(string id, string action, string units = "3") => new()
    {
        ["pharmacyId"] = _pharmacy, ["reservationId"] = id, ["action"] = action, ["units"] = units,
    };

    private async Task<string> PlacedAsync()
    {
        var p = Place(_patient);
        Assert.True((await _peer.SubmitAsync(_patient.Tx(OrderPlaceContract.TypeName, p))).Valid);
        return p["orderId"];
    }

    [Fact]
    public async Task An_order_is_placed_by_its_patient_once_with_ids_an_amount_and_a_hash_only()
    {
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(OrderPlaceContract.TypeName, Place(_patient))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(OrderPlaceContract.TypeName, Place(_pharmacist))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(OrderPlaceContract.TypeName, Place(_patient, amount: "0"))));
        var named = Place(_patient);
        named["medicine"] = "oxycodone";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(OrderPlaceContract.TypeName, named)));

        var p = Place(_patient);
        Assert.True((await _peer.SubmitAsync(_patient.Tx(OrderPlaceContract.TypeName, p))).Valid);
        Assert.Equal("placed", await _peer.Queries.GetStateAsync(OrderKeys.Status(p["orderId"])));
        p["contentHash"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(OrderPlaceContract.TypeName, p)));
    }

    [Fact]
    public async Task The_order_state_machine_holds_on_the_ledger_for_pharmacists_the_patient_and_the_platform()
    {
        var id = await PlacedAsync();
        // Only a verified pharmacist accepts, with a commitment; only the order's patient cancels; only a peer expires.
        var unverified = await UserAsync(IdentityRoles.Pharmacist, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(unverified.Tx(OrderStatusContract.TypeName, Accept(id))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(OrderStatusContract.TypeName, Accept(id))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Accepted))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Declined, "reason", "we ran out of oxycodone"))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Cancelled))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Expired))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Ready))));

        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(OrderStatusContract.TypeName, Accept(id)))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(OrderStatusContract.TypeName, Accept(id))));
        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Ready)))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Cancelled))));
        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(OrderStatusContract.TypeName, Status(id, OrderStatusContract.Collected)))).Valid);
        Assert.Equal("collected", await _peer.Queries.GetStateAsync(OrderKeys.Status(id)));

        var expiring = await PlacedAsync();
        Assert.True((await _peer.SubmitAsync(_peer.CreateSystemTransaction(OrderStatusContract.TypeName, Status(expiring, OrderStatusContract.Expired)))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(OrderStatusContract.TypeName, Status(expiring, OrderStatusContract.Cancelled))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_peer.CreateSystemTransaction(OrderStatusContract.TypeName, Status(expiring, OrderStatusContract.Cancelled))));
    }

    [Fact]
    public async Task A_reservation_is_reserved_once_and_released_collected_or_expired_once()
    {
        var id = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Reserve))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Reserve, units: "0"))));
        var withOrder = Reservation(id, StockReservationContract.Reserve);
        withOrder["orderId"] = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(StockReservationContract.TypeName, withOrder)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Release))));

        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Reserve)))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Reserve))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Expire))));
        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Release)))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Collect))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_peer.CreateSystemTransaction(StockReservationContract.TypeName, Reservation(id, StockReservationContract.Expire))));
        Assert.Equal("released", await _peer.Queries.GetStateAsync(OrderKeys.Reservation(id)));

        var other = Guid.NewGuid().ToString();
        await _peer.SubmitAsync(_pharmacist.Tx(StockReservationContract.TypeName, Reservation(other, StockReservationContract.Reserve)));
        Assert.True((await _peer.SubmitAsync(_peer.CreateSystemTransaction(StockReservationContract.TypeName, Reservation(other, StockReservationContract.Expire)))).Valid);
        Assert.Equal("expired", await _peer.Queries.GetStateAsync(OrderKeys.Reservation(other)));
    }
}

using System.Net;
using System.Text.Json;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using OrdersHub = MedLedger.Server.Features.Orders.OrdersHub;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Orders;

/// <summary>
/// /hubs/orders: a patient hears of their own orders' status changes and a pharmacy's pharmacists of their pharmacy's (the
/// browser's "My orders" and order queue re-read on them), never another patient's or pharmacy's, and never the sealed lines;
/// roles with no orders cannot connect.
/// </summary>
public sealed class OrderHubTests : RecordTestBase
{
    private HubConnection Build(string token) => HubListener.Build(Host, OrdersHub.Path, token);

    private async Task<HubListener> WatchAsync(SdkUser user) =>
        await HubListener.WatchAsync(Host, OrdersHub.Path, OrdersHub.OrderEvent, await user.Client.GetAccessTokenAsync());

    /// <summary>A verified pharmacy with its organization key and one over-the-counter medicine in stock.</summary>
    private async Task<(SdkUser Pharmacist, Guid MedicineId)> PharmacyAsync(string name)
    {
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, name + " " + Guid.NewGuid().ToString("N")[..6]);
        var pharmacy = pharmacist.OrganizationId!.Value;
        await pharmacist.Client.PublishPharmacyKeyAsync();
        var item = await pharmacist.Client.AddMedicineAsync(pharmacy, new NewMedicine("Hubrine " + Guid.NewGuid().ToString("N")[..6], "500 mg", DosageForm.Tablet, 20, 349, "EUR",
            PrescriptionOnly: false, DrugSchedule.None, ReorderLevel: 0));
        await pharmacist.Client.ReceiveStockAsync(pharmacy, item.Id, "HUB-LOT-1", DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime).AddYears(1), 10);
        return (pharmacist, item.Id);
    }

    private static (Guid Id, string Status) Of(JsonElement e) => (e.GetProperty("id").GetGuid(), e.GetProperty("status").GetString()!);

    [Fact]
    public async Task A_patient_and_the_pharmacy_hear_of_their_orders_status_changes_and_another_patient_and_pharmacy_do_not()
    {
        var (pharmacist, item) = await PharmacyAsync("Live Orders Pharmacy");
        var (otherPharmacist, otherItem) = await PharmacyAsync("Other Live Orders Pharmacy");
        var (patient, other) = (await World.RegisterAsync(Role.Patient), await World.RegisterAsync(Role.Patient));
        await using var patientHub = await WatchAsync(patient);
        await using var pharmacyHub = await WatchAsync(pharmacist);
        await using var otherHub = await WatchAsync(other);
        await using var otherPharmacyHub = await WatchAsync(otherPharmacist);

        var (placedForPatient, placedForPharmacy) = (patientHub.Arm(), pharmacyHub.Arm());
        var order = await patient.Client.PlaceOrderAsync(pharmacist.OrganizationId!.Value, [new OrderItem(item, 2)]);
        Assert.Equal((order.Id, "placed"), Of(await placedForPatient.WaitAsync(TimeSpan.FromSeconds(30))));
        var pharmacyEvent = await placedForPharmacy.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal((order.Id, "placed"), Of(pharmacyEvent));
        // Ids and status only: nothing sealed, no amount.
        Assert.Equal(["id", "patientId", "pharmacyId", "status"], pharmacyEvent.EnumerateObject().Select(p => p.Name).Order());

        var accepted = patientHub.Arm();
        await pharmacist.Client.AcceptOrderAsync(order.Id);
        Assert.Equal((order.Id, "accepted"), Of(await accepted.WaitAsync(TimeSpan.FromSeconds(30))));

        // The other patient's order at the other pharmacy comes after ours: events are ordered per connection, so had it
        // reached our patient or pharmacy, it would be there before the cancellation below.
        var (own, ownPharmacy) = (otherHub.Arm(), otherPharmacyHub.Arm());
        var theirs = await other.Client.PlaceOrderAsync(otherPharmacist.OrganizationId!.Value, [new OrderItem(otherItem, 1)]);
        Assert.Equal((theirs.Id, "placed"), Of(await own.WaitAsync(TimeSpan.FromSeconds(30))));
        Assert.Equal((theirs.Id, "placed"), Of(await ownPharmacy.WaitAsync(TimeSpan.FromSeconds(30))));
        var (cancelled, cancelledAtPharmacy) = (patientHub.Arm(), pharmacyHub.Arm());
        await patient.Client.CancelOrderAsync(order.Id);
        await cancelled.WaitAsync(TimeSpan.FromSeconds(30));
        await cancelledAtPharmacy.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([(order.Id, "placed"), (order.Id, "accepted"), (order.Id, "cancelled")], patientHub.Events.Select(Of));
        Assert.Equal([(order.Id, "placed"), (order.Id, "accepted"), (order.Id, "cancelled")], pharmacyHub.Events.Select(Of));
        Assert.Equal([(theirs.Id, "placed")], otherHub.Events.Select(Of));
        Assert.Equal([(theirs.Id, "placed")], otherPharmacyHub.Events.Select(Of));
    }

    [Fact]
    public async Task The_admin_a_doctor_and_hospital_staff_cannot_connect_to_the_orders_hub()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Orders Hub Refusal Clinic", 1);
        foreach (var who in new[] { Admin, staff, doctors[0] })
        {
            await using var connection = Build(await who.Client.GetAccessTokenAsync());
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => connection.StartAsync());
            Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        }
    }
}

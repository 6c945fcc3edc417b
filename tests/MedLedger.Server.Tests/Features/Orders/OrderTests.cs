using System.Net;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Orders;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Tests.Features.Pharmacy;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Orders;

/// <summary>
/// Issue 16 items 2–3: a patient's order sealed for the pharmacy, worked by its pharmacists through the C# SDK and the real
/// pipeline: placed → accepted (stock reserved without naming the order) → ready → collected once paid, or cancelled / expired
/// with the reservation released once; Idempotency-Key; wrong transitions; refusals; the pharmacist's total check.
/// </summary>
public sealed class OrderTests : RecordTestBase
{
    private SdkUser _pharmacist = null!, _patient = null!;
    private Guid _pharmacy;

    /// <summary>A verified pharmacy with its organization key and one over-the-counter medicine (price 349 EUR cents) with <paramref name="units"/> in stock.</summary>
    private async Task<Guid> WorldAsync(int units = 10, string name = "Orderine")
    {
        _pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Order Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        _pharmacy = _pharmacist.OrganizationId!.Value;
        await _pharmacist.Client.PublishPharmacyKeyAsync();
        _patient = await World.RegisterAsync(Role.Patient);
        var item = await _pharmacist.Client.AddMedicineAsync(_pharmacy, new NewMedicine(name + " " + Guid.NewGuid().ToString("N")[..6], "500 mg", DosageForm.Tablet, 20, 349, "EUR",
            PrescriptionOnly: false, DrugSchedule.None, ReorderLevel: 0));
        await _pharmacist.Client.ReceiveStockAsync(_pharmacy, item.Id, "ORD-LOT-1", DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime).AddYears(1), units);
        return item.Id;
    }

    private async Task<int> OnHandAsync(Guid medicineId) =>
        await Db(db => db.Set<StockLot>().Where(l => l.MedicineId == medicineId).SumAsync(l => l.OnHand));

    private Task AssertIdentityAsync() => new PharmacyWorld(Host).AssertIdentityAsync(_pharmacy);

    private async Task<StockReservationStatus> ReservationStatusAsync() =>
        await Db(db => db.Set<StockReservation>().Where(r => r.PharmacyId == _pharmacy).Select(r => r.Status).SingleAsync());

    [Fact]
    public async Task A_prescription_order_shares_the_medication_request_with_the_pharmacys_verified_pharmacists_who_can_then_dispense_it()
    {
        var item = await WorldAsync(units: 100);
        var (staff, doctors) = await World.HospitalAsync(Admin, "Rx Order General " + Guid.NewGuid().ToString("N")[..6], 1);
        await _patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, _patient.Id);
        var rx = await doctors[0].Client.WritePrescriptionAsync(Dispensing.DispensingTests.MedicationRequest(), _patient.Id);
        var colleague = await World.RegisterAsync(Role.Pharmacist, organizationId: _pharmacy);
        await Admin.Client.DecideProfessionalAsync(colleague.Id, true);
        var unverified = await World.RegisterAsync(Role.Pharmacist, organizationId: _pharmacy);

        var placed = await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 1)], prescriptionId: rx.Info.PrescriptionId);

        // The patient's own grants: the MedicationRequest record to each verified pharmacist of the pharmacy, until the prescription ends.
        var grants = (await _patient.Client.GrantsAsync()).Where(g => g.Active && g.Items.Contains(rx.Info.RecordId.ToString())).ToList();
        Assert.Equal(new[] { _pharmacist.Id, colleague.Id }.Order(), grants.Select(g => g.GranteeId).Order());
        Assert.All(grants, g => Assert.Equal((ConsentScope.Records, "dispensing", rx.Info.ValidUntil), (g.Scope, g.Purpose, g.ExpiresAt!.Value)));
        Assert.DoesNotContain(grants, g => g.GranteeId == unverified.Id);
        // The pharmacist opens the order, finds the prescription in it, and dispenses it (the grant covers the record now).
        var opened = await _pharmacist.Client.OpenOrderAsync(placed.Id);
        Assert.Equal(rx.Info.PrescriptionId, opened.Content.PrescriptionId);
        var filled = await _pharmacist.Client.DispenseAsync(rx.Info.PrescriptionId, item, 30);
        Assert.Equal((1, 30), (filled.FillsMade, filled.Dispensed));
        // A second order for the same prescription shares nothing twice.
        await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 1)], prescriptionId: rx.Info.PrescriptionId);
        Assert.Equal(2, (await _patient.Client.GrantsAsync()).Count(g => g.Active && g.Items.Contains(rx.Info.RecordId.ToString())));
        // Someone else's prescription is refused before anything is sealed or shared.
        var stranger = await World.RegisterAsync(Role.Patient);
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => stranger.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 1)], prescriptionId: rx.Info.PrescriptionId));
        Assert.Equal(HttpStatusCode.NotFound, refused.Status);
        Assert.Empty(await stranger.Client.MyOrdersAsync());
    }

    [Fact]
    public async Task An_order_is_placed_sealed_accepted_with_stock_reserved_made_ready_paid_and_collected()
    {
        var item = await WorldAsync();
        var placed = await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 3)]);
        Assert.Equal(("placed", 1047L, "EUR"), (placed.Status, placed.Amount, placed.Currency));
        // The patient reads their own copy; the pharmacist opens the pharmacy's copy with the pharmacy key.
        Assert.Equal(new OrderLine(item, 3, 349), Assert.Single(_patient.Client.OpenMyOrder(placed).Lines));
        var opened = await _pharmacist.Client.OpenOrderAsync(placed.Id);
        Assert.Equal(new OrderLine(item, 3, 349), Assert.Single(opened.Content.Lines));
        Assert.Equal(placed.Id, Assert.Single(await _pharmacist.Client.PharmacyOrdersAsync("placed")).Id);

        var accepted = await _pharmacist.Client.AcceptOrderAsync(placed.Id);
        Assert.Equal("accepted", accepted.Status);
        Assert.Equal(7, await OnHandAsync(item));
        Assert.Equal(StockReservationStatus.Held, await ReservationStatusAsync());
        // The payable carries the amount fixed at placing; collection waits for it to be paid.
        var payable = Assert.Single(await _patient.Client.MyPayablesAsync());
        Assert.Equal(("order", placed.Id, 1047L), (payable.ReferenceKind, payable.ReferenceId, payable.Amount));
        await _pharmacist.Client.MarkOrderReadyAsync(placed.Id);
        var unpaid = await Assert.ThrowsAsync<MedLedgerApiException>(() => _pharmacist.Client.CollectOrderAsync(placed.Id));
        Assert.Equal(HttpStatusCode.Conflict, unpaid.Status);
        Assert.EndsWith("/order-unpaid", unpaid.ProblemType);
        await _patient.Client.TopUpAsync(2000, "EUR", "card-auth-order");
        Assert.Equal("paid", (await _patient.Client.PayAsync(payable.Id)).Status);

        var collected = await _pharmacist.Client.CollectOrderAsync(placed.Id);
        Assert.Equal("collected", collected.Status);
        Assert.Equal(StockReservationStatus.Collected, await ReservationStatusAsync());
        Assert.Equal(7, await OnHandAsync(item));
        Assert.Equal("collected", (await _patient.Client.MyOrderAsync(placed.Id)).Status);
        await AssertIdentityAsync();

        // The ledger: the order's events carry ids, a hash, an amount and statuses; the reservation names neither order nor patient.
        var about = await LedgerAbout(_patient.Id);
        var place = Assert.Single(about, t => t.Type == OrderPlaceContract.TypeName);
        Assert.Equal(new[] { "amount", "contentHash", "currency", "orderId", "patientId", "pharmacyId" }, place.Payload.Keys.Order(StringComparer.Ordinal));
        var reservations = (await LedgerAbout(_pharmacy)).Where(t => t.Type == StockReservationContract.TypeName).ToList();
        Assert.Equal(2, reservations.Count);
        Assert.All(reservations, r => Assert.Equal(new[] { "action", "pharmacyId", "reservationId", "units" }, r.Payload.Keys.Order(StringComparer.Ordinal)));
        Assert.All(reservations, r => Assert.DoesNotContain(r.Payload.Values, v => v == placed.Id.ToString() || v == _patient.Id.ToString()));
        // `ledger verify`'s relational side finds the order rows where the ledger put them.
        var findings = await Db(db => MedLedger.Server.Features.Ledger.LedgerRowAudit.RunAsync(db, Host.Service<MedLedger.Server.Features.Ledger.LedgerGateway>().Peer.Store, default));
        Assert.DoesNotContain(findings, f => f.StartsWith("order", StringComparison.Ordinal));
        await Db(db => db.Set<Order>().Where(o => o.Id == placed.Id).ExecuteUpdateAsync(u => u.SetProperty(o => o.Status, OrderStatus.Ready)));
        findings = await Db(db => MedLedger.Server.Features.Ledger.LedgerRowAudit.RunAsync(db, Host.Service<MedLedger.Server.Features.Ledger.LedgerGateway>().Peer.Store, default));
        Assert.Contains($"order {placed.Id} is ready but the ledger says collected", findings);
        // The reservation rows too: clean as written, and a status rewritten behind the ledger is reported.
        Assert.DoesNotContain(findings, f => f.StartsWith("stock reservation", StringComparison.Ordinal));
        var reservationId = await Db(db => db.Set<StockReservation>().Where(r => r.PharmacyId == _pharmacy).Select(r => r.Id).SingleAsync());
        await Db(db => db.Set<StockReservation>().Where(r => r.Id == reservationId).ExecuteUpdateAsync(u => u.SetProperty(r => r.Status, StockReservationStatus.Held)));
        findings = await Db(db => MedLedger.Server.Features.Ledger.LedgerRowAudit.RunAsync(db, Host.Service<MedLedger.Server.Features.Ledger.LedgerGateway>().Peer.Store, default));
        Assert.Contains($"stock reservation {reservationId}: the row says held, the ledger collected", findings);
    }

    [Fact]
    public async Task A_cancelled_accepted_order_has_its_reservation_released_once_by_the_pharmacists_client()
    {
        var item = await WorldAsync();
        var order = await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 4)]);
        await _pharmacist.Client.AcceptOrderAsync(order.Id);
        Assert.Equal(6, await OnHandAsync(item));

        Assert.Equal("cancelled", (await _patient.Client.CancelOrderAsync(order.Id)).Status);
        Assert.Equal("cancelled", Assert.Single(await _pharmacist.Client.PharmacyOrdersAsync("cancelled")).Status);
        Assert.True(await _pharmacist.Client.ReleaseCancelledOrderAsync(order.Id));
        Assert.False(await _pharmacist.Client.ReleaseCancelledOrderAsync(order.Id));
        Assert.Equal(10, await OnHandAsync(item));
        Assert.Equal(StockReservationStatus.Released, await ReservationStatusAsync());
        // A released reservation leaves no sale behind.
        Assert.Equal(0, await Db(db => db.Set<StockMovement>().CountAsync(m => m.PharmacyId == _pharmacy && m.Kind == StockMovementKind.Sold)));
        await AssertIdentityAsync();
    }

    [Fact]
    public async Task An_accepted_order_past_its_expiry_expires_on_read_and_its_reservation_is_released_exactly_once()
    {
        var item = await WorldAsync();
        var intent = await _patient.Client.PrepareOrderAsync(_pharmacy, [new OrderItem(item, 5)], expiresAt: Host.Clock.GetUtcNow().AddHours(2));
        var order = await _patient.Client.SubmitOrderAsync(intent);
        await _pharmacist.Client.AcceptOrderAsync(order.Id);
        var waiting = await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 1)]);
        Assert.Equal(5, await OnHandAsync(item));

        Host.Clock.Advance(TimeSpan.FromHours(3));
        var queue = await _pharmacist.Client.PharmacyOrdersAsync();
        Assert.Equal("expired", queue.Single(o => o.Id == order.Id).Status);
        Assert.Equal("placed", queue.Single(o => o.Id == waiting.Id).Status);
        // The reservation expired on its own (it carries the order's expiry); reading again releases nothing twice.
        await _pharmacist.Client.PharmacyStockAsync(_pharmacy);
        await Assert.ThrowsAsync<OrderCheckException>(() => _pharmacist.Client.ReleaseCancelledOrderAsync(waiting.Id));
        Assert.False(await _pharmacist.Client.ReleaseCancelledOrderAsync(order.Id));
        Assert.Equal(StockReservationStatus.Expired, await ReservationStatusAsync());
        Assert.Equal(10, await OnHandAsync(item));
        Assert.Equal("expired", (await _patient.Client.MyOrderAsync(order.Id)).Status);
        var late = await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.CancelOrderAsync(order.Id));
        Assert.Equal(HttpStatusCode.Conflict, late.Status);
        await AssertIdentityAsync();
    }

    [Fact]
    public async Task A_hundred_concurrent_reservations_and_walk_in_sales_against_ten_units_leave_exactly_ten_taken_and_stock_at_zero()
    {
        var item = await WorldAsync(units: 10);
        var expires = Host.Clock.GetUtcNow().AddDays(1);
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            try
            {
                if (i % 2 == 0)
                {
                    await _pharmacist.Client.ReserveStockAsync([new OrderItem(item, 1)], expires);
                }
                else
                {
                    await _pharmacist.Client.SellAsync(_pharmacy, item, 1);
                }
                return "ok";
            }
            catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
            {
                return e.ProblemType ?? "conflict";
            }
        }));

        Assert.Equal(10, outcomes.Count(o => o == "ok"));
        Assert.All(outcomes.Where(o => o != "ok"), o => Assert.EndsWith("/insufficient-stock", o));
        Assert.Equal(0, await OnHandAsync(item));
        var held = await Db(db => db.Set<StockReservation>().Where(r => r.PharmacyId == _pharmacy).ToListAsync());
        Assert.All(held, r => Assert.Equal(StockReservationStatus.Held, r.Status));
        var sold = await Db(db => db.Set<StockMovement>().Where(m => m.PharmacyId == _pharmacy && m.Kind == StockMovementKind.Sold).SumAsync(m => m.Quantity));
        Assert.Equal(10, sold);
        await AssertIdentityAsync();
    }

    [Fact]
    public async Task A_retried_place_with_the_same_Idempotency_Key_gives_one_order_and_the_key_with_another_order_is_422()
    {
        var item = await WorldAsync();
        var intent = await _patient.Client.PrepareOrderAsync(_pharmacy, [new OrderItem(item, 2)], idempotencyKey: "order-retry-1");
        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => _patient.Client.SubmitOrderAsync(intent)));
        Assert.All(results, r => Assert.Equal(intent.OrderId, r.Id));
        Assert.Equal(intent.OrderId, (await _patient.Client.SubmitOrderAsync(intent)).Id);
        Assert.Equal(intent.OrderId, Assert.Single(await _patient.Client.MyOrdersAsync()).Id);

        var other = await _patient.Client.PrepareOrderAsync(_pharmacy, [new OrderItem(item, 3)], idempotencyKey: "order-retry-1");
        var reused = await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.SubmitOrderAsync(other));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency-key-reused"), (reused.Status, reused.ProblemType?.Split('/')[^1]));
        Assert.Single(await _patient.Client.MyOrdersAsync());
        Assert.Single(await LedgerAbout(_patient.Id), t => t.Type == OrderPlaceContract.TypeName);
    }

    [Fact]
    public async Task Wrong_transitions_are_409_problems_and_change_nothing()
    {
        var item = await WorldAsync();
        var order = await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 1)]);
        async Task Conflict(Func<Task> act)
        {
            var e = await Assert.ThrowsAsync<MedLedgerApiException>(act);
            Assert.Equal(HttpStatusCode.Conflict, e.Status);
        }
        await Conflict(() => _pharmacist.Client.MarkOrderReadyAsync(order.Id));
        // The pharmacist's client knows a placed order holds no reservation to collect.
        await Assert.ThrowsAsync<OrderCheckException>(() => _pharmacist.Client.CollectOrderAsync(order.Id));
        await _pharmacist.Client.DeclineOrderAsync(order.Id, "out-of-stock");
        await Conflict(() => _pharmacist.Client.DeclineOrderAsync(order.Id, "other"));
        // The pharmacist's client reserves nothing for an order that is no longer placed.
        await Assert.ThrowsAsync<OrderCheckException>(() => _pharmacist.Client.AcceptOrderAsync(order.Id));
        await Conflict(() => _patient.Client.CancelOrderAsync(order.Id));
        var declined = await _patient.Client.MyOrderAsync(order.Id);
        Assert.Equal(("declined", "out-of-stock"), (declined.Status, declined.DeclineReason));
        Assert.Equal(10, await OnHandAsync(item));
        Assert.Empty(await Db(db => db.Set<StockReservation>().Where(r => r.PharmacyId == _pharmacy).ToListAsync()));
    }

    [Fact]
    public async Task Another_pharmacys_pharmacist_another_patient_and_a_doctor_are_refused_on_the_order_endpoints()
    {
        var item = await WorldAsync();
        var order = await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 1)]);
        var rival = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rival Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        var stranger = await World.RegisterAsync(Role.Patient);
        var (_, doctors) = await World.HospitalAsync(Admin, "Order Hospital " + Guid.NewGuid().ToString("N")[..6]);

        async Task Refused(HttpStatusCode status, Func<Task> act) => Assert.Equal(status, (await Assert.ThrowsAsync<MedLedgerApiException>(act)).Status);
        async Task<HttpStatusCode> Raw(SdkUser caller, HttpMethod method, string url)
        {
            using var http = Host.CreateClient();
            http.DefaultRequestHeaders.Authorization = new("Bearer", await caller.Client.GetAccessTokenAsync());
            using var req = new HttpRequestMessage(method, url);
            if (method == HttpMethod.Post)
            {
                req.Content = new StringContent("{\"transaction\":{\"transaction\":\"AA==\",\"signature\":\"AA==\"}}", System.Text.Encoding.UTF8, "application/json");
            }
            return (await http.SendAsync(req)).StatusCode;
        }
        // The rival pharmacist asks for this pharmacy's queue and order by its id: 403 before anything is read.
        Assert.Equal(HttpStatusCode.Forbidden, await Raw(rival, HttpMethod.Get, $"/api/pharmacies/{_pharmacy}/orders"));
        Assert.Equal(HttpStatusCode.Forbidden, await Raw(rival, HttpMethod.Get, $"/api/pharmacies/{_pharmacy}/orders/{order.Id}"));
        Assert.Equal(HttpStatusCode.Forbidden, await Raw(rival, HttpMethod.Post, $"/api/pharmacies/{_pharmacy}/orders/{order.Id}/decline"));
        // Through its own pharmacy the order does not exist.
        await Refused(HttpStatusCode.NotFound, () => rival.Client.OpenOrderAsync(order.Id));
        await Refused(HttpStatusCode.NotFound, () => rival.Client.DeclineOrderAsync(order.Id, "other"));
        // Another patient cannot see or cancel it; a doctor is not a party to orders at all.
        await Refused(HttpStatusCode.NotFound, () => stranger.Client.MyOrderAsync(order.Id));
        await Refused(HttpStatusCode.NotFound, () => stranger.Client.CancelOrderAsync(order.Id));
        Assert.Empty(await stranger.Client.MyOrdersAsync());
        await Refused(HttpStatusCode.Forbidden, () => doctors[0].Client.MyOrdersAsync());
        Assert.Equal(HttpStatusCode.Forbidden, await Raw(doctors[0], HttpMethod.Get, $"/api/pharmacies/{_pharmacy}/orders"));
        Assert.Equal("placed", (await _patient.Client.MyOrderAsync(order.Id)).Status);
    }

    [Fact]
    public async Task The_pharmacists_client_declines_an_order_whose_prices_do_not_match_the_catalogue()
    {
        var item = await WorldAsync();
        // A patient's client that priced the item at one cent: the lines and the signed amount agree with each other, not with the pharmacy.
        var intent = await _patient.Client.PrepareOrderAsync(_pharmacy, [new OrderLine(item, 3, 1)], null, null, null, default);
        var order = await _patient.Client.SubmitOrderAsync(intent);
        Assert.Equal(3, order.Amount);

        var e = await Assert.ThrowsAsync<OrderCheckException>(() => _pharmacist.Client.AcceptOrderAsync(order.Id));
        Assert.Contains("declined", e.Message, StringComparison.Ordinal);
        var seen = await _patient.Client.MyOrderAsync(order.Id);
        Assert.Equal(("declined", "total-mismatch"), (seen.Status, seen.DeclineReason));
        Assert.Equal(10, await OnHandAsync(item));
        Assert.Empty(await _patient.Client.MyPayablesAsync());
    }

    [Fact]
    public async Task An_order_keeps_the_price_it_was_placed_at_when_the_pharmacy_changes_the_price_before_accepting()
    {
        var item = await WorldAsync();
        var order = await _patient.Client.PlaceOrderAsync(_pharmacy, [new OrderItem(item, 2)]);
        Assert.Equal(698, order.Amount);
        // Well after the order was signed (beyond the clock-skew allowance), the pharmacy raises the price.
        Host.Clock.Advance(TimeSpan.FromMinutes(10));
        var medicine = Assert.Single(await _pharmacist.Client.PharmacyStockAsync(_pharmacy), l => l.Medicine.Id == item).Medicine;
        await _pharmacist.Client.UpdateMedicineAsync(_pharmacy, item, MedicineEdit.From(medicine) with { PriceMinor = 399 });

        var accepted = await _pharmacist.Client.AcceptOrderAsync(order.Id);

        Assert.Equal("accepted", accepted.Status);
        Assert.Equal(698, Assert.Single(await _patient.Client.MyPayablesAsync()).Amount);
        // The window logic itself: before, during and after a change.
        var t0 = DateTimeOffset.UnixEpoch.AddDays(1);
        IReadOnlyList<MedicinePriceChange> changes = [new(349, 399, Guid.Empty, t0), new(399, 450, Guid.Empty, t0.AddHours(1))];
        Assert.Equal(new long[] { 349 }, MedLedgerClient.PricesInForce(450, changes, t0.AddMinutes(-20), t0.AddMinutes(-10)).Order());
        Assert.Equal(new long[] { 349, 399 }, MedLedgerClient.PricesInForce(450, changes, t0.AddMinutes(-5), t0.AddMinutes(5)).Order());
        Assert.Equal(new long[] { 399 }, MedLedgerClient.PricesInForce(450, changes, t0.AddMinutes(10), t0.AddMinutes(20)).Order());
        Assert.Equal(new long[] { 450 }, MedLedgerClient.PricesInForce(450, changes, t0.AddHours(2), t0.AddHours(3)).Order());
        Assert.Equal(new long[] { 450 }, MedLedgerClient.PricesInForce(450, [], t0, t0.AddHours(1)).Order());
    }
}

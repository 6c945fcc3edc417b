using System.Net;
using System.Text;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Pharmacy;

/// <summary>Stock by lot through the real HTTP pipeline: the take, its race-freedom and the accounting identity; run on SQLite and PostgreSQL.</summary>
public abstract class StockFlows : IAsyncLifetime
{
    protected TestHost Host = null!;
    protected PharmacyWorld World = null!;

    protected abstract Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null);

    public async Task InitializeAsync()
    {
        Host = await StartHostAsync();
        World = new PharmacyWorld(Host);
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();

    [Fact]
    public async Task Hundred_concurrent_sales_against_ten_units_exactly_ten_succeed_and_the_identity_holds()
    {
        var pharmacist = await World.PharmacistAsync();
        var p = PharmacyWorld.Id(pharmacist);
        var m = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc());
        // Ten usable units over two lots, and an expired lot that must never be touched.
        await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "A-SOON", World.Today.AddDays(20), 6);
        await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "B-LATER", World.Today.AddDays(200), 4);
        var expired = await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "X-EXPIRED", World.Today.AddDays(-1), 50);

        var responses = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => PharmacyWorld.SellAsync(pharmacist, m.Id, 1)));

        Assert.Equal(10, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        var refused = responses.Where(r => r.StatusCode != HttpStatusCode.OK).ToList();
        Assert.Equal(90, refused.Count);
        foreach (var r in refused)
        {
            Assert.Equal(HttpStatusCode.Conflict, r.StatusCode);
            var problem = await r.Problem();
            Assert.EndsWith("/insufficient-stock", problem.GetProperty("type").GetString());
            Assert.Contains("nothing was taken", problem.GetProperty("detail").GetString());
        }
        var item = Assert.Single(await PharmacyWorld.StockAsync(pharmacist));
        Assert.Equal(0, item.Usable);
        Assert.Equal(Availability.Out, item.Availability);
        Assert.Equal(50, item.Lots.Single(l => l.Id == expired.Id).OnHand);
        Assert.All(item.Lots.Where(l => l.Id != expired.Id), l => Assert.Equal(0, l.OnHand));

        var (lots, movements) = await World.RowsAsync(p);
        Assert.Equal(10, movements.Count(x => x.Kind == StockMovementKind.Sold));
        Assert.DoesNotContain(movements, x => x.LotId == expired.Id && x.Kind != StockMovementKind.Received);
        Assert.Equal(10, lots.Sum(l => l.Sold));
        await World.AssertIdentityAsync(p);
    }

    [Fact]
    public async Task Hundred_concurrent_dispensing_takes_through_StockTaking_exactly_ten_succeed()
    {
        var pharmacist = await World.PharmacistAsync();
        var p = PharmacyWorld.Id(pharmacist);
        var m = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc("Amoxicillin") with { PrescriptionOnly = true });
        await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "L1", World.Today.AddDays(30), 3);
        await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "L2", World.Today.AddDays(60), 7);

        // The shape the dispensing feature calls: one scope per request, as the pipeline gives each request.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(async i =>
        {
            await using var scope = Host.App.Services.CreateAsyncScope();
            try
            {
                var taken = await scope.ServiceProvider.GetRequiredService<StockTaking>().TakeAsync(p, m.Id, 1, "prescription fill", $"rx-{i}", CancellationToken.None);
                return taken.Lots.Sum(l => l.Quantity) == 1 ? 200 : -1;
            }
            catch (ProblemException e)
            {
                return e.Status;
            }
        }));

        Assert.Equal(10, outcomes.Count(o => o == 200));
        Assert.Equal(90, outcomes.Count(o => o == 409));
        var (lots, movements) = await World.RowsAsync(p);
        Assert.All(lots, l => Assert.Equal(0, l.OnHand));
        Assert.Equal(10, movements.Count(x => x.Kind == StockMovementKind.Dispensed));
        Assert.All(movements.Where(x => x.Kind == StockMovementKind.Dispensed), x => Assert.StartsWith("rx-", x.Reference));
        await World.AssertIdentityAsync(p);
    }

    [Fact]
    public async Task Taking_is_earliest_expiry_first_never_from_an_expired_lot_and_a_shortfall_changes_nothing()
    {
        var pharmacist = await World.PharmacistAsync();
        var p = PharmacyWorld.Id(pharmacist);
        var m = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc());
        var later = await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "LATER", World.Today.AddDays(100), 5);
        var sooner = await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "SOONER", World.Today.AddDays(10), 3);
        var expiresToday = await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "TODAY", World.Today, 7);
        var expired = await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "PAST", World.Today.AddDays(-30), 20);
        Assert.True(expiresToday.Expired);
        Assert.True(expired.Expired);

        var sale = await (await PharmacyWorld.SellAsync(pharmacist, m.Id, 5)).Read<StockTaken>();
        Assert.Equal([(sooner.Id, 3), (later.Id, 2)], sale.Lots.Select(l => (l.LotId, l.Quantity)).ToList());

        // Four wanted, three usable (27 more on hand but expired): refused, and the three stay.
        var before = await World.RowsAsync(p);
        var shortfall = await PharmacyWorld.SellAsync(pharmacist, m.Id, 4);
        Assert.Equal(HttpStatusCode.Conflict, shortfall.StatusCode);
        Assert.Contains("only 3", (await shortfall.Problem()).GetProperty("detail").GetString());
        var after = await World.RowsAsync(p);
        Assert.Equal(before.Movements.Count, after.Movements.Count);
        Assert.Equal(before.Lots.OrderBy(l => l.Id).Select(l => l.OnHand), after.Lots.OrderBy(l => l.Id).Select(l => l.OnHand));

        var stock = Assert.Single(await PharmacyWorld.StockAsync(pharmacist));
        Assert.Equal(3, stock.Usable);
        Assert.Equal(Availability.Low, stock.Availability);
        Assert.Equal(7, stock.Lots.Single(l => l.Id == expiresToday.Id).OnHand);
        Assert.Equal(20, stock.Lots.Single(l => l.Id == expired.Id).OnHand);
        await World.AssertIdentityAsync(p);
    }

    [Fact]
    public async Task Write_off_needs_a_reason_and_cannot_go_below_zero_adjust_and_return_keep_the_identity()
    {
        var pharmacist = await World.PharmacistAsync();
        var p = PharmacyWorld.Id(pharmacist);
        var m = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc());
        var lot = await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "W1", World.Today.AddDays(50), 10);
        var url = $"/api/pharmacies/{p}/stock/lots/{lot.Id}";

        var noReason = await pharmacist.Api.PostJson($"{url}/write-offs", new LotQuantityRequest(2, "  "));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, noReason.StatusCode);
        Assert.True((await noReason.Problem()).GetProperty("errors").TryGetProperty("reason", out _));
        var tooMany = await pharmacist.Api.PostJson($"{url}/write-offs", new LotQuantityRequest(11, "broken blister"));
        Assert.Equal(HttpStatusCode.Conflict, tooMany.StatusCode);
        Assert.DoesNotContain((await World.RowsAsync(p)).Movements, x => x.Kind == StockMovementKind.WrittenOff);

        var written = await (await pharmacist.Api.PostJson($"{url}/write-offs", new LotQuantityRequest(2, "broken blister"))).Read<LotResponse>();
        Assert.Equal((2, 8), (written.WrittenOff, written.OnHand));
        Assert.Equal("broken blister", (await World.RowsAsync(p)).Movements.Single(x => x.Kind == StockMovementKind.WrittenOff).Reason);

        // Nothing left the lot yet, so nothing can come back.
        Assert.Equal(HttpStatusCode.Conflict, (await pharmacist.Api.PostJson($"{url}/returns", new LotQuantityRequest(1, "unopened"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PharmacyWorld.SellAsync(pharmacist, m.Id, 3)).StatusCode);
        var returned = await (await pharmacist.Api.PostJson($"{url}/returns", new LotQuantityRequest(1, "unopened"))).Read<LotResponse>();
        Assert.Equal((1, 6), (returned.Returned, returned.OnHand));

        Assert.Equal(HttpStatusCode.Conflict, (await pharmacist.Api.PostJson($"{url}/adjustments", new AdjustmentRequest(-7, "count"))).StatusCode);
        var adjusted = await (await pharmacist.Api.PostJson($"{url}/adjustments", new AdjustmentRequest(-6, "stock count found none"))).Read<LotResponse>();
        Assert.Equal((-6, 0), (adjusted.Adjusted, adjusted.OnHand));
        await World.AssertIdentityAsync(p);
    }

    [Fact]
    public async Task Bad_input_is_a_400_or_422_problem_and_changes_nothing()
    {
        var pharmacist = await World.PharmacistAsync();
        var p = PharmacyWorld.Id(pharmacist);
        var m = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc());
        var lot = await PharmacyWorld.ReceiveAsync(pharmacist, m.Id, "B1", World.Today.AddDays(50), 10);
        var before = await World.RowsAsync(p);

        async Task Expect(HttpStatusCode status, string url, string json)
        {
            var res = await pharmacist.Api.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));
            Assert.True(res.StatusCode == status, $"{url} {json} answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
            await res.Problem();
        }
        await Expect(HttpStatusCode.BadRequest, $"/api/pharmacies/{p}/sales", $$"""{"medicineId":"{{m.Id}}","quantity":"ten","reference":null}""");
        await Expect(HttpStatusCode.BadRequest, $"/api/pharmacies/{p}/sales", "{not json");
        await Expect(HttpStatusCode.BadRequest, $"/api/pharmacies/{p}/sales", $$"""{"medicineId":"{{m.Id}}","reference":null}""");
        await Expect(HttpStatusCode.BadRequest, $"/api/pharmacies/{p}/stock/deliveries", $$"""{"medicineId":"{{m.Id}}","lotNumber":"B2","expiresOn":"31/12/2027","quantity":5,"reference":null}""");
        await Expect(HttpStatusCode.UnprocessableEntity, $"/api/pharmacies/{p}/sales", $$"""{"medicineId":"{{m.Id}}","quantity":0,"reference":null}""");
        await Expect(HttpStatusCode.UnprocessableEntity, $"/api/pharmacies/{p}/sales", $$"""{"medicineId":"{{m.Id}}","quantity":-3,"reference":null}""");
        await Expect(HttpStatusCode.UnprocessableEntity, $"/api/pharmacies/{p}/stock/deliveries", $$"""{"medicineId":"{{m.Id}}","lotNumber":"","expiresOn":"2027-12-31","quantity":5,"reference":null}""");
        await Expect(HttpStatusCode.UnprocessableEntity, $"/api/pharmacies/{p}/stock/lots/{lot.Id}/adjustments", """{"delta":0,"reason":"x"}""");
        await Expect(HttpStatusCode.UnprocessableEntity, $"/api/pharmacies/{p}/medicines",
            """{"name":"Oxycodone","strength":"5 mg","form":"Tablet","packSize":0,"priceMinor":-1,"currency":"eur","prescriptionOnly":false,"schedule":"II","reorderLevel":1}""");
        await Expect(HttpStatusCode.NotFound, $"/api/pharmacies/{p}/sales", $$"""{"medicineId":"{{Guid.NewGuid()}}","quantity":1,"reference":null}""");
        await Expect(HttpStatusCode.Conflict, $"/api/pharmacies/{p}/stock/deliveries", $$"""{"medicineId":"{{m.Id}}","lotNumber":"B1","expiresOn":"2030-01-01","quantity":5,"reference":null}""");

        var after = await World.RowsAsync(p);
        Assert.Equal(before.Movements.Count, after.Movements.Count);
        Assert.Equal(before.Lots.Select(l => (l.Id, l.OnHand, l.Received)), after.Lots.Select(l => (l.Id, l.OnHand, l.Received)));
        Assert.Single(await PharmacyWorld.StockAsync(pharmacist));
    }
}

public sealed class SqliteStockTests : StockFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => TestHost.StartAsync(configure);
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresStockTests(PostgresFixture pg) : StockFlows
{
    protected override Task<TestHost> StartHostAsync(Action<IDictionary<string, string?>>? configure = null) => pg.StartHostAsync(configure);
}

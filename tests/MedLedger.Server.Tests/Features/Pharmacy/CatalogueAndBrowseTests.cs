using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Pharmacy;

/// <summary>The catalogue, who may write it, and the patient side (search, nearby, a pharmacy's catalogue) through the real pipeline.</summary>
public sealed class CatalogueAndBrowseTests : HostTestBase
{
    private PharmacyWorld World = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        World = new PharmacyWorld(Host);
    }

    [Fact]
    public async Task A_pharmacist_of_another_pharmacy_is_refused_on_every_pharmacist_endpoint_and_nothing_changes()
    {
        var owner = await World.PharmacistAsync("Own Pharmacy");
        var other = await World.PharmacistAsync("Other Pharmacy");
        var p = PharmacyWorld.Id(owner);
        var m = await PharmacyWorld.AddMedicineAsync(owner, PharmacyWorld.Otc());
        var lot = await PharmacyWorld.ReceiveAsync(owner, m.Id, "OWN-1", World.Today.AddDays(90), 10);
        var before = await World.RowsAsync(p);

        var attempts = new (HttpMethod Method, string Url, object? Body)[]
        {
            (HttpMethod.Post, $"/api/pharmacies/{p}/medicines", PharmacyWorld.Otc("Ibuprofen")),
            (HttpMethod.Get, $"/api/pharmacies/{p}/stock", null),
            (HttpMethod.Post, $"/api/pharmacies/{p}/stock/deliveries", new DeliveryRequest(m.Id, "OWN-1", World.Today.AddDays(90), 5, null)),
            (HttpMethod.Post, $"/api/pharmacies/{p}/stock/lots/{lot.Id}/adjustments", new AdjustmentRequest(-1, "count")),
            (HttpMethod.Post, $"/api/pharmacies/{p}/stock/lots/{lot.Id}/write-offs", new LotQuantityRequest(1, "broken")),
            (HttpMethod.Post, $"/api/pharmacies/{p}/stock/lots/{lot.Id}/returns", new LotQuantityRequest(1, "unopened")),
            (HttpMethod.Post, $"/api/pharmacies/{p}/sales", new SaleRequest(m.Id, 1, null)),
            (HttpMethod.Get, $"/api/pharmacies/{p}/stock/movements", null),
            (HttpMethod.Get, $"/api/pharmacies/{p}/stock/low", null),
            (HttpMethod.Get, $"/api/pharmacies/{p}/stock/near-expiry", null),
            (HttpMethod.Put, $"/api/pharmacies/{p}/medicines/{m.Id}", new MedicineUpdate(1, false, ControlledSchedule.None, 0, true, m.Version)),
            (HttpMethod.Get, $"/api/pharmacies/{p}/medicines/{m.Id}/prices", null),
            (HttpMethod.Get, $"/api/pharmacies/{p}/reports/daily?date=2026-12-01", null),
            (HttpMethod.Get, $"/api/pharmacies/{p}/reports/movements.csv?from=2026-12-01&to=2026-12-01", null),
        };
        foreach (var (method, url, body) in attempts)
        {
            var res = await other.Api.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body, body.GetType(), options: TestHost.Json) });
            Assert.True(res.StatusCode == HttpStatusCode.Forbidden, $"{method} {url} answered {res.StatusCode}");
            Assert.Contains("your own pharmacy", (await res.Problem()).GetProperty("detail").GetString());
        }
        // Patients, doctors, staff, insurers, admins and unverified pharmacists on these routes: CrossCutting/RefusalMatrixTests.
        var after = await World.RowsAsync(p);
        Assert.Equal(before.Movements.Count, after.Movements.Count);
        Assert.Equal(10, after.Lots.Single().OnHand);
        var stock = Assert.Single(await PharmacyWorld.StockAsync(owner));
        Assert.Equal((m.PriceMinor, false), (stock.Medicine.PriceMinor, stock.Medicine.Discontinued));
    }

    [Fact]
    public async Task Prescription_only_and_controlled_medicines_are_not_sold_over_the_counter()
    {
        var pharmacist = await World.PharmacistAsync();
        var oxy = await PharmacyWorld.AddMedicineAsync(pharmacist, new MedicineCreate("Oxycodone", "5 mg", MedicineForm.Tablet, 20, 2490, "EUR", true, ControlledSchedule.II, 3));
        await PharmacyWorld.ReceiveAsync(pharmacist, oxy.Id, "OX-1", World.Today.AddDays(60), 1);
        var sale = await PharmacyWorld.SellAsync(pharmacist, oxy.Id, 1);
        Assert.Equal(HttpStatusCode.Conflict, sale.StatusCode);
        Assert.EndsWith("/prescription-only", (await sale.Problem()).GetProperty("type").GetString());
        Assert.Equal(1, (await PharmacyWorld.StockAsync(pharmacist)).Single().Usable);
        // A scheduled drug cannot be entered as over-the-counter; the same medicine twice is a conflict.
        var otcOxy = await pharmacist.Api.PostJson($"/api/pharmacies/{PharmacyWorld.Id(pharmacist)}/medicines",
            new MedicineCreate("Oxycodone", "10 mg", MedicineForm.Tablet, 20, 2490, "EUR", false, ControlledSchedule.II, 3));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otcOxy.StatusCode);
        var twice = await pharmacist.Api.PostJson($"/api/pharmacies/{PharmacyWorld.Id(pharmacist)}/medicines",
            new MedicineCreate("oxycodone ", "5 mg", MedicineForm.Tablet, 20, 2490, "EUR", true, ControlledSchedule.II, 3));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
    }

    [Fact]
    public async Task Patients_find_a_medicine_and_nearby_pharmacies_with_it_in_stock_by_availability_never_counts()
    {
        var near = await World.PharmacistAsync("Near Pharmacy", 52.5200, 13.4050);
        var nearEmpty = await World.PharmacistAsync("Empty Pharmacy", 52.5210, 13.4060);
        var far = await World.PharmacistAsync("Far Pharmacy", 48.1372, 11.5756);
        var unverified = await World.Users.LoginWithEmailCodeAsync(await World.Users.RegisterAsync(Role.Pharmacist, newOrganization: PharmacyWorld.Pharmacy("Pending Pharmacy", 52.52, 13.405)));
        foreach (var (pharmacist, units) in new[] { (near, 50), (far, 50) })
        {
            var med = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc("Paracetamol", reorderLevel: 10));
            await PharmacyWorld.ReceiveAsync(pharmacist, med.Id, "P1", World.Today.AddDays(100), units);
        }
        // Only expired stock: out of stock to a patient.
        var emptyMed = await PharmacyWorld.AddMedicineAsync(nearEmpty, PharmacyWorld.Otc("Paracetamol", reorderLevel: 10));
        await PharmacyWorld.ReceiveAsync(nearEmpty, emptyMed.Id, "P-OLD", World.Today.AddDays(-1), 40);
        var patient = await World.PatientAsync();

        var search = await patient.Api.GetAsync("/api/medicines/search?q=PARACET");
        var raw = await search.Content.ReadAsStringAsync();
        Assert.DoesNotContain("onHand", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\"usable\"", raw, StringComparison.OrdinalIgnoreCase);
        var hits = (await search.Read<MedicineSearchResponse>()).Items;
        Assert.Equal(3, hits.Count);
        Assert.Equal(Availability.Out, hits.Single(h => h.PharmacyId == PharmacyWorld.Id(nearEmpty)).Availability);
        Assert.All(hits.Where(h => h.PharmacyId != PharmacyWorld.Id(nearEmpty)), h => Assert.Equal(Availability.InStock, h.Availability));
        Assert.Equal(Availability.Out, hits[^1].Availability);

        var nearby = await patient.Api.GetFromJsonAsyncSafe<NearbyPharmaciesResponse>("/api/pharmacies/nearby?lat=52.52&lon=13.40&radiusKm=5&has=paracetamol");
        Assert.Equal([PharmacyWorld.Id(near)], nearby.Items.Select(i => i.PharmacyId));
        Assert.Equal("Paracetamol", nearby.Items[0].Matches.Single().Medicine.Name);
        var all = await patient.Api.GetFromJsonAsyncSafe<NearbyPharmaciesResponse>("/api/pharmacies/nearby?lat=52.52&lon=13.40&radiusKm=5");
        Assert.Equal([PharmacyWorld.Id(near), PharmacyWorld.Id(nearEmpty)], all.Items.Select(i => i.PharmacyId));
        Assert.DoesNotContain(all.Items, i => i.PharmacyId == unverified.OrganizationId);

        var catalogue = await patient.Api.GetFromJsonAsyncSafe<PharmacyCatalogue>($"/api/pharmacies/{PharmacyWorld.Id(near)}/catalogue");
        Assert.Equal(Availability.InStock, catalogue.Items.Single().Availability);
        Assert.Equal(HttpStatusCode.NotFound, (await patient.Api.GetAsync($"/api/pharmacies/{unverified.OrganizationId}/catalogue")).StatusCode);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await patient.Api.GetAsync("/api/medicines/search?q=p")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await patient.Api.GetAsync("/api/pharmacies/nearby?lat=95&lon=13.40")).StatusCode);
        using var anonymous = Host.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/medicines/search?q=paracetamol")).StatusCode);
    }

    [Fact]
    public async Task Low_stock_and_near_expiry_lists()
    {
        var pharmacist = await World.PharmacistAsync();
        var p = PharmacyWorld.Id(pharmacist);
        var plenty = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc("Ibuprofen", reorderLevel: 5));
        var low = await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc("Cetirizine", reorderLevel: 10));
        await PharmacyWorld.AddMedicineAsync(pharmacist, PharmacyWorld.Otc("Loperamide", reorderLevel: 1));
        await PharmacyWorld.ReceiveAsync(pharmacist, plenty.Id, "I-1", World.Today.AddDays(300), 50);
        var soon = await PharmacyWorld.ReceiveAsync(pharmacist, low.Id, "C-SOON", World.Today.AddDays(5), 4);
        // Expired units do not count towards the reorder level.
        var gone = await PharmacyWorld.ReceiveAsync(pharmacist, low.Id, "C-GONE", World.Today.AddDays(-2), 30);

        var lowList = await pharmacist.Api.GetFromJsonAsyncSafe<List<StockItem>>($"/api/pharmacies/{p}/stock/low");
        Assert.Equal(["Cetirizine", "Loperamide"], lowList.Select(i => i.Medicine.Name));
        Assert.Equal((4, Availability.Low), (lowList[0].Usable, lowList[0].Availability));
        Assert.Equal(Availability.Out, lowList[1].Availability);

        var expiring = await pharmacist.Api.GetFromJsonAsyncSafe<List<NearExpiryLot>>($"/api/pharmacies/{p}/stock/near-expiry?days=30");
        Assert.Equal([gone.Id, soon.Id], expiring.Select(e => e.Lot.Id));
        Assert.True(expiring[0].Lot.Expired);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await pharmacist.Api.GetAsync($"/api/pharmacies/{p}/stock/near-expiry?days=-1")).StatusCode);

        // Writing the expired lot off takes it off the list.
        (await pharmacist.Api.PostJson($"/api/pharmacies/{p}/stock/lots/{gone.Id}/write-offs", new LotQuantityRequest(30, "expired"))).EnsureSuccessStatusCode();
        Assert.Equal([soon.Id], (await pharmacist.Api.GetFromJsonAsyncSafe<List<NearExpiryLot>>($"/api/pharmacies/{p}/stock/near-expiry?days=30")).Select(e => e.Lot.Id));
        await World.AssertIdentityAsync(p);
    }
}

using System.Net;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Organizations;
using MedLedger.Server.Features.Pharmacy;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Pharmacy;

/// <summary>Builds verified pharmacies and their pharmacists over the real API, and reads the stock tables for the invariant checks.</summary>
public sealed class PharmacyWorld(TestHost host)
{
    public TestHost Host { get; } = host;
    public TestUsers Users { get; } = new(host);
    private TestUser? _admin;

    public async Task<TestUser> AdminAsync() => _admin ??= await Users.CreateAdminAsync();

    public static NewOrganizationDto Pharmacy(string name, double lat = 52.52, double lon = 13.405) =>
        new(OrganizationKind.Pharmacy, name, "2 Test Street, Berlin", lat, lon, "+49 30 111111", "counter@pharmacy.example.org", "APO-TEST-7");

    /// <summary>A pharmacy approved by the admin, with its verified, signed-in pharmacist.</summary>
    public async Task<TestUser> PharmacistAsync(string name = "Test Pharmacy", double lat = 52.52, double lon = 13.405)
    {
        var admin = await AdminAsync();
        var pharmacist = await Users.RegisterAsync(Role.Pharmacist, newOrganization: Pharmacy(name, lat, lon));
        await Users.AdminDecideAsync(admin, pharmacist.OrganizationId!.Value, organization: true, approve: true);
        await Users.AdminDecideAsync(admin, pharmacist.Id, organization: false, approve: true);
        return await Users.LoginWithEmailCodeAsync(pharmacist);
    }

    public async Task<TestUser> PatientAsync() => await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));

    public static Guid Id(TestUser pharmacist) => pharmacist.OrganizationId!.Value;

    public DateOnly Today => DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime);

    public static MedicineCreate Otc(string name = "Paracetamol", int reorderLevel = 5) =>
        new(name, "500 mg", MedicineForm.Tablet, 20, 349, "EUR", PrescriptionOnly: false, ControlledSchedule.None, reorderLevel);

    public static async Task<MedicineResponse> AddMedicineAsync(TestUser pharmacist, MedicineCreate m)
    {
        var res = await pharmacist.Api.PostJson($"/api/pharmacies/{Id(pharmacist)}/medicines", m);
        Assert.True(res.StatusCode == HttpStatusCode.Created, $"add medicine answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        return await res.Read<MedicineResponse>();
    }

    public static async Task<LotResponse> ReceiveAsync(TestUser pharmacist, Guid medicineId, string lot, DateOnly expiresOn, int quantity)
    {
        var res = await pharmacist.Api.PostJson($"/api/pharmacies/{Id(pharmacist)}/stock/deliveries", new DeliveryRequest(medicineId, lot, expiresOn, quantity, "delivery note 1"));
        Assert.True(res.StatusCode == HttpStatusCode.OK, $"receive answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        return await res.Read<LotResponse>();
    }

    public static Task<HttpResponseMessage> SellAsync(TestUser pharmacist, Guid medicineId, int quantity) =>
        pharmacist.Api.PostJson($"/api/pharmacies/{Id(pharmacist)}/sales", new SaleRequest(medicineId, quantity, null));

    public static Task<List<StockItem>> StockAsync(TestUser pharmacist) =>
        pharmacist.Api.GetFromJsonAsyncSafe<List<StockItem>>($"/api/pharmacies/{Id(pharmacist)}/stock");

    public async Task<(List<StockLot> Lots, List<StockMovement> Movements)> RowsAsync(Guid pharmacyId)
    {
        await using var scope = Host.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
        return (await db.Set<StockLot>().AsNoTracking().Where(l => l.PharmacyId == pharmacyId).ToListAsync(),
            await db.Set<StockMovement>().AsNoTracking().Where(m => m.PharmacyId == pharmacyId).ToListAsync());
    }

    /// <summary>
    /// The accounting identity, recomputed from the append-only movements alone and compared with each lot's counters:
    /// received − sold − dispensed − written off + returned + adjusted = on hand ≥ 0.
    /// </summary>
    public async Task AssertIdentityAsync(Guid pharmacyId)
    {
        var (lots, movements) = await RowsAsync(pharmacyId);
        foreach (var lot in lots)
        {
            var mine = movements.Where(m => m.LotId == lot.Id).ToList();
            int Sum(StockMovementKind k) => mine.Where(m => m.Kind == k).Sum(m => m.Quantity);
            Assert.Equal(lot.Received, Sum(StockMovementKind.Received));
            Assert.Equal(lot.Sold, Sum(StockMovementKind.Sold));
            Assert.Equal(lot.Dispensed, Sum(StockMovementKind.Dispensed));
            Assert.Equal(lot.WrittenOff, Sum(StockMovementKind.WrittenOff));
            Assert.Equal(lot.Returned, Sum(StockMovementKind.Returned));
            Assert.Equal(lot.Adjusted, Sum(StockMovementKind.Adjusted));
            var fromMovements = Sum(StockMovementKind.Received) - Sum(StockMovementKind.Sold) - Sum(StockMovementKind.Dispensed)
                - Sum(StockMovementKind.WrittenOff) + Sum(StockMovementKind.Returned) + Sum(StockMovementKind.Adjusted);
            Assert.Equal(lot.OnHand, fromMovements);
            Assert.True(lot.OnHand >= 0);
        }
    }
}

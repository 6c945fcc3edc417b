using System.Net;
using MedLedger.Ledger.Store;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Hospitals;

/// <summary>Builds verified hospitals, staff and patients over the real API.</summary>
public sealed class HospitalWorld(TestHost host)
{
    public TestHost Host { get; } = host;
    public TestUsers Users { get; } = new(host);
    private TestUser? _admin;

    public async Task<TestUser> AdminAsync() => _admin ??= await Users.CreateAdminAsync();

    /// <summary>A hospital approved by the admin, with its verified, signed-in staff member.</summary>
    public async Task<TestUser> HospitalAsync(string name = "St. Test Hospital", double lat = 52.52, double lon = 13.405)
    {
        var admin = await AdminAsync();
        var staff = await Users.RegisterAsync(Role.HospitalStaff, newOrganization: TestUsers.Hospital(name, lat, lon));
        await Users.AdminDecideAsync(admin, staff.OrganizationId!.Value, organization: true, approve: true);
        await Users.AdminDecideAsync(admin, staff.Id, organization: false, approve: true);
        return await Users.LoginWithEmailCodeAsync(staff);
    }

    public async Task<TestUser> PatientAsync() => await Users.LoginWithEmailCodeAsync(await Users.RegisterAsync(Role.Patient));

    /// <summary>Access tokens last at most an hour; tests that move the clock past a hold sign in again.</summary>
    public async Task ReloginAsync(params TestUser[] users)
    {
        foreach (var u in users)
        {
            u.Client?.Dispose();
            await Users.LoginWithEmailCodeAsync(u);
        }
    }

    public static Guid Id(TestUser staff) => staff.OrganizationId!.Value;

    public static async Task<BedSnapshot> SetWardAsync(TestUser staff, string ward, string bedType, int total, int occupied)
    {
        var res = await staff.Api.PutJson($"/api/hospitals/{Id(staff)}/beds/{Uri.EscapeDataString(ward)}", new WardUpdate(bedType, total, occupied));
        Assert.True(res.StatusCode == HttpStatusCode.OK, $"set ward answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        return await res.Read<BedSnapshot>();
    }

    public static async Task<BookingResponse> BookAsync(TestUser patient, Guid hospitalId, string bedType)
    {
        var res = await patient.Api.PostJson($"/api/hospitals/{hospitalId}/bookings", new BookingRequest(bedType, MedLedger.Crypto.FactCommitment.NewSalt()));
        Assert.True(res.StatusCode == HttpStatusCode.Created, $"booking answered {res.StatusCode}: {await res.Content.ReadAsStringAsync()}");
        return await res.Read<BookingResponse>();
    }

    public static Task<BedSnapshot> BedsAsync(TestUser user, Guid hospitalId) =>
        user.Api.GetFromJsonAsyncSafe<BedSnapshot>($"/api/hospitals/{hospitalId}/beds");

    public static BedTypeCounts Type(BedSnapshot s, string bedType) => s.ByType.Single(t => t.BedType == bedType);

    /// <summary>Committed ledger transactions that mention <paramref name="subject"/>.</summary>
    public async Task<IReadOnlyList<StoredTransaction>> LedgerAboutAsync(Guid subject) =>
        await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionsAboutAsync(subject.ToString(), limit: 1000);
}

using System.Net;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>GET /api/ledger/identity/{id}: a professional's latest identity state with receipts; suspension is recorded there.</summary>
public sealed class IdentityHistoryTests : SdkTestBase
{
    [Fact]
    public async Task Suspending_and_reinstating_a_professional_is_on_the_ledger_and_the_history_serves_the_newest_standing()
    {
        var admin = await World.AdminAsync();
        var (_, doctors) = await World.HospitalAsync(admin, "Northside General");
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);

        var history = await patient.Client.IdentityHistoryAsync(doctor.Id);
        Assert.Equal(RegisterKeysContract.TypeName, Assert.Single(history.Keys).Transaction().Type);
        Assert.Equal("approved", history.Verification!.Transaction().Get("decision"));
        Assert.Null(history.Standing);

        await admin.Client.SuspendAsync(doctor.Id);
        var suspended = (await patient.Client.IdentityHistoryAsync(doctor.Id)).Standing!;
        await patient.Client.VerifyReceiptAsync(suspended);
        Assert.Equal((StandingContract.TypeName, doctor.Id.ToString(), StandingContract.Suspended),
            (suspended.Transaction().Type, suspended.Transaction().Get("subjectId"), suspended.Transaction().Get("standing")));

        await admin.Client.ReinstateAsync(doctor.Id);
        var active = (await patient.Client.IdentityHistoryAsync(doctor.Id)).Standing!;
        Assert.True(active.LogIndex > suspended.LogIndex);
        Assert.Equal(StandingContract.Active, active.Transaction().Get("standing"));
        Assert.True((await patient.Client.IdentityCardAsync(doctor.Id)).Verified);
    }

    [Fact]
    public async Task A_patients_identity_history_is_not_served_and_a_patients_suspension_stays_off_the_ledger()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Northside General");
        var patient = await World.RegisterAsync(MedLedger.Client.Role.Patient);
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => staff.Client.IdentityHistoryAsync(patient.Id));
        Assert.Equal(HttpStatusCode.NotFound, e.Status);
        var unknown = await Assert.ThrowsAsync<MedLedgerApiException>(() => staff.Client.IdentityHistoryAsync(Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);

        await admin.Client.SuspendAsync(patient.Id);
        var about = await Host.Service<MedLedger.Server.Features.Ledger.LedgerGateway>().Peer.Queries.GetTransactionsAboutAsync(patient.Id.ToString());
        Assert.Contains(about, t => t.Transaction.Type == RegisterKeysContract.TypeName);
        Assert.DoesNotContain(about, t => t.Transaction.Type == StandingContract.TypeName);
    }
}

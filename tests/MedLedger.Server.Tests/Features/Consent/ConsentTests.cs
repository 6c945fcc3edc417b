using System.Net;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MedLedger.Server.Tests.Features.Consent;

/// <summary>Consent grants: expiry and the sweep of their key wraps, end to end through the SDK.</summary>
public sealed class ConsentTests : RecordTestBase
{
    [Fact]
    public async Task Consent_expires_and_its_wraps_are_swept()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Expiry Hospital", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        var rec = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        await patient.Client.GrantConsentAsync(doctors[0].Id, ConsentScope.Categories, ["Condition"], expiresAt: Host.Clock.GetUtcNow().AddHours(1));
        Assert.Equal("Condition", (await doctors[0].Client.OpenRecordAsync(rec.RecordId)).Category);
        Host.Clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => doctors[0].Client.OpenRecordAsync(rec.RecordId))).Status);
        await using var scope = Host.App.Services.CreateAsyncScope();
        Assert.Equal(1, await scope.ServiceProvider.GetRequiredService<MedLedger.Server.Features.Consent.ConsentService>().SweepExpiredAsync(CancellationToken.None));
    }
}

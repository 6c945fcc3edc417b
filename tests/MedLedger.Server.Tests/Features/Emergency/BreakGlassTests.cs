using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Emergency;

/// <summary>Break-glass access to a patient's emergency summary and the hospital emergency keys it relies on, end to end through the SDK.</summary>
public sealed class BreakGlassTests : SdkTestBase
{
    [Fact]
    public async Task Break_glass_releases_only_after_commit_notifies_the_patient_and_reaches_admin_review()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Emergency Hospital", 1);
        var (_, otherDoctors) = await World.HospitalAsync(admin, "Far Hospital", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("Blood type O-; allergies: latex"), "text/plain", category: "EmergencySummary");

        // Before the patient designates the hospital, breaking the glass is refused.
        var early = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctors[0].Client.BreakGlassAsync(patient.Id, "unconscious"));
        Assert.Equal(HttpStatusCode.Forbidden, early.Status);

        await patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, staff.OrganizationId!.Value);
        var bad = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctors[0].Client.BreakGlassAsync(patient.Id, "curious"));
        Assert.Equal((HttpStatusCode)422, bad.Status);
        var far = await Assert.ThrowsAsync<MedLedgerApiException>(() => otherDoctors[0].Client.BreakGlassAsync(patient.Id, "life-threatening"));
        Assert.Equal(HttpStatusCode.Forbidden, far.Status);
        // The doctor has no consent: an ordinary read is refused even though break-glass will work.
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => doctors[0].Client.OpenRecordAsync(summary.RecordId))).Status);

        var opened = await doctors[0].Client.BreakGlassAsync(patient.Id, "unconscious");
        Assert.Equal("Blood type O-; allergies: latex", Encoding.UTF8.GetString(opened.Content));

        var seenByPatient = await patient.Client.BreakGlassEventsAsync();
        var ev = Assert.Single(seenByPatient);
        Assert.Equal(doctors[0].Id, ev.DoctorId);
        Assert.Equal("unconscious", ev.Reason);
        var receipt = await patient.Client.ReceiptAsync(ev.TransactionId);
        await patient.Client.VerifyReceiptAsync(receipt);
        Assert.Equal("emergency.break-glass", receipt.Transaction().Type);
        using (var http = Host.CreateClient())
        {
            var mail = await (await http.PostJson("/api/dev/outbox", new { to = patient.Email })).Content.ReadAsStringAsync();
            Assert.Contains("Emergency access to your summary", mail);
        }

        var queue = await admin.Client.BreakGlassEventsAsync();
        Assert.Contains(queue, e => e.Id == ev.Id && e.ReviewedAt is null);
        await admin.Client.ReviewBreakGlassAsync(ev.Id, "justified");
        Assert.Equal(HttpStatusCode.Conflict, (await Assert.ThrowsAsync<MedLedgerApiException>(() => admin.Client.ReviewBreakGlassAsync(ev.Id, "justified"))).Status);
        Assert.Equal("justified", (await admin.Client.BreakGlassEventsAsync()).Single(e => e.Id == ev.Id).ReviewOutcome);
    }

    [Fact]
    public async Task A_server_substituting_a_hospital_emergency_key_is_caught_by_the_patient_client()
    {
        var admin = await World.AdminAsync();
        var (staff, _) = await World.HospitalAsync(admin, "Substitution General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("Blood type A+"), "text/plain", category: "EmergencySummary");

        // The curious server swaps in a key it controls.
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedger.Server.Infrastructure.Data.MedLedgerDbContext>();
            var row = await db.Set<MedLedger.Server.Features.Emergency.HospitalEmergencyKey>().SingleAsync();
            row.PublicKey = MedLedger.Crypto.KeyBundle.Generate().Encryption.PublicKey;
            await db.SaveChangesAsync();
        }
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, staff.OrganizationId!.Value));
    }

    [Fact]
    public async Task The_break_glass_reason_reaches_the_ledger_only_as_a_salted_commitment_that_patient_and_reviewer_clients_open()
    {
        var admin = await World.AdminAsync();
        var (staff, doctors) = await World.HospitalAsync(admin, "Commitment General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("Blood type AB-"), "text/plain", category: "EmergencySummary");
        await patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, staff.OrganizationId!.Value);
        await doctors[0].Client.BreakGlassAsync(patient.Id, "unable-to-consent");

        var ev = Assert.Single(await patient.Client.BreakGlassEventsAsync());
        var onLedger = (await patient.Client.ReceiptAsync(ev.TransactionId)).Transaction();
        Assert.Null(onLedger.Get("reason"));
        Assert.DoesNotContain(onLedger.Payload.Values, v => v.Contains("consent", StringComparison.Ordinal));
        Assert.Equal(MedLedger.Ledger.Contracts.BreakGlassReasonCommitment.Compute("unable-to-consent", ev.ReasonSalt), onLedger.Get("reasonCommitment"));
        // The patient and the reviewer check the served reason against the doctor's commitment.
        Assert.Equal("unable-to-consent", await patient.Client.VerifiedBreakGlassReasonAsync(ev));
        Assert.Equal("unable-to-consent", await admin.Client.VerifiedBreakGlassReasonAsync((await admin.Client.BreakGlassEventsAsync()).Single(e => e.Id == ev.Id)));

        // A server that rewrites the reason afterwards is caught.
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedger.Server.Infrastructure.Data.MedLedgerDbContext>();
            await db.Set<MedLedger.Server.Features.Emergency.BreakGlassEvent>().ExecuteUpdateAsync(u => u.SetProperty(e => e.Reason, "unconscious"));
        }
        var rewritten = Assert.Single(await patient.Client.BreakGlassEventsAsync());
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => patient.Client.VerifiedBreakGlassReasonAsync(rewritten));
    }
}

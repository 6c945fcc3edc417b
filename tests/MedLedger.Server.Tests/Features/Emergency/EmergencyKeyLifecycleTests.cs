using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Emergency;

/// <summary>
/// The emergency key lifecycle (issue 13 item 5): a rotation keeps designations but flags them and tells the patients,
/// whose clients re-wrap at next sign-in; a patient withdraws a designation; removing a doctor rotates the key.
/// </summary>
public sealed class EmergencyKeyLifecycleTests : SdkTestBase
{
    private const string SummaryText = "Blood type B+; allergies: penicillin";

    private async Task<string> OutboxAsync(string email)
    {
        using var http = Host.CreateClient();
        return await (await http.PostJson("/api/dev/outbox", new { to = email })).Content.ReadAsStringAsync();
    }

    private async Task<(SdkUser Staff, IReadOnlyList<SdkUser> Doctors, SdkUser Patient, Guid HospitalId)> DesignatedAsync(int doctors)
    {
        var admin = await World.AdminAsync();
        var (staff, ds) = await World.HospitalAsync(admin, "Rotation General", doctors);
        var patient = await World.RegisterAsync(Role.Patient);
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes(SummaryText), "text/plain", category: "EmergencySummary");
        await patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, staff.OrganizationId!.Value);
        return (staff, ds, patient, staff.OrganizationId!.Value);
    }

    [Fact]
    public async Task A_rotation_flags_the_designation_emails_the_patient_and_the_next_sign_in_rewraps_it_for_the_new_key()
    {
        var (staff, doctors, patient, hospitalId) = await DesignatedAsync(1);
        Assert.False(Assert.Single(await patient.Client.EmergencyDesignationsAsync()).NeedsRewrap);

        var rotated = await staff.Client.PublishHospitalEmergencyKeyAsync();

        // The designation is kept (the patient chose this hospital) but flagged, and the patient is told by email.
        var stale = Assert.Single(await patient.Client.EmergencyDesignationsAsync());
        Assert.True(stale.NeedsRewrap);
        Assert.Equal(rotated.KeyId, stale.CurrentKeyId);
        Assert.NotEqual(rotated.KeyId, stale.ReaderKeyId);
        Assert.Contains("Your emergency summary needs your sign-in", await OutboxAsync(patient.Email));
        // Until then the old wrap cannot be opened with the new key: break-glass says why instead of releasing it.
        var early = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctors[0].Client.BreakGlassAsync(patient.Id, "unconscious"));
        Assert.Equal(HttpStatusCode.Conflict, early.Status);

        // Next sign-in: the client checks the new key against the ledger and wraps the summary for it, unasked.
        var again = await World.LoginAsync(patient.Email, patient.Password, Role.Patient, null);
        Assert.Equal([hospitalId], again.Client.LastEmergencyRewrap!.Rewrapped);
        Assert.Empty(again.Client.LastEmergencyRewrap.Failed);
        var current = Assert.Single(await again.Client.EmergencyDesignationsAsync());
        Assert.False(current.NeedsRewrap);
        Assert.Equal(rotated.KeyId, current.ReaderKeyId);

        var opened = await doctors[0].Client.BreakGlassAsync(patient.Id, "unconscious");
        Assert.Equal(SummaryText, Encoding.UTF8.GetString(opened.Content));
    }

    [Fact]
    public async Task A_rotated_key_the_ledger_does_not_anchor_is_not_wrapped_for_and_the_designation_stays_flagged()
    {
        var (staff, _, patient, hospitalId) = await DesignatedAsync(1);
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        // The curious server swaps in a key it controls after the rotation.
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedger.Server.Infrastructure.Data.MedLedgerDbContext>();
            var row = await db.Set<MedLedger.Server.Features.Emergency.HospitalEmergencyKey>().SingleAsync();
            row.PublicKey = MedLedger.Crypto.KeyBundle.Generate().Encryption.PublicKey;
            await db.SaveChangesAsync();
        }
        var again = await World.LoginAsync(patient.Email, patient.Password, Role.Patient, null);
        Assert.Empty(again.Client.LastEmergencyRewrap!.Rewrapped);
        Assert.Contains(hospitalId, again.Client.LastEmergencyRewrap.Failed.Keys);
        Assert.True(Assert.Single(await again.Client.EmergencyDesignationsAsync()).NeedsRewrap);
    }

    [Fact]
    public async Task A_patient_withdraws_a_designation_on_the_ledger_and_break_glass_is_refused_from_then_on()
    {
        var (_, doctors, patient, hospitalId) = await DesignatedAsync(1);
        var stranger = await World.RegisterAsync(Role.Patient);
        // Someone else cannot withdraw it: nothing of theirs to withdraw.
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => stranger.Client.WithdrawEmergencyDesignationAsync(hospitalId))).Status);

        await patient.Client.WithdrawEmergencyDesignationAsync(hospitalId);

        Assert.Empty(await patient.Client.EmergencyDesignationsAsync());
        Assert.Contains(await patient.Client.MyLedgerEntriesAsync(), e => e.Type == EmergencyWithdrawContract.TypeName && e.Valid && e.Payload["hospitalId"] == hospitalId.ToString());
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctors[0].Client.BreakGlassAsync(patient.Id, "unconscious"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => patient.Client.WithdrawEmergencyDesignationAsync(hospitalId))).Status);
    }

    [Fact]
    public async Task Removing_a_doctor_rotates_the_key_in_the_same_transaction_and_only_the_remaining_doctors_break_the_glass()
    {
        var (staff, doctors, patient, hospitalId) = await DesignatedAsync(2);
        var (leaving, staying) = (doctors[0], doctors[1]);
        var otherHospital = await World.HospitalAsync(await World.AdminAsync(), "Elsewhere Clinic", 1);

        // Staff remove only their own hospital's doctors.
        var foreign = await Assert.ThrowsAsync<MedLedgerApiException>(() => staff.Client.RemoveDoctorFromHospitalAsync(otherHospital.Doctors[0].Id));
        Assert.Equal(HttpStatusCode.NotFound, foreign.Status);

        var key = await staff.Client.RemoveDoctorFromHospitalAsync(leaving.Id);

        // The new key is anchored by the removal itself, and patients' clients accept that anchor.
        Assert.Equal(HospitalRemoveDoctorContract.TypeName, key.Receipt!.Transaction().Type);
        Assert.Equal(leaving.Id.ToString(), key.Receipt.Transaction().Get("doctorId"));
        Assert.Equal(key.KeyId, (await patient.Client.GetVerifiedHospitalKeyAsync(hospitalId)).KeyId);
        // The removed doctor is out of the hospital, holds no share of the new key and cannot break the glass.
        Assert.Null((await leaving.Client.MeAsync()).OrganizationId);
        Assert.Empty(await leaving.Client.MyEmergencyKeySharesAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => leaving.Client.BreakGlassAsync(patient.Id, "unconscious"))).Status);
        Assert.Contains("Your emergency summary needs your sign-in", await OutboxAsync(patient.Email));
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => staff.Client.RemoveDoctorFromHospitalAsync(leaving.Id))).Status);

        var again = await World.LoginAsync(patient.Email, patient.Password, Role.Patient, null);
        Assert.Equal([hospitalId], again.Client.LastEmergencyRewrap!.Rewrapped);
        var opened = await staying.Client.BreakGlassAsync(patient.Id, "life-threatening");
        Assert.Equal(SummaryText, Encoding.UTF8.GetString(opened.Content));
    }
}

using System.Text;
using MedLedger.Client;
using MedLedger.Server.Features.Emergency;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;
using BreakGlassEvent = MedLedger.Server.Features.Emergency.BreakGlassEvent;
using ServerVerification = MedLedger.Server.Features.Accounts.VerificationStatus;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// The hospital emergency key (publication, rotation, a doctor's removal) and break-glass killed between the ledger
/// commit and their rows (crash hook: RollForwardHarness): rolled forward at the next start, after which the key holds
/// and break-glass follows it; and `medledger ledger verify` exits 2 naming each new kind of disagreeing row.
/// </summary>
public sealed class EmergencyRollForwardTests : RollForwardHarness
{
    private const string SummaryText = "Blood type O-";

    private async Task<Guid> DesignatedSummaryAsync(SdkUser patient, Guid hospital)
    {
        var summary = await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes(SummaryText), "text/plain", category: "EmergencySummary");
        await patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, hospital);
        return summary.RecordId;
    }

    [Fact]
    public async Task A_key_publication_and_a_rotation_committed_before_crashes_are_rolled_forward_and_break_glass_follows_the_new_key()
    {
        var (staff, doctor, patient) = await CareWorldAsync();
        var hospital = staff.OrganizationId!.Value;

        await CrashDuring("emergency.hospital-key", () => staff.Client.PublishHospitalEmergencyKeyAsync());
        var published = Assert.Single(await CommittedAbout(hospital, "emergency.hospital-key"));
        Assert.Contains($"emergency key of hospital {hospital}: anchored on the ledger ({published.Id}) but no row (missing)", await AuditAsync());

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (staff, doctor, patient) = (await Again(staff), await Again(doctor), await Again(patient));
        Assert.Single(await doctor.Client.MyEmergencyKeySharesAsync());
        // Usable: the patient's client accepts the rolled-forward key (checked against the ledger) and the doctor opens the summary with it.
        await DesignatedSummaryAsync(patient, hospital);
        Assert.Equal(SummaryText, Encoding.UTF8.GetString((await doctor.Client.BreakGlassAsync(patient.Id, "unconscious")).Content));

        await CrashDuring("emergency.hospital-key", () => staff.Client.PublishHospitalEmergencyKeyAsync());
        var rotation = (await CommittedAbout(hospital, "emergency.hospital-key")).Single(t => t.Id != published.Id);
        Assert.Contains($"emergency key of hospital {hospital}: the row's key differs from the one the ledger anchored last (emergency.hospital-key {rotation.Id}) (behind)", await AuditAsync());

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        Assert.Equal(rotation.Get("publicKey"), Convert.ToBase64String(await Db(db => db.Set<HospitalEmergencyKey>().Where(k => k.HospitalId == hospital).Select(k => k.PublicKey).SingleAsync())));
        // The rotation holds: the patient's sign-in re-wraps the summary for the new key, and break-glass works with it.
        patient = await Again(patient);
        Assert.Equal([hospital], patient.Client.LastEmergencyRewrap!.Rewrapped);
        doctor = await Again(doctor);
        Assert.Equal(SummaryText, Encoding.UTF8.GetString((await doctor.Client.BreakGlassAsync(patient.Id, "unconscious")).Content));
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task A_doctors_removal_committed_before_a_crash_is_rolled_forward_the_doctor_is_out_and_the_others_break_glass_with_the_new_key()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Removal General", 2);
        var hospital = staff.OrganizationId!.Value;
        var (stays, leaves) = (doctors[0], doctors[1]);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(hospital);
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        await DesignatedSummaryAsync(patient, hospital);

        await CrashDuring("hospital.remove-doctor", () => staff.Client.RemoveDoctorFromHospitalAsync(leaves.Id));
        var removal = Assert.Single(await CommittedAbout(hospital, "hospital.remove-doctor"));
        var findings = await AuditAsync();
        Assert.Contains($"emergency key of hospital {hospital}: the row's key differs from the one the ledger anchored last (hospital.remove-doctor {removal.Id}) (behind)", findings);
        Assert.Contains($"emergency key share of doctor {leaves.Id} at hospital {hospital}: the ledger removed the doctor ({removal.Id}) (ahead)", findings);
        Assert.Contains($"doctor {leaves.Id}: still a member of hospital {hospital}, which removed them on the ledger ({removal.Id}) (behind)", findings);

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (stays, leaves, patient) = (await Again(stays), await Again(leaves), await Again(patient));
        // The removed doctor is out of the hospital (no break-glass: the server acts only for a doctor of the hospital) and holds no share of the new key.
        Assert.Null((await leaves.Client.MeAsync()).OrganizationId);
        Assert.Empty(await leaves.Client.MyEmergencyKeySharesAsync());
        Assert.Equal([hospital], patient.Client.LastEmergencyRewrap!.Rewrapped);
        Assert.Equal(SummaryText, Encoding.UTF8.GetString((await stays.Client.BreakGlassAsync(patient.Id, "unconscious")).Content));
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task A_break_glass_committed_before_a_crash_is_rolled_forward_into_the_admin_review_and_the_patients_log()
    {
        var (staff, doctor, patient) = await CareWorldAsync();
        var hospital = staff.OrganizationId!.Value;
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        await DesignatedSummaryAsync(patient, hospital);

        await CrashDuring("emergency.break-glass", () => doctor.Client.BreakGlassAsync(patient.Id, "unconscious"));
        var broken = Assert.Single(await CommittedAbout(patient.Id, "emergency.break-glass"));
        Assert.Contains($"break-glass {broken.Id} by doctor {doctor.Id} for patient {patient.Id}: on the ledger but no event row (missing)", await AuditAsync());

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        var admin = await Again(Admin);
        var ev = Assert.Single(await admin.Client.BreakGlassEventsAsync(), e => e.TransactionId == broken.Id);
        Assert.Equal((doctor.Id, patient.Id, hospital, "unconscious", (DateTimeOffset?)null), (ev.DoctorId, ev.PatientId, ev.HospitalId, ev.Reason, ev.ReviewedAt));
        await admin.Client.ReviewBreakGlassAsync(ev.Id, "justified");
        Assert.Equal("justified", Assert.Single(await admin.Client.BreakGlassEventsAsync(), e => e.Id == ev.Id).ReviewOutcome);
        patient = await Again(patient);
        var mine = Assert.Single(await patient.Client.BreakGlassEventsAsync());
        // The patient's client opens the ledger's reason commitment with the rolled-forward reason and salt.
        Assert.Equal("unconscious", await patient.Client.VerifiedBreakGlassReasonAsync(mine));
        // Writable again: the doctor breaks the glass anew.
        doctor = await Again(doctor);
        Assert.Equal(SummaryText, Encoding.UTF8.GetString((await doctor.Client.BreakGlassAsync(patient.Id, "unconscious")).Content));
        Assert.Equal(2, (await patient.Client.BreakGlassEventsAsync()).Count);
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task Ledger_verify_exits_2_naming_each_new_kind_of_row_that_disagrees_with_the_ledger()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Audit General", 2);
        var hospital = staff.OrganizationId!.Value;
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(hospital);
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        await DesignatedSummaryAsync(patient, hospital);
        await doctors[0].Client.BreakGlassAsync(patient.Id, "unconscious");
        await staff.Client.RemoveDoctorFromHospitalAsync(doctors[1].Id);
        Assert.Empty(await AuditAsync());

        var eventId = await Db(async db =>
        {
            var ev = await db.Set<BreakGlassEvent>().SingleAsync();
            ev.Reason = "cardiac-arrest";
            var key = await db.Set<HospitalEmergencyKey>().SingleAsync(k => k.HospitalId == hospital);
            key.PublicKey = (byte[])key.PublicKey.Clone();
            key.PublicKey[^1] ^= 0x01;
            db.Set<EmergencyKeyShare>().Add(new EmergencyKeyShare { HospitalId = hospital, DoctorId = doctors[1].Id, Sealed = [1, 2, 3] });
            await db.SaveChangesAsync();
            await db.Users.Where(u => u.Id == doctors[1].Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.OrganizationId, hospital));
            await db.Users.Where(u => u.Id == doctors[0].Id).ExecuteUpdateAsync(s => s.SetProperty(u => u.Verification, ServerVerification.Pending));
            await db.Organizations.Where(o => o.Id == hospital).ExecuteUpdateAsync(s => s.SetProperty(o => o.Verification, ServerVerification.Rejected));
            var other = await db.KeyBundles.AsNoTracking().SingleAsync(k => k.UserId == staff.Id);
            await db.KeyBundles.Where(k => k.UserId == patient.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.EncryptionPublicKey, other.EncryptionPublicKey));
            return ev.Id;
        });
        string[] expected =
        [
            $"break-glass event {eventId}: the row's reason does not open the ledger's commitment (",
            $"emergency key of hospital {hospital}: the row's key differs from the one the ledger anchored last (hospital.remove-doctor ",
            $"emergency key share of doctor {doctors[1].Id} at hospital {hospital}: the ledger removed the doctor (",
            $"doctor {doctors[1].Id}: still a member of hospital {hospital}, which removed them on the ledger (",
            $"verification of user {doctors[0].Id}: pending in the row, approved on the ledger (",
            $"verification of organization {hospital}: rejected in the row, approved on the ledger (",
            $"account {patient.Id}: the key bundle's public keys differ from the ledger's (",
        ];
        var findings = await AuditAsync();
        Assert.All(expected, e => Assert.Contains(findings, f => f.StartsWith(e, StringComparison.Ordinal)));
        Assert.Equal(expected.Length, findings.Count);

        var verify = await WhileStoppedAsync(() => CliBinary.RunAsync(["ledger", "verify", "--data", DataDir]));
        Assert.True(verify.Exit == 2, verify.All);
        Assert.Contains($"{expected.Length} relational row(s) disagree with the ledger", verify.Out);
        Assert.All(expected, e => Assert.Contains("\n  " + e, verify.Out));
    }
}

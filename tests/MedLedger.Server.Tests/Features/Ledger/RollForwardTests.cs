using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server.Features.Hospitals;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using BedBooking = MedLedger.Server.Features.Hospitals.BedBooking;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Ledger;

/// <summary>
/// A process killed between a ledger commit and the rows that serve it, for each transaction type that has rows:
/// the ledger is ahead, `ledger verify`'s row audit names the gap, the next start rolls the rows forward from what
/// the request recorded before submitting, and the thing is usable (writable) again (crash hook: RollForwardHarness).
/// </summary>
public sealed class RollForwardTests : RollForwardHarness
{
    [Fact]
    public async Task A_record_version_committed_before_a_crash_is_rolled_forward_at_start_and_the_record_is_writable_again()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var v1 = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var v2Content = Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n");

        await CrashDuring("records.write", () => patient.Client.AddVersionAsync(v1.RecordId, v2Content));

        Assert.Equal(2, (await CommittedAbout(v1.RecordId, "records.write")).Count);
        Assert.Equal(1, await Db(db => db.Set<MedicalRecord>().Where(r => r.Id == v1.RecordId).Select(r => r.LatestVersion).SingleAsync()));
        var findings = await AuditAsync();
        Assert.Contains(findings, f => f.Contains($"record {v1.RecordId} version 2: on the ledger", StringComparison.Ordinal) && f.Contains("(missing)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains($"record {v1.RecordId}: at version 1, the ledger at 2 (behind)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith("records.write ", StringComparison.Ordinal) && f.Contains("(behind", StringComparison.Ordinal));

        await RestartAsync();

        Assert.Empty(await AuditAsync());
        patient = await Again(patient);
        var opened = await patient.Client.OpenRecordAsync(v1.RecordId);
        Assert.Equal(2, opened.Version);
        Assert.Equal(v2Content, opened.Content);
        var v3 = await patient.Client.AddVersionAsync(v1.RecordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n\n"));
        Assert.Equal(3, v3.Version);
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task Without_a_restart_the_ledgers_conflict_rolls_the_rows_forward_so_the_next_attempt_succeeds()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var v1 = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await CrashDuring("records.write", () => patient.Client.AddVersionAsync(v1.RecordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n")));

        // The client still sees version 1 and writes 2; the ledger refuses (it holds 2), and the refusal rolls 2 forward.
        var conflict = await Assert.ThrowsAsync<MedLedgerApiException>(() => patient.Client.AddVersionAsync(v1.RecordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n\n")));
        Assert.Equal(HttpStatusCode.Conflict, conflict.Status);
        Assert.Empty(await AuditAsync());

        var v3 = await patient.Client.AddVersionAsync(v1.RecordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n\n\n"));
        Assert.Equal(3, v3.Version);
        Assert.Equal(2, (await patient.Client.OpenRecordAsync(v1.RecordId, 2)).Version);
    }

    [Fact]
    public async Task A_consent_grant_and_a_revocation_committed_before_crashes_are_rolled_forward_and_enforced()
    {
        var (staff, doctor, patient) = await CareWorldAsync();
        var rec = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);

        await CrashDuring("consent.grant", () => patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.All));
        var granted = Assert.Single(await CommittedAbout(patient.Id, "consent.grant"));
        var grantId = Guid.Parse(granted.Get("grantId")!);
        Assert.Contains(await AuditAsync(), f => f.Contains($"grant {grantId}: on the ledger", StringComparison.Ordinal) && f.Contains("(missing)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (patient, doctor) = (await Again(patient), await Again(doctor));
        var grant = Assert.Single(await patient.Client.GrantsAsync());
        Assert.Equal((grantId, true, granted.Id), (grant.Id, grant.Active, grant.GrantTransactionId));
        Assert.Equal("Condition", (await doctor.Client.OpenRecordAsync(rec.RecordId)).Category);

        await CrashDuring("consent.revoke", () => patient.Client.RevokeConsentAsync(grantId));
        Assert.Contains(await AuditAsync(), f => f.Contains($"grant {grantId}: revoked on the ledger", StringComparison.Ordinal) && f.Contains("(behind)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (patient, doctor) = (await Again(patient), await Again(doctor));
        Assert.False(Assert.Single(await patient.Client.GrantsAsync()).Active);
        var refused = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.OpenRecordAsync(rec.RecordId));
        Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
        Assert.False(await Db(db => db.Set<RecordWrap>().AnyAsync(w => w.GrantId == grantId)));
    }

    [Fact]
    public async Task A_care_assignment_and_an_unassignment_committed_before_crashes_are_rolled_forward()
    {
        var (staff, doctor, patient) = await CareWorldAsync();

        await CrashDuring("care.assign", () => staff.Client.AssignDoctorAsync(doctor.Id, patient.Id));
        var assign = Assert.Single(await CommittedAbout(patient.Id, "care.assign"));
        Assert.Contains(await AuditAsync(), f => f.Contains($"care assignment of doctor {doctor.Id} to patient {patient.Id}: on the ledger", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (staff, doctor) = (await Again(staff), await Again(doctor));
        var row = Assert.Single(await doctor.Client.AssignmentsAsync());
        Assert.Equal((patient.Id, assign.Id), (row.PatientId, row.TransactionId));

        await CrashDuring("care.unassign", () => staff.Client.UnassignDoctorAsync(doctor.Id, patient.Id));
        Assert.Contains(await AuditAsync(), f => f.Contains("a row the ledger does not hold (ahead)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (staff, doctor) = (await Again(staff), await Again(doctor));
        Assert.Empty(await doctor.Client.AssignmentsAsync());
        // Writable again: the same doctor can be assigned anew.
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task A_care_registration_and_a_withdrawal_committed_before_crashes_are_rolled_forward()
    {
        var (staff, doctor, patient) = await CareWorldAsync(registered: false);
        var hospital = staff.OrganizationId!.Value;

        await CrashDuring("care.register", () => patient.Client.RegisterWithHospitalAsync(hospital));
        var register = Assert.Single(await CommittedAbout(patient.Id, "care.register"));
        Assert.Contains(await AuditAsync(), f => f.Contains($"care registration of patient {patient.Id} with hospital {hospital}: on the ledger ({register.Id}) but no row (missing)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (staff, doctor, patient) = (await Again(staff), await Again(doctor), await Again(patient));
        var row = Assert.Single(await patient.Client.MyHospitalRegistrationsAsync());
        Assert.Equal((hospital, register.Id), (row.HospitalId, row.TransactionId));
        // Usable: staff see the patient and may assign one of their doctors.
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);

        await CrashDuring("care.withdraw", () => patient.Client.WithdrawHospitalRegistrationAsync(hospital));
        Assert.Contains(await AuditAsync(), f => f.Contains($"care registration of patient {patient.Id} with hospital {hospital}: a row the ledger does not hold (ahead)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        patient = await Again(patient);
        Assert.Empty(await patient.Client.MyHospitalRegistrationsAsync());
        // Writable again: the patient can register anew.
        await patient.Client.RegisterWithHospitalAsync(hospital);
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task An_emergency_designation_and_a_withdrawal_committed_before_crashes_are_rolled_forward_and_break_glass_follows_them()
    {
        var (staff, doctor, patient) = await CareWorldAsync();
        var hospital = staff.OrganizationId!.Value;
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        var summary = await patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("Blood type O-"), "text/plain", category: "EmergencySummary");

        await CrashDuring("emergency.designate", () => patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, hospital));
        var designate = Assert.Single(await CommittedAbout(patient.Id, "emergency.designate"));
        Assert.Contains(await AuditAsync(), f => f.Contains($"emergency designation of patient {patient.Id} for hospital {hospital}: on the ledger ({designate.Id}) but no row (missing)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (doctor, patient) = (await Again(doctor), await Again(patient));
        var row = Assert.Single(await patient.Client.EmergencyDesignationsAsync());
        Assert.Equal((hospital, designate.Id, false), (row.HospitalId, row.TransactionId, row.NeedsRewrap));
        // Usable: the hospital's doctor breaks the glass with the rolled-forward wrap.
        var opened = await doctor.Client.BreakGlassAsync(patient.Id, "unconscious");
        Assert.Equal("Blood type O-", Encoding.UTF8.GetString(opened.Content));

        await CrashDuring("emergency.withdraw", () => patient.Client.WithdrawEmergencyDesignationAsync(hospital));
        Assert.Contains(await AuditAsync(), f => f.Contains($"emergency designation of patient {patient.Id} for hospital {hospital}: a row the ledger does not hold (ahead)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (doctor, patient) = (await Again(doctor), await Again(patient));
        Assert.Empty(await patient.Client.EmergencyDesignationsAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.BreakGlassAsync(patient.Id, "unconscious"))).Status);
        // Writable again: the patient designates anew.
        await patient.Client.DesignateEmergencySummaryAsync(summary.RecordId, hospital);
        Assert.Single(await patient.Client.EmergencyDesignationsAsync());
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task Bookings_are_relinked_returned_or_recorded_at_start_depending_on_what_the_ledger_holds()
    {
        var (staff, _, patient) = await CareWorldAsync();
        var other = await World.RegisterAsync(Role.Patient);
        var third = await World.RegisterAsync(Role.Patient);
        var hospital = staff.OrganizationId!.Value;
        await staff.Client.SetWardAsync(hospital, "North", "general", 10, 0);

        // 1. beds.book committed, the crash lost the row's link to it.
        var linked = await patient.Client.BookBedAsync(hospital, "general");
        // 2. beds.admit committed, the crash lost the close link.
        var admitted = await other.Client.BookBedAsync(hospital, "general");
        await staff.Client.AdmitBedBookingAsync(admitted.Id);
        // 3. The rows cancelled a hold, the crash came before beds.cancel was submitted.
        var cancelled = await third.Client.BookBedAsync(hospital, "general");
        // 4. A hold was taken in the rows, the crash came before beds.book was submitted.
        var orphan = Guid.NewGuid();
        await Db(async db =>
        {
            await db.Set<BedBooking>().Where(b => b.Id == linked.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.BookTransactionId, (string?)null));
            await db.Set<BedBooking>().Where(b => b.Id == admitted.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.CloseTransactionId, (string?)null));
            await db.Set<BedBooking>().Where(b => b.Id == cancelled.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.Status, BookingStatus.Cancelled).SetProperty(b => b.ClosedBy, third.Id));
            var ward = await db.Set<BedWard>().SingleAsync(w => w.OrganizationId == hospital);
            db.Set<BedBooking>().Add(new BedBooking { Id = orphan, PatientId = third.Id, HospitalId = hospital, WardId = ward.Id, BedType = "general", Status = BookingStatus.Held, CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) });
            // The cancelled hold's bed went back, the orphan hold took one: held stays 2 (linked + orphan).
            return await db.SaveChangesAsync();
        });
        var findings = await AuditAsync();
        Assert.Contains(findings, f => f.Contains($"booking {linked.Id}: booked on the ledger", StringComparison.Ordinal) && f.Contains("(behind)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains($"booking {admitted.Id}: closed on the ledger", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains($"booking {cancelled.Id}: cancelled in the row, held on the ledger (ahead)", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains($"booking {orphan}: held in the row, never booked on the ledger (ahead)", StringComparison.Ordinal));

        await RestartAsync();

        Assert.Empty(await AuditAsync());
        var rows = await Db(db => db.Set<BedBooking>().AsNoTracking().ToDictionaryAsync(b => b.Id));
        Assert.Equal(Assert.Single(await CommittedAbout(linked.Id, "beds.book")).Id, rows[linked.Id].BookTransactionId);
        Assert.Equal(Assert.Single(await CommittedAbout(admitted.Id, "beds.admit")).Id, rows[admitted.Id].CloseTransactionId);
        Assert.Equal(Assert.Single(await CommittedAbout(cancelled.Id, "beds.cancel")).Id, rows[cancelled.Id].CloseTransactionId);
        Assert.Equal(BookingStatus.Failed, rows[orphan].Status);
        var ward = await Db(db => db.Set<BedWard>().AsNoTracking().SingleAsync(w => w.OrganizationId == hospital));
        Assert.Equal((1, 1), (ward.Held, ward.Occupied));
    }

    [Fact]
    public async Task A_hold_whose_booking_is_not_on_the_ledger_yet_is_not_closed_and_one_whose_link_was_lost_is_relinked_and_closed()
    {
        var (staff, _, patient) = await CareWorldAsync();
        var other = await World.RegisterAsync(Role.Patient);
        var hospital = staff.OrganizationId!.Value;
        await staff.Client.SetWardAsync(hospital, "North", "general", 10, 0);
        // beds.book committed but the row's link was not written yet.
        var unlinked = await patient.Client.BookBedAsync(hospital, "general");
        // A hold the staff list shows while its beds.book is still in flight (or was lost with a crash).
        var inFlight = Guid.NewGuid();
        await Db(async db =>
        {
            await db.Set<BedBooking>().Where(b => b.Id == unlinked.Id).ExecuteUpdateAsync(s => s.SetProperty(b => b.BookTransactionId, (string?)null));
            var ward = await db.Set<BedWard>().SingleAsync(w => w.OrganizationId == hospital);
            await db.Set<BedWard>().Where(w => w.Id == ward.Id).ExecuteUpdateAsync(s => s.SetProperty(w => w.Held, w => w.Held + 1));
            db.Set<BedBooking>().Add(new BedBooking { Id = inFlight, PatientId = other.Id, HospitalId = hospital, WardId = ward.Id, BedType = "general", Status = BookingStatus.Held, CreatedAt = DateTimeOffset.UtcNow, ExpiresAt = DateTimeOffset.UtcNow.AddHours(1) });
            return await db.SaveChangesAsync();
        });
        Assert.Contains(await staff.Client.HospitalBedBookingsAsync(hospital, BedBookingStatus.Held), b => b.Id == inFlight);

        foreach (var close in new Func<Task>[] { () => staff.Client.AdmitBedBookingAsync(inFlight), () => staff.Client.ReleaseBedBookingAsync(inFlight), () => other.Client.CancelBedBookingAsync(inFlight) })
        {
            var refused = await Assert.ThrowsAsync<MedLedgerApiException>(close);
            Assert.Equal(HttpStatusCode.Conflict, refused.Status);
            Assert.EndsWith("/booking-not-recorded", refused.ProblemType, StringComparison.Ordinal);
        }
        // Due, it still waits for its beds.book: the sweep leaves it held.
        await Db(db => db.Set<BedBooking>().Where(b => b.Id == inFlight).ExecuteUpdateAsync(s => s.SetProperty(b => b.ExpiresAt, DateTimeOffset.UtcNow.AddMinutes(-1))));
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            Assert.Equal(0, await scope.ServiceProvider.GetRequiredService<BedService>().ExpireDueAsync(hospital, CancellationToken.None));
        }
        var rows = await Db(db => db.Set<BedBooking>().AsNoTracking().ToDictionaryAsync(b => b.Id));
        Assert.Equal((BookingStatus.Held, (string?)null), (rows[inFlight].Status, rows[inFlight].CloseTransactionId));
        Assert.Equal((2, 0), await WardCountsAsync(hospital));
        Assert.Empty(await CommittedAbout(inFlight, "beds.admit"));

        // The committed one is linked on the spot and admitted.
        var admitted = await staff.Client.AdmitBedBookingAsync(unlinked.Id);
        Assert.Equal(BedBookingStatus.Admitted, admitted.Status);
        rows = await Db(db => db.Set<BedBooking>().AsNoTracking().ToDictionaryAsync(b => b.Id));
        Assert.Equal(Assert.Single(await CommittedAbout(unlinked.Id, "beds.book")).Id, rows[unlinked.Id].BookTransactionId);
        Assert.Equal(Assert.Single(await CommittedAbout(unlinked.Id, "beds.admit")).Id, rows[unlinked.Id].CloseTransactionId);

        // The hold whose beds.book never came is failed at the next start and its bed returned.
        await RestartAsync();
        Assert.Empty(await AuditAsync());
        rows = await Db(db => db.Set<BedBooking>().AsNoTracking().ToDictionaryAsync(b => b.Id));
        Assert.Equal(BookingStatus.Failed, rows[inFlight].Status);
        Assert.Equal((0, 1), await WardCountsAsync(hospital));
    }

    private async Task<(int Held, int Occupied)> WardCountsAsync(Guid hospital)
    {
        var ward = await Db(db => db.Set<BedWard>().AsNoTracking().SingleAsync(w => w.OrganizationId == hospital));
        return (ward.Held, ward.Occupied);
    }

    [Fact]
    public async Task The_row_audit_reports_rows_ahead_of_the_ledger_and_rows_with_a_different_hash()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var rec = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        Assert.Empty(await AuditAsync());
        await Db(async db =>
        {
            var v1 = await db.Set<RecordVersion>().AsNoTracking().SingleAsync(v => v.RecordId == rec.RecordId);
            await db.Set<RecordVersion>().Where(v => v.RecordId == rec.RecordId).ExecuteUpdateAsync(s => s.SetProperty(v => v.CiphertextHash, new string('0', 64)));
            db.Set<RecordVersion>().Add(new RecordVersion
            {
                RecordId = rec.RecordId, Version = 2, AuthorId = patient.Id, ContentType = v1.ContentType, CreatedAtMs = v1.CreatedAtMs, Nonce = v1.Nonce,
                KeyCommitment = v1.KeyCommitment, Signature = v1.Signature, CiphertextHash = v1.CiphertextHash, CiphertextLength = v1.CiphertextLength,
                HeaderHash = v1.HeaderHash, LedgerTransactionId = v1.LedgerTransactionId, StoredAt = v1.StoredAt,
            });
            await db.Set<MedicalRecord>().Where(r => r.Id == rec.RecordId).ExecuteUpdateAsync(s => s.SetProperty(r => r.LatestVersion, 2));
            return await db.SaveChangesAsync();
        });

        var findings = await AuditAsync();
        Assert.Contains($"record {rec.RecordId} version 1: the row's ciphertext or header hash differs from the ledger's ({rec.LedgerTransactionId}) (different hash)", findings);
        Assert.Contains($"record {rec.RecordId} version 2: a row the ledger never committed (ahead)", findings);
        Assert.Contains($"record {rec.RecordId}: at version 2, the ledger at 1 (ahead)", findings);
    }
}

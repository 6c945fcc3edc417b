using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Appointments;

/// <summary>
/// Closing a consultation with advice (issue 18 item 4): the doctor writes an Encounter and a CarePlan in the visit and
/// signs appointments.close; the patient opens and proves the advice on their device. Who may not close, and what the
/// contract refuses even when the server's own checks are bypassed.
/// </summary>
public sealed class ConsultationCloseTests : RecordTestBase
{
    private const string Encounter = """{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},"reasonCode":[{"text":"knee pain after running"}]}""";
    private const string Advice = "Ice the knee twice a day and rest it for a week";
    private const string CarePlan = """{"resourceType":"CarePlan","status":"active","intent":"plan","subject":{"reference":"Patient/example"},"description":"Ice the knee twice a day and rest it for a week","activity":[{"detail":{"kind":"Appointment","status":"scheduled","description":"Follow-up visit in two weeks"}}]}""";

    private sealed record Visit(SdkUser Staff, SdkUser Doctor, SdkUser OtherDoctor, SdkUser Patient, MedLedger.Client.Appointment Appointment);

    private async Task<Visit> BookedVisitAsync(string hospital)
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, hospital, 2);
        var hours = Enum.GetValues<DayOfWeek>().Select(d => new WorkingHours(d, new TimeOnly(8, 0), new TimeOnly(18, 0))).ToArray();
        await staff.Client.SetScheduleAsync(doctors[0].Id, "Europe/Berlin", 15, VisitKind.InPerson, hours);
        var patient = await World.RegisterAsync(Role.Patient);
        var from = new DateTimeOffset(Host.Clock.GetUtcNow().UtcDateTime.Date.AddDays(2), TimeSpan.Zero);
        var slot = (await patient.Client.FreeSlotsAsync(doctors[0].Id, from, from.AddDays(1)))[0];
        var a = await patient.Client.BookAppointmentAsync(slot, "knee pain after running");
        return new Visit(staff, doctors[0], doctors[1], patient, a);
    }

    private async Task<HttpResponseMessage> PostCloseAsync(SdkUser caller, Guid appointmentId, LedgerTransaction tx)
    {
        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", caller.Client.Tokens!.AccessToken);
        return await http.PostAsJsonAsync($"/api/appointments/{appointmentId}/close", new { transaction = new { transaction = tx.SigningBytes, signature = tx.Signature } });
    }

    private static LedgerTransaction Close(SdkUser signer, MedLedger.Client.Appointment a, Guid encounterId, string encounterHash, Guid carePlanId, string carePlanHash) =>
        LedgerTransaction.Create(AppointmentCloseContract.TypeName, signer.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
        {
            ["appointmentId"] = a.Id.ToString(),
            ["patientId"] = a.PatientId.ToString(),
            ["encounterRecordId"] = encounterId.ToString(),
            ["encounterHash"] = encounterHash,
            ["carePlanRecordId"] = carePlanId.ToString(),
            ["carePlanHash"] = carePlanHash,
        }, signer.Client.Keys!.Signing.PrivateKey);

    [Fact]
    public async Task The_doctor_closes_with_advice_and_the_patient_opens_and_proves_it_on_their_device()
    {
        var v = await BookedVisitAsync("Advice Clinic");
        var closed = await v.Doctor.Client.CloseConsultationAsync(v.Appointment.Id, Encounter, CarePlan);
        Assert.Equal(AppointmentStatus.Fulfilled, closed.Status);
        Assert.NotNull(closed.CloseTransactionId);

        var advice = await v.Patient.Client.OpenConsultationAdviceAsync(v.Appointment.Id);
        Assert.Equal(v.Doctor.Id, advice.Encounter.AuthorId);
        Assert.Equal("CarePlan", advice.CarePlan.Category);
        Assert.Contains(Advice, Encoding.UTF8.GetString(advice.CarePlan.Content), StringComparison.Ordinal);
        Assert.Contains("knee pain after running", Encoding.UTF8.GetString(advice.Encounter.Content), StringComparison.Ordinal);
        Assert.Equal(v.Doctor.Id.ToString(), advice.CloseReceipt.Transaction().ActorId);
        Assert.InRange(advice.ClosedAt, Host.Clock.GetUtcNow().AddMinutes(-5), Host.Clock.GetUtcNow().AddMinutes(5));

        // Both are the patient's records now; the ledger holds the close and the two anchors, never the advice.
        var mine = await v.Patient.Client.ListRecordsAsync();
        Assert.Contains(mine, r => r.RecordId == advice.CarePlan.RecordId && r.LatestAuthorId == v.Doctor.Id);
        var ledger = await LedgerAbout(v.Patient.Id);
        Assert.Single(ledger, t => t.Type == AppointmentCloseContract.TypeName);
        Assert.Equal(2, ledger.Count(t => t.Type == RecordWriteContract.TypeName && t.Payload.GetValueOrDefault("appointmentId") == v.Appointment.Id.ToString()));
        Assert.DoesNotContain(ledger, t => t.Payload.Values.Any(x => x.Contains("Ice the knee", StringComparison.Ordinal)));

        // Closed once: a second close is a conflict, and the visit being over, the doctor writes nothing more in it.
        var first = advice.CloseReceipt.Transaction();
        using (var again = await PostCloseAsync(v.Doctor, v.Appointment.Id, Close(v.Doctor, v.Appointment, advice.Encounter.RecordId, first.Get("encounterHash")!, advice.CarePlan.RecordId, first.Get("carePlanHash")!)))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        }
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => v.Doctor.Client.CloseConsultationAsync(v.Appointment.Id, Encounter, CarePlan));
        Assert.Equal(HttpStatusCode.Forbidden, e.Status);
    }

    [Fact]
    public async Task Another_doctor_the_patient_and_staff_cannot_close_and_another_doctor_cannot_write_in_the_visit()
    {
        var v = await BookedVisitAsync("Refusal Clinic");
        await v.Staff.Client.SetAppointmentStatusAsync(v.Appointment.Id, AppointmentStatus.InProgress);
        var hash = new string('a', 64);
        var (r1, r2) = (Guid.NewGuid(), Guid.NewGuid());

        // Another doctor of the same hospital does not see the appointment; the patient and staff are not its doctor.
        using (var other = await PostCloseAsync(v.OtherDoctor, v.Appointment.Id, Close(v.OtherDoctor, v.Appointment, r1, hash, r2, hash)))
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }
        using (var patient = await PostCloseAsync(v.Patient, v.Appointment.Id, Close(v.Patient, v.Appointment, r1, hash, r2, hash)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, patient.StatusCode);
        }
        using (var staff = await PostCloseAsync(v.Staff, v.Appointment.Id, Close(v.Staff, v.Appointment, r1, hash, r2, hash)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, staff.StatusCode);
        }
        // Nor can the other doctor write a record naming the visit (they are not in a visit with the patient).
        var write = await Assert.ThrowsAsync<MedLedgerApiException>(() => v.OtherDoctor.Client.WriteVersionAsync(Guid.NewGuid(), 1, v.Patient.Id, "Encounter", "application/fhir+json",
            Encoding.UTF8.GetBytes(Encounter), v.Appointment.Id));
        Assert.Equal(HttpStatusCode.Forbidden, write.Status);
        Assert.Equal(AppointmentStatus.InProgress, (await v.Patient.Client.AppointmentAsync(v.Appointment.Id)).Status);
    }

    [Fact]
    public async Task The_contract_refuses_a_close_naming_records_not_written_in_the_visit()
    {
        var v = await BookedVisitAsync("Contract Clinic");
        await v.Doctor.Client.SetAppointmentStatusAsync(v.Appointment.Id, AppointmentStatus.InProgress);
        // The patient's own records, and records the doctor did not write in this appointment, cannot be named as its outcome.
        var own1 = await v.Patient.Client.CreateFhirRecordAsync(Encounter);
        var own2 = await v.Patient.Client.CreateFhirRecordAsync(CarePlan);
        using var response = await PostCloseAsync(v.Doctor, v.Appointment.Id, Close(v.Doctor, v.Appointment, own1.RecordId, own1.CiphertextHash, own2.RecordId, own2.CiphertextHash));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(AppointmentStatus.InProgress, (await v.Patient.Client.AppointmentAsync(v.Appointment.Id)).Status);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => v.Patient.Client.OpenConsultationAdviceAsync(v.Appointment.Id));
        Assert.Contains("not been closed", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Closing_with_a_prescription_and_a_follow_up_issues_it_for_the_patient_and_a_pharmacist_with_a_grant_dispenses_it()
    {
        var v = await BookedVisitAsync("Prescribing Clinic");
        var followUp = DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime).AddDays(16);
        var carePlan = ConsultationOutcome.WithFollowUp(ConsultationOutcome.CarePlan(v.Patient.Id, Advice), followUp);
        var medicationRequest = ConsultationOutcome.MedicationRequest(v.Patient.Id, "Ibuprofen 400 mg, one tablet three times a day", unitsPerFill: 20, fills: 2);
        await v.Doctor.Client.CloseConsultationAsync(v.Appointment.Id, Encounter, carePlan, medicationRequest);

        // The patient sees it with the advice: the close names it, its issue receipt verifies, its MedicationRequest opens.
        var advice = await v.Patient.Client.OpenConsultationAdviceAsync(v.Appointment.Id);
        var rx = Assert.IsType<VerifiedPrescription>(advice.Prescription);
        Assert.Equal((40, 2, v.Doctor.Id), (rx.Info.TotalUnits, rx.Info.MaxFills, rx.Info.PrescriberId));
        Assert.Equal(rx.Info.PrescriptionId.ToString(), advice.CloseReceipt.Transaction().Get("prescriptionId"));
        Assert.Contains("Ibuprofen 400 mg", Encoding.UTF8.GetString(advice.PrescriptionRecord!.Content), StringComparison.Ordinal);
        Assert.Contains("Follow-up visit on " + followUp.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ConsultationOutcome.Read(advice).Advice, StringComparison.Ordinal);
        var listed = Assert.Single(await v.Patient.Client.PrescriptionsAsync());
        Assert.Equal(rx.Info.PrescriptionId, listed.Info.PrescriptionId);
        Assert.Equal(rx.Info.IssueTransactionId, listed.Info.IssueReceipt.Transaction().Id);
        var ledger = await LedgerAbout(v.Patient.Id);
        Assert.Contains(ledger, t => t.Type == RecordWriteContract.TypeName && t.Payload["recordId"] == rx.Info.RecordId.ToString()
            && t.Payload.GetValueOrDefault("appointmentId") == v.Appointment.Id.ToString());
        Assert.DoesNotContain(ledger, t => t.Payload.Values.Any(x => x.Contains("Ibuprofen", StringComparison.Ordinal)));

        // A pharmacist the patient grants prescriptions to dispenses it on the existing path.
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Visit Pharmacy");
        var medicine = await Dispensing.DispensingTests.StockAsync(pharmacist);
        await Dispensing.DispensingTests.ShareAsync(v.Patient, pharmacist);
        Assert.Equal(1, (await pharmacist.Client.DispenseAsync(rx.Info.PrescriptionId, medicine, 20)).FillsMade);
        Assert.Equal(20, (await v.Patient.Client.PrescriptionAsync(rx.Info.PrescriptionId)).Dispensed);
    }

    [Fact]
    public async Task The_contract_refuses_a_close_naming_a_prescription_not_issued_in_the_visit()
    {
        var v = await BookedVisitAsync("Rx Contract Clinic");
        await v.Doctor.Client.SetAppointmentStatusAsync(v.Appointment.Id, AppointmentStatus.InProgress);
        var encounter = await v.Doctor.Client.WriteVersionAsync(Guid.NewGuid(), 1, v.Patient.Id, "Encounter", "application/fhir+json", Encoding.UTF8.GetBytes(Encounter), v.Appointment.Id);
        var carePlan = await v.Doctor.Client.WriteVersionAsync(Guid.NewGuid(), 1, v.Patient.Id, "CarePlan", "application/fhir+json", Encoding.UTF8.GetBytes(CarePlan), v.Appointment.Id);
        // A record written in the visit but never issued as a prescription, under a prescription id the ledger never saw.
        var tx = LedgerTransaction.Create(AppointmentCloseContract.TypeName, v.Doctor.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
        {
            ["appointmentId"] = v.Appointment.Id.ToString(),
            ["patientId"] = v.Patient.Id.ToString(),
            ["encounterRecordId"] = encounter.RecordId.ToString(),
            ["encounterHash"] = encounter.CiphertextHash,
            ["carePlanRecordId"] = carePlan.RecordId.ToString(),
            ["carePlanHash"] = carePlan.CiphertextHash,
            ["prescriptionId"] = Guid.NewGuid().ToString(),
            ["prescriptionRecordId"] = carePlan.RecordId.ToString(),
        }, v.Doctor.Client.Keys!.Signing.PrivateKey);
        using var response = await PostCloseAsync(v.Doctor, v.Appointment.Id, tx);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(AppointmentStatus.InProgress, (await v.Patient.Client.AppointmentAsync(v.Appointment.Id)).Status);
    }
}

using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Tests.Features.Care;

/// <summary>Care assignments: a doctor reads and writes for a patient only while assigned (and consented), end to end through the SDK.</summary>
public sealed class CareTests : RecordTestBase
{
    [Fact]
    public async Task Doctor_reads_only_while_assigned_and_consented_and_revocation_stops_new_versions()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "General", 1);
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(Role.Patient);
        var record = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));

        // Assigned (on the patient's registration with the hospital), but no consent yet: refused.
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        var noConsent = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.OpenRecordAsync(record.RecordId));
        Assert.Equal(HttpStatusCode.Forbidden, noConsent.Status);

        // Assigned without consent: listing the patient shows nothing the doctor cannot read.
        Assert.Empty(await doctor.Client.ListRecordsAsync(patientId: patient.Id));
        var grant = await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.All, purpose: "treatment");
        Assert.Equal(record.RecordId, Assert.Single(await doctor.Client.ListRecordsAsync(patientId: patient.Id)).RecordId);
        Assert.Single(await doctor.Client.ListRecordsAsync(patientId: patient.Id, author: patient.Id));
        Assert.Empty(await doctor.Client.ListRecordsAsync(patientId: patient.Id, author: doctor.Id));
        Assert.True(grant.Active);
        var read = await doctor.Client.OpenRecordAsync(record.RecordId);
        Assert.Equal(Fhir("Condition-For-Patient-f001.json"), Encoding.UTF8.GetString(read.Content));
        Assert.Contains(await LedgerAbout(patient.Id), t => t.Type == "records.read" && t.Payload["readerId"] == doctor.Id.ToString());

        // The doctor writes a diagnosis for the patient; the patient reads it.
        var diagnosis = await doctor.Client.CreateFhirRecordAsync(Fhir("condition-example2.json"), patient.Id);
        Assert.Equal("example2", System.Text.Json.JsonDocument.Parse((await patient.Client.OpenRecordAsync(diagnosis.RecordId)).Content).RootElement.GetProperty("id").GetString());

        // New versions by the patient are wrapped for the consented doctor…
        await patient.Client.AddVersionAsync(record.RecordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json")));
        Assert.Equal(2, (await doctor.Client.OpenRecordAsync(record.RecordId)).Version);

        // …until revocation: wraps are deleted, reads refused, and later versions never include the doctor.
        await patient.Client.RevokeConsentAsync(grant.Id);
        var revoked = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.OpenRecordAsync(record.RecordId, 2));
        Assert.Equal(HttpStatusCode.Forbidden, revoked.Status);
        var v3 = await patient.Client.AddVersionAsync(record.RecordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json")));
        Assert.False(await Db(db => db.Set<RecordWrap>().AnyAsync(w => w.RecordId == record.RecordId && w.ReaderId == doctor.Id && w.GrantId != null)));
        Assert.False(await Db(db => db.Set<RecordWrap>().AnyAsync(w => w.RecordId == record.RecordId && w.Version == v3.Version && w.ReaderId == doctor.Id)));
        Assert.Contains(await LedgerAbout(patient.Id), t => t.Type == "consent.revoke");

        // Unassigned: the doctor can no longer write for the patient either.
        await staff.Client.UnassignDoctorAsync(doctor.Id, patient.Id);
        var write = await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.CreateFhirRecordAsync(Fhir("condition-example2.json"), patient.Id));
        Assert.Equal(HttpStatusCode.Forbidden, write.Status);
    }
}

using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Server.Tests.Features.Dispensing;

/// <summary>Each fill leaves a FHIR MedicationDispense sealed for the patient, written by the fill's pharmacist and tied to the fill on the ledger.</summary>
public sealed partial class DispensingTests
{
    [Fact]
    public async Task Each_fill_leaves_a_MedicationDispense_record_the_patient_opens_written_once_by_the_fills_pharmacist()
    {
        await WorldAsync();
        var rx = await _doctor.Client.WritePrescriptionAsync(MedicationRequest(), _patient.Id);
        await ShareAsync(_patient, _pharmacist);

        await _pharmacist.Client.DispenseAsync(rx.Info.PrescriptionId, _medicine, 20);

        var summary = Assert.Single(await _patient.Client.ListRecordsAsync(category: RecordCategories.MedicationDispense));
        var opened = await _patient.Client.OpenRecordAsync(summary.RecordId);
        Assert.Equal((_pharmacist.Id, _patient.Id, RecordCategories.MedicationDispense), (opened.AuthorId, opened.PatientId, opened.Category));
        var fhir = JsonNode.Parse(Encoding.UTF8.GetString(opened.Content))!;
        Assert.Equal("MedicationDispense", (string?)fhir["resourceType"]);
        Assert.Equal(20, (int?)fhir["quantity"]!["value"]);
        Assert.Equal($"MedicationRequest/{rx.Info.RecordId}", (string?)fhir["authorizingPrescription"]![0]!["reference"]);
        Assert.Equal($"Practitioner/{_pharmacist.Id}", (string?)fhir["performer"]![0]!["actor"]!["reference"]);
        // The medication is the prescriber's, copied from the MedicationRequest the pharmacist opened.
        var request = JsonNode.Parse(MedicationRequest())!;
        Assert.Equal(request["medicationReference"]?.ToJsonString(), fhir["medicationReference"]?.ToJsonString());
        // On the ledger: the records.write names the fill, and nothing about the drug.
        var write = Assert.Single(await LedgerAbout(_patient.Id), t => t.Type == RecordWriteContract.TypeName && t.Payload["recordId"] == summary.RecordId.ToString());
        Assert.Equal((rx.Info.PrescriptionId.ToString(), "1", _pharmacist.Id.ToString()), (write.Payload["prescriptionId"], write.Payload["fillNumber"], write.Payload["authorId"]));
        Assert.Equal(summary.RecordId.ToString(),
            await Host.Service<MedLedger.Server.Features.Ledger.LedgerGateway>().Peer.Queries.GetStateAsync(PrescriptionKeys.FillRecord(rx.Info.PrescriptionId.ToString(), 1)));

        // Once per fill: writing it again is refused by the contract, and no second record appears.
        var again = await Assert.ThrowsAsync<MedLedgerApiException>(() => _pharmacist.Client.WriteDispenseRecordAsync(rx.Info.PrescriptionId, 1));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Single(await _patient.Client.ListRecordsAsync(category: RecordCategories.MedicationDispense));
        // A pharmacist writes no other record of the patient's, and no dispense record for a fill they did not make.
        var observation = await Assert.ThrowsAsync<MedLedgerApiException>(() => _pharmacist.Client.WriteVersionAsync(Guid.NewGuid(), 1, _patient.Id, "Observation",
            "application/fhir+json", Encoding.UTF8.GetBytes("""{"resourceType":"Observation","status":"final","code":{"text":"x"}}""")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, observation.Status);
        await Assert.ThrowsAsync<PrescriptionCheckException>(() => _pharmacist.Client.WriteDispenseRecordAsync(rx.Info.PrescriptionId, 2));
    }
}

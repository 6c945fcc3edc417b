using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 12 item 2, from the attacker's side: record envelope header v2 signs the category (with record id, version,
/// patient, author and content type), so a server that relabels a record or passes one version off as another is refused
/// by the C# SDK — with nothing sent — while the honest path still works.
/// </summary>
public sealed class EnvelopeLyingServerTests : RecordTestBase
{
    [Fact]
    public async Task A_record_relabelled_to_slip_into_a_consent_plan_is_refused_and_nothing_is_shared()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Relabel General", 1);
        var doctor = doctors[0];
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Relabel Pharmacy");
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        var condition = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var procedure = await patient.Client.CreateFhirRecordAsync(Fhir("procedure-example.json"));
        var prescription = await patient.Client.CreateFhirRecordAsync(Fhir("medicationrequest0302.json"));
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);

        // Lie: the Procedure, relabelled "Condition" both in the plan and in the version the client fetches for it —
        // consistent with everything the server says, so only the signed header can catch it.
        liar.Lie = Relabel(procedure, "Condition");
        var from = liar.Sent.Count;
        var refused = await Assert.ThrowsAsync<ConsentScopeException>(() => client.GrantConsentAsync(doctor.Id, ConsentScope.Categories, ["Condition"]));
        Assert.Contains(procedure.RecordId.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Contains("signed header says 'Procedure'", refused.Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));

        // Lie: a Condition dressed up as a prescription to reach a pharmacist (listed by record, so the scope check alone passes it).
        liar.Lie = Relabel(condition, "MedicationRequest");
        refused = await Assert.ThrowsAsync<ConsentScopeException>(() =>
            client.GrantConsentAsync(pharmacist.Id, ConsentScope.Records, [prescription.RecordId.ToString(), condition.RecordId.ToString()], "dispensing"));
        Assert.Contains("signed header says 'Condition'", refused.Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));
        Assert.Empty(await patient.Client.GrantsAsync());

        // Reading: the relabelled version is refused against its records.write anchor, naming the signed category.
        var read = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenRecordAsync(condition.RecordId));
        Assert.Contains("signed header says 'Condition'", read.Message, StringComparison.Ordinal);
        // And a v2 version passed off as a legacy v1 header (whose category would rest on the label) is refused too.
        liar.Lie = (req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != $"/api/records/{condition.RecordId}")
            {
                return null;
            }
            json["headerVersion"] = 1;
            return json;
        };
        Assert.Contains("legacy v1", (await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenRecordAsync(condition.RecordId))).Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));

        // Honest: the same grants go through and reach exactly their records.
        liar.Lie = null;
        Assert.Equal("Condition", (await client.OpenRecordAsync(condition.RecordId)).Category);
        await client.GrantConsentAsync(doctor.Id, ConsentScope.Categories, ["Condition"]);
        await client.GrantConsentAsync(pharmacist.Id, ConsentScope.Records, [prescription.RecordId.ToString()], "dispensing");
        Assert.Equal(condition.RecordId, (await doctor.Client.OpenRecordAsync(condition.RecordId)).RecordId);
        await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.OpenRecordAsync(procedure.RecordId));
        Assert.Equal(prescription.RecordId, (await pharmacist.Client.OpenRecordAsync(prescription.RecordId)).RecordId);
    }

    [Fact]
    public async Task A_version_served_under_another_record_or_patient_is_refused()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Swap General", 1);
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(Role.Patient);
        var other = await World.RegisterAsync(Role.Patient);
        var records = new List<RecordVersionInfo>();
        foreach (var who in new[] { patient, other })
        {
            await who.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
            await staff.Client.AssignDoctorAsync(doctor.Id, who.Id);
            records.Add(await who.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json")));
            await who.Client.GrantConsentAsync(doctor.Id, ConsentScope.All);
        }
        var (asked, foreign) = (records[0], records[1]);
        var own = await patient.Client.CreateFhirRecordAsync(Fhir("procedure-example.json"));
        var (client, liar) = await LyingServer.SignInAsync(Host, doctor);
        var (patientClient, patientLiar) = await LyingServer.SignInAsync(Host, patient);
        // Honest answers the liars replay: the doctor may open both patients' records; the patient their two records.
        await client.OpenRecordAsync(foreign.RecordId);
        await client.OpenRecordAsync(asked.RecordId);
        await patientClient.OpenRecordAsync(own.RecordId);
        var foreignAnswer = JsonNode.Parse(liar.Answer($"/api/records/{foreign.RecordId}"))!;
        var askedAnswer = JsonNode.Parse(liar.Answer($"/api/records/{asked.RecordId}"))!;
        var ownAnswer = JsonNode.Parse(patientLiar.Answer($"/api/records/{own.RecordId}"))!;
        var askedPath = $"/api/records/{asked.RecordId}";

        // Lie: the other patient's version under the asked record id and patient (its own, real anchor kept).
        var from = liar.Sent.Count;
        liar.Lie = (req, _) =>
        {
            if (req.RequestUri!.AbsolutePath != askedPath)
            {
                return null;
            }
            var swapped = foreignAnswer.DeepClone();
            swapped["recordId"] = asked.RecordId.ToString();
            swapped["patientId"] = patient.Id.ToString();
            return swapped;
        };
        Assert.Contains("does not match its records.write anchor", (await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenRecordAsync(asked.RecordId))).Message, StringComparison.Ordinal);

        // Lie: the asked record's own answer and anchor, with the other patient's sealed version (ciphertext, signature, wrap) inside.
        liar.Lie = (req, _) =>
        {
            if (req.RequestUri!.AbsolutePath != askedPath)
            {
                return null;
            }
            var swapped = askedAnswer.DeepClone();
            foreach (var field in new[] { "nonce", "keyCommitment", "signature", "ciphertext", "wrap", "createdAtMs" })
            {
                swapped[field] = foreignAnswer[field]!.DeepClone();
            }
            return swapped;
        };
        await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenRecordAsync(asked.RecordId));
        Assert.Empty(liar.WritesSince(from));

        // Lie, in a consent plan: the patient's own Procedure stands in for the planned Condition (same patient, same
        // category label, anchor left out of the plan path): the signed header names another record, so nothing is shared.
        var patientFrom = patientLiar.Sent.Count;
        patientLiar.Lie = (req, _) =>
        {
            if (req.RequestUri!.AbsolutePath != $"/api/records/{asked.RecordId}/versions/1")
            {
                return null;
            }
            var swapped = ownAnswer.DeepClone();
            swapped["recordId"] = asked.RecordId.ToString();
            swapped["category"] = "Condition";
            return swapped;
        };
        var planRefused = await Assert.ThrowsAsync<ConsentScopeException>(() => patientClient.GrantConsentAsync(doctor.Id, ConsentScope.Records, [asked.RecordId.ToString()]));
        Assert.Contains("did not sign", planRefused.Message, StringComparison.Ordinal);
        Assert.Empty(patientLiar.WritesSince(patientFrom));

        // Honest again.
        liar.Lie = null;
        patientLiar.Lie = null;
        Assert.Equal(asked.RecordId, (await client.OpenRecordAsync(asked.RecordId)).RecordId);
        Assert.Equal(patient.Id, (await client.OpenRecordAsync(asked.RecordId)).PatientId);
    }

    /// <summary>
    /// A liar that labels one record with another category wherever the client sees it: in every plan (added when absent)
    /// and in its versions.
    /// </summary>
    private static Func<HttpRequestMessage, JsonNode, JsonNode?> Relabel(RecordVersionInfo record, string category) => (req, json) =>
    {
        var path = req.RequestUri!.AbsolutePath;
        var recordId = record.RecordId;
        if (path == "/api/consents/plan")
        {
            var plan = json.AsArray();
            foreach (var item in plan.Where(i => i!["recordId"]!.GetValue<string>() == recordId.ToString()).ToList())
            {
                plan.Remove(item);
            }
            plan.Add(new JsonObject { ["recordId"] = recordId.ToString(), ["version"] = record.Version, ["category"] = category });
            return plan;
        }
        if (path.StartsWith($"/api/records/{recordId}", StringComparison.Ordinal) && json is JsonObject version && version.ContainsKey("category"))
        {
            version["category"] = category;
            return version;
        }
        return null;
    };
}

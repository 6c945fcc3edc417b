using System.Text;
using System.Text.Json.Nodes;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.CrossCutting.LyingServer;

/// <summary>
/// Issue 12, from the attacker's side: a server that lies to the C# SDK. Every lie is refused by the client with nothing
/// sent (checked on the requests it actually sent), and the same steps against the honest server still work.
/// </summary>
public sealed class LyingServerTests : RecordTestBase
{
    [Fact]
    public async Task A_registered_but_unconsented_reader_added_to_the_reader_list_gets_no_key_and_nothing_is_sent()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Reader Rule General", 2);
        var (consented, puppet) = (doctors[0], doctors[1]);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(consented.Id, patient.Id);
        await staff.Client.AssignDoctorAsync(puppet.Id, patient.Id);
        await patient.Client.GrantConsentAsync(consented.Id, ConsentScope.Categories, ["Condition"]);
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        var puppetKeys = await patient.Client.GetPublicKeysAsync(puppet.Id);
        var consentedGrant = (await patient.Client.GrantsAsync()).Single();

        // Honest: the consented doctor is a reader, proven by the grant's receipt, and can open the new record.
        var honest = await client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        Assert.Equal(honest.RecordId, (await consented.Client.OpenRecordAsync(honest.RecordId)).RecordId);

        // Lie 1: the sock puppet (registered keys, verified doctor, no consent) appended to the reader list. (The next
        // version of the honest record: the client fetches a reader list for it; the list it checked for new Conditions
        // would be reused, and the server's "readers-changed" refusal would make it fetch again — into the same lie.)
        var nextVersion = () => client.AddVersionAsync(honest.RecordId, System.Text.Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n"));
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == "/api/records/readers" ? Append(json, Reader(puppetKeys, null)) : null;
        var from = liar.Sent.Count;
        var refused = await Assert.ThrowsAsync<UnconsentedReaderException>(nextVersion);
        Assert.Equal(puppet.Id, refused.ReaderId);
        Assert.Contains(puppet.Id.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));

        // Lie 2: the puppet dressed up with the consented doctor's real grant and receipt (it names someone else).
        liar.Lie = (req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != "/api/records/readers")
            {
                return null;
            }
            var real = json.AsArray().Single(r => r!["userId"]!.GetValue<string>() == consented.Id.ToString())!;
            var dressed = Reader(puppetKeys, consentedGrant.Id);
            dressed["grantScope"] = real["grantScope"]!.DeepClone();
            dressed["grantItems"] = real["grantItems"]!.DeepClone();
            dressed["grantReceipt"] = real["grantReceipt"]!.DeepClone();
            return Append(json, dressed);
        };
        from = liar.Sent.Count;
        Assert.Equal(puppet.Id, (await Assert.ThrowsAsync<UnconsentedReaderException>(nextVersion)).ReaderId);
        Assert.Empty(liar.WritesSince(from));

        // Lie 3: the consented doctor, with the real grant, named for a record the grant does not cover (a Procedure; it covers Conditions).
        var doctorAsReader = JsonNode.Parse(liar.Answer("/api/records/readers"))!.AsArray().Single(r => r!["userId"]!.GetValue<string>() == consented.Id.ToString())!;
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == "/api/records/readers" && req.RequestUri.Query.Contains("category=Procedure", StringComparison.Ordinal)
            ? Append(json, doctorAsReader.DeepClone()) : null;
        from = liar.Sent.Count;
        Assert.Equal(consented.Id, (await Assert.ThrowsAsync<UnconsentedReaderException>(() => client.CreateFhirRecordAsync(Fhir("procedure-example.json")))).ReaderId);
        Assert.Empty(liar.WritesSince(from));

        // The honest server again: the same writes go through.
        liar.Lie = null;
        await client.CreateFhirRecordAsync(Fhir("procedure-example.json"));
        await client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        Assert.Equal(2, (await nextVersion()).Version);
    }

    [Fact]
    public async Task An_out_of_scope_item_added_to_a_consent_plan_is_refused_and_nothing_is_shared()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Plan Scope General", 1);
        var doctor = doctors[0];
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Plan Scope Pharmacy");
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        var condition = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var procedure = await patient.Client.CreateFhirRecordAsync(Fhir("procedure-example.json"));
        var prescription = await patient.Client.CreateFhirRecordAsync(Fhir("medicationrequest0302.json"));
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        JsonNode Item(RecordVersionInfo r) => new JsonObject { ["recordId"] = r.RecordId.ToString(), ["version"] = r.Version, ["category"] = r.Category };

        // Lie: the plan for "Conditions" also carries the Procedure.
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == "/api/consents/plan" ? Append(json, Item(procedure)) : null;
        var from = liar.Sent.Count;
        var refused = await Assert.ThrowsAsync<ConsentScopeException>(() => client.GrantConsentAsync(doctor.Id, ConsentScope.Categories, ["Condition"]));
        Assert.Contains(procedure.RecordId.ToString(), refused.Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));
        Assert.DoesNotContain(liar.Sent.Skip(from), r => r.PathAndQuery.StartsWith($"/api/records/{procedure.RecordId}", StringComparison.Ordinal));

        // Lie: a grant of listed records gains one the patient did not list.
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == "/api/consents/plan" ? Append(json, Item(prescription)) : null;
        from = liar.Sent.Count;
        await Assert.ThrowsAsync<ConsentScopeException>(() => client.GrantConsentAsync(doctor.Id, ConsentScope.Records, [condition.RecordId.ToString()]));
        Assert.Empty(liar.WritesSince(from));

        // A pharmacist gets prescriptions only: the client refuses a wider scope before asking for a plan, and a plan of
        // listed records that slips in a Condition.
        liar.Lie = null;
        from = liar.Sent.Count;
        await Assert.ThrowsAsync<ConsentScopeException>(() => client.GrantConsentAsync(pharmacist.Id, ConsentScope.All, purpose: "dispensing"));
        await Assert.ThrowsAsync<ConsentScopeException>(() => client.GrantConsentAsync(pharmacist.Id, ConsentScope.Categories, ["MedicationRequest", "Condition"], "dispensing"));
        liar.Lie = (req, json) => req.RequestUri!.AbsolutePath == "/api/consents/plan" ? Append(json, Item(condition)) : null;
        await Assert.ThrowsAsync<ConsentScopeException>(() => client.GrantConsentAsync(pharmacist.Id, ConsentScope.Records, [prescription.RecordId.ToString()], "dispensing"));
        Assert.Empty(liar.WritesSince(from));
        Assert.Empty(await patient.Client.GrantsAsync());

        // Honest: the same grants go through and reach exactly their records.
        liar.Lie = null;
        await client.GrantConsentAsync(doctor.Id, ConsentScope.Categories, ["Condition"]);
        await client.GrantConsentAsync(pharmacist.Id, ConsentScope.Categories, ["MedicationRequest"], "dispensing");
        Assert.Equal(condition.RecordId, (await doctor.Client.OpenRecordAsync(condition.RecordId)).RecordId);
        await Assert.ThrowsAsync<MedLedgerApiException>(() => doctor.Client.OpenRecordAsync(procedure.RecordId));
        Assert.Equal(prescription.RecordId, (await pharmacist.Client.OpenRecordAsync(prescription.RecordId)).RecordId);
    }

    [Fact]
    public async Task A_version_whose_anchor_does_not_match_is_refused()
    {
        var (client, liar, recordId) = await TwoVersionsOpenedByADoctorAsync("Anchor General");
        var latestPath = $"/api/records/{recordId}";
        var v1Answer = JsonNode.Parse(liar.Answer($"{latestPath}/versions/1"))!;

        // Lie: version 2 served with version 1's records.write anchor (a real, verifying receipt — of something else).
        liar.Lie = (req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != latestPath)
            {
                return null;
            }
            json["anchor"] = v1Answer["anchor"]!.DeepClone();
            return json;
        };
        var from = liar.Sent.Count;
        var mismatch = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenRecordAsync(recordId));
        Assert.Contains("does not match its records.write anchor", mismatch.Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));

        liar.Lie = null;
        Assert.Equal(2, (await client.OpenRecordAsync(recordId)).Version);
    }

    [Fact]
    public async Task An_older_version_served_as_the_latest_is_refused_and_an_older_version_asked_for_is_flagged()
    {
        var (client, liar, recordId) = await TwoVersionsOpenedByADoctorAsync("Rollback General");
        var latestPath = $"/api/records/{recordId}";
        var v1Answer = JsonNode.Parse(liar.Answer($"{latestPath}/versions/1"))!;

        // Lie: version 1 served as the latest, with the ledger's newest anchor left in place…
        liar.Lie = (req, _) => req.RequestUri!.AbsolutePath == latestPath ? v1Answer.DeepClone() : null;
        var from = liar.Sent.Count;
        Assert.Contains("Rollback", (await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenRecordAsync(recordId))).Message, StringComparison.Ordinal);
        // …and with it swapped for version 1's: this client saw version 2 anchored before, the server cannot take it back.
        liar.Lie = (req, _) =>
        {
            if (req.RequestUri!.AbsolutePath != latestPath)
            {
                return null;
            }
            var stale = v1Answer.DeepClone();
            stale["latest"] = v1Answer["anchor"]!.DeepClone();
            return stale;
        };
        Assert.Contains("Rollback", (await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.OpenRecordAsync(recordId))).Message, StringComparison.Ordinal);
        Assert.Empty(liar.WritesSince(from));

        liar.Lie = null;
        Assert.Equal(2, (await client.OpenRecordAsync(recordId)).Version);
    }

    /// <summary>
    /// A patient's record with two versions, shared with an assigned doctor whose (lying-server) client opened the
    /// latest and then version 1 on purpose — which opens, flagged as superseded.
    /// </summary>
    private async Task<(MedLedgerClient Client, LyingServer Liar, Guid RecordId)> TwoVersionsOpenedByADoctorAsync(string hospital)
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, hospital, 1);
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        var record = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        await patient.Client.AddVersionAsync(record.RecordId, Encoding.UTF8.GetBytes(Fhir("Condition-For-Patient-f001.json") + "\n"));
        await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.All);
        var (client, liar) = await LyingServer.SignInAsync(Host, doctor);
        Assert.False((await client.OpenRecordAsync(record.RecordId)).IsSuperseded);
        var v1 = await client.OpenRecordAsync(record.RecordId, 1);
        Assert.True(v1.IsSuperseded);
        Assert.Equal(2, v1.LedgerLatestVersion);
        return (client, liar, record.RecordId);
    }

    [Fact]
    public async Task Another_patients_emergency_summary_is_refused_by_the_breaking_doctor()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Binding General", 1);
        var doctor = doctors[0];
        await staff.Client.PublishHospitalEmergencyKeyAsync();
        var patient = await World.RegisterAsync(Role.Patient);
        var other = await World.RegisterAsync(Role.Patient);
        foreach (var (who, text) in new[] { (patient, "Blood type O-"), (other, "Blood type AB+") })
        {
            var summary = await who.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes(text), "text/plain", category: "EmergencySummary");
            await who.Client.DesignateEmergencySummaryAsync(summary.RecordId, staff.OrganizationId!.Value);
        }
        var (client, liar) = await LyingServer.SignInAsync(Host, doctor);

        // Honest: the other patient's summary, opened by breaking the glass for them (the liar keeps a copy as sent).
        JsonNode? otherSummary = null;
        liar.Lie = (req, json) =>
        {
            if (req.RequestUri!.AbsolutePath == "/api/emergency/break-glass")
            {
                otherSummary = json["summary"]!.DeepClone();
            }
            return null;
        };
        Assert.Equal("Blood type AB+", Encoding.UTF8.GetString((await client.BreakGlassAsync(other.Id, "unconscious")).Content));
        liar.Lie = (req, json) =>
        {
            if (req.RequestUri!.AbsolutePath != "/api/emergency/break-glass")
            {
                return null;
            }
            json["summary"] = otherSummary!.DeepClone();
            return json;
        };

        // Lie: breaking the glass for the patient, the server hands over the other patient's summary.
        var from = liar.Sent.Count;
        var refused = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.BreakGlassAsync(patient.Id, "unconscious"));
        Assert.Contains(other.Id.ToString(), refused.Message, StringComparison.Ordinal);
        // The break-glass transaction itself is the only write; nothing follows the refused summary.
        Assert.Single(liar.WritesSince(from), r => r.PathAndQuery == "/api/emergency/break-glass");

        liar.Lie = null;
        Assert.Equal("Blood type O-", Encoding.UTF8.GetString((await client.BreakGlassAsync(patient.Id, "unconscious")).Content));
    }

    [Fact]
    public async Task Only_the_author_writes_the_next_version_and_the_sdk_refuses_before_sending()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Authorship General", 1);
        var doctor = doctors[0];
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
        var diagnosis = await doctor.Client.CreateFhirRecordAsync(Fhir("condition-example2.json"), patient.Id);
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);

        var from = liar.Sent.Count;
        await Assert.ThrowsAsync<NotRecordAuthorException>(() => client.AddVersionAsync(diagnosis.RecordId, Encoding.UTF8.GetBytes(Fhir("condition-example2.json"))));
        Assert.Empty(liar.WritesSince(from));

        // Past the SDK's check, the server refuses too (and the ledger contract behind it: RecordContractTests).
        var forced = await Assert.ThrowsAsync<MedLedgerApiException>(() =>
            client.WriteVersionAsync(diagnosis.RecordId, 2, patient.Id, "Condition", "application/fhir+json", Encoding.UTF8.GetBytes(Fhir("condition-example2.json"))));
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, forced.Status);

        // The author writes the next version (a doctor reads, and so versions, a record only while holding the patient's consent).
        await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.All);
        Assert.Equal(2, (await doctor.Client.AddVersionAsync(diagnosis.RecordId, Encoding.UTF8.GetBytes(Fhir("condition-example2.json") + "\n"))).Version);
    }

    /// <summary>
    /// The SDK remembers the transaction it signs, so its receipt's check of that signature is answered from the session's
    /// memo. That memo holds exactly the signed bytes and signature: a write answered with our own transaction under a
    /// changed inclusion proof, or with our transaction's signature altered, is still refused.
    /// </summary>
    [Fact]
    public async Task A_write_answered_with_our_own_transaction_under_a_changed_proof_or_signature_is_refused()
    {
        for (var i = 0; i < 3; i++)
        {
            // Other writes first, so the receipt's inclusion proof has siblings to change.
            await World.RegisterAsync(Role.Patient);
        }
        var patient = await World.RegisterAsync(Role.Patient);
        var (client, liar) = await LyingServer.SignInAsync(Host, patient);
        var fhir = Fhir("Condition-For-Patient-f001.json");
        Assert.Equal(1, (await client.CreateFhirRecordAsync(fhir)).Version);

        static bool IsWrite(HttpRequestMessage req) => req.Method == HttpMethod.Post
            && req.RequestUri!.AbsolutePath.StartsWith("/api/records/", StringComparison.Ordinal) && req.RequestUri.AbsolutePath.EndsWith("/versions", StringComparison.Ordinal);
        static JsonNode Flip(JsonNode honest, Func<JsonNode, JsonNode> field)
        {
            var lie = honest.DeepClone();
            var node = field(lie["receipt"]!);
            var bytes = Convert.FromBase64String(node.GetValue<string>());
            bytes[^1] ^= 1;
            node.ReplaceWith(Convert.ToBase64String(bytes));
            return lie;
        }

        liar.Lie = (req, honest) => IsWrite(req) ? Flip(honest, r => r["inclusionProof"]![0]!) : null;
        var proof = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.CreateFhirRecordAsync(fhir));
        Assert.Contains("inclusion proof", proof.Message, StringComparison.Ordinal);

        liar.Lie = (req, honest) => IsWrite(req) ? Flip(honest, r => r["transactionSignature"]!) : null;
        var signature = await Assert.ThrowsAsync<MedLedgerVerificationException>(() => client.CreateFhirRecordAsync(fhir));
        Assert.Contains("transaction signature does not verify", signature.Message, StringComparison.Ordinal);

        // Honest answers are taken again.
        liar.Lie = null;
        Assert.Equal(1, (await client.CreateFhirRecordAsync(fhir)).Version);
    }

    private static JsonNode Append(JsonNode list, JsonNode item)
    {
        list.AsArray().Add(item);
        return list;
    }

    private static JsonObject Reader(PublicKeys keys, Guid? grantId) => new()
    {
        ["userId"] = keys.UserId.ToString(),
        ["role"] = keys.Role.ToString(),
        ["encryptionPublicKey"] = Convert.ToBase64String(keys.EncryptionPublicKey),
        ["signingPublicKey"] = Convert.ToBase64String(keys.SigningPublicKey),
        ["grantId"] = grantId?.ToString(),
    };
}

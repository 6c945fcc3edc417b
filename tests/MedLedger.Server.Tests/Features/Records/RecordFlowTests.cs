using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Server.Features.Admin;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>Records: create, list, open, version and their refusals, end to end through the SDK and the real pipeline.</summary>
public sealed class RecordFlowTests : RecordTestBase
{
    [Fact]
    public async Task Patient_creates_lists_opens_and_versions_a_fhir_record()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var json = Fhir("Condition-For-Patient-f001.json");
        var created = await patient.Client.CreateFhirRecordAsync(json);
        Assert.Equal("Condition", created.Category);
        Assert.Equal(1, created.Version);
        Assert.True(created.Receipt!.Valid);

        var list = await patient.Client.ListRecordsAsync();
        Assert.Single(list);
        var opened = await patient.Client.OpenRecordAsync(created.RecordId);
        Assert.Equal(json, Encoding.UTF8.GetString(opened.Content));

        var json2 = json + "\n"; // a new version with different bytes
        var v2 = await patient.Client.AddVersionAsync(created.RecordId, Encoding.UTF8.GetBytes(json2));
        Assert.Equal(2, v2.Version);
        Assert.Equal(created.RecordId, v2.RecordId);
        Assert.Equal(json, Encoding.UTF8.GetString((await patient.Client.OpenRecordAsync(created.RecordId, 1)).Content));
        Assert.Equal(json2, Encoding.UTF8.GetString((await patient.Client.OpenRecordAsync(created.RecordId)).Content));
        Assert.Equal(new[] { 1, 2 }, await patient.Client.RecordVersionsAsync(created.RecordId));

        // Filters: by type and date range.
        await patient.Client.CreateFhirRecordAsync(Fhir("medicationrequest0302.json"));
        Assert.Single(await patient.Client.ListRecordsAsync(category: "MedicationRequest"));
        Assert.Equal(2, (await patient.Client.ListRecordsAsync(from: DateTimeOffset.UtcNow.AddMinutes(-5))).Count);
        Assert.Empty(await patient.Client.ListRecordsAsync(to: DateTimeOffset.UtcNow.AddDays(-1)));

        // Every write is anchored on the ledger by hashes and ids only.
        var anchors = (await LedgerAbout(patient.Id)).Where(t => t.Type == "records.write").ToList();
        Assert.Equal(3, anchors.Count);
        Assert.All(anchors, a => Assert.Equal(64, a.Payload["ciphertextHash"].Length));
    }

    [Fact]
    public async Task Invalid_fhir_is_refused_on_the_client_and_nothing_is_sent()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var ex = Assert.Throws<FhirValidationException>(() => MedLedgerClient.ValidateFhir(Fhir("SmartPatientA.json")));
        Assert.Contains("status", ex.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<FhirValidationException>(() => patient.Client.CreateFhirRecordAsync("{\"resourceType\":\"Observation\",\"bogus\":1}"));
        Assert.Equal(0, await Db(db => db.Set<MedicalRecord>().CountAsync()));
    }

    [Fact]
    public async Task Files_up_to_20_MiB_are_accepted_and_larger_bodies_get_413()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var pdf = new byte[256 * 1024];
        Random.Shared.NextBytes(pdf);
        var created = await patient.Client.CreateFileRecordAsync(pdf, "application/pdf");
        Assert.Equal(pdf, (await patient.Client.OpenRecordAsync(created.RecordId)).Content);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => patient.Client.CreateFileRecordAsync(new byte[(20 * 1024 * 1024) + 1], "application/pdf"));

        using var raw = Host.CreateClient();
        raw.DefaultRequestHeaders.Authorization = new("Bearer", await patient.Client.GetAccessTokenAsync());
        var huge = new StringContent("{\"ciphertext\":\"" + new string('A', 29 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json");
        var res = await raw.PostAsync($"/api/records/{Guid.NewGuid()}/versions", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, res.StatusCode);
        await res.Problem();
    }

    [Fact]
    public async Task Attackers_are_refused_and_every_refusal_is_recorded()
    {
        var (staffA, doctorsA) = await World.HospitalAsync(Admin, "Hospital A", 2);
        var (_, doctorsB) = await World.HospitalAsync(Admin, "Hospital B", 1);
        var assignedNoConsent = doctorsA[0];
        var unassignedWithConsent = doctorsA[1];
        var otherHospital = doctorsB[0];
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Pharmacy");
        var insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Insurer");
        var patient = await World.RegisterAsync(Role.Patient);
        var intruder = await World.RegisterAsync(Role.Patient);
        var condition = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var prescription = await patient.Client.CreateFhirRecordAsync(Fhir("medicationrequest0302.json"));

        await patient.Client.RegisterWithHospitalAsync(staffA.OrganizationId!.Value);
        await staffA.Client.AssignDoctorAsync(assignedNoConsent.Id, patient.Id);
        await patient.Client.GrantConsentAsync(unassignedWithConsent.Id, ConsentScope.All);
        await patient.Client.GrantConsentAsync(insurer.Id, ConsentScope.Records, [condition.RecordId.ToString()], "insurance-claim");
        await patient.Client.GrantConsentAsync(pharmacist.Id, ConsentScope.Categories, ["MedicationRequest"], "dispensing");
        // A pharmacist can never be given non-prescription categories: the granting client refuses (the server and the
        // consent contract would too: ConsentContractTests).
        await Assert.ThrowsAsync<ConsentScopeException>(() => patient.Client.GrantConsentAsync(pharmacist.Id, ConsentScope.All));

        async Task Refused(SdkUser who, Guid recordId, string reasonFragment)
        {
            var before = await Db(db => db.SecurityEvents.CountAsync(e => e.Kind == SecurityEventKind.AccessDenied && e.ActorId == who.Id));
            var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => who.Client.OpenRecordAsync(recordId));
            Assert.Equal(HttpStatusCode.Forbidden, e.Status);
            Assert.Contains(reasonFragment, e.Detail, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(before + 1, await Db(db => db.SecurityEvents.CountAsync(ev => ev.Kind == SecurityEventKind.AccessDenied && ev.ActorId == who.Id)));
            Assert.Contains(await LedgerAbout(who.Id), t => t.Type == "records.access-denied" && t.Payload.GetValueOrDefault("recordId") == recordId.ToString());
        }

        await Refused(unassignedWithConsent, condition.RecordId, "not assigned");
        await Refused(assignedNoConsent, condition.RecordId, "not shared");
        await Refused(otherHospital, condition.RecordId, "not assigned");
        await Refused(pharmacist, condition.RecordId, "MedicationRequest");
        await Refused(intruder, condition.RecordId, "your own");
        await Refused(insurer, condition.RecordId, "claim");

        // The allowed paths next to them: the pharmacist's prescription, and the insurer once the record is attached to a claim.
        Assert.Equal("MedicationRequest", (await pharmacist.Client.OpenRecordAsync(prescription.RecordId)).Category);
        Assert.Equal(prescription.RecordId, Assert.Single(await pharmacist.Client.ListRecordsAsync()).RecordId);
        Assert.Empty(await insurer.Client.ListRecordsAsync());
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
            db.Set<ClaimRecordLink>().Add(new ClaimRecordLink { ClaimId = Guid.NewGuid(), RecordId = condition.RecordId, InsurerOrganizationId = insurer.OrganizationId!.Value });
            await db.SaveChangesAsync();
        }
        Assert.Equal("Condition", (await insurer.Client.OpenRecordAsync(condition.RecordId)).Category);
        Assert.Equal(condition.RecordId, Assert.Single(await insurer.Client.ListRecordsAsync()).RecordId);

        // Listing another patient's records is refused too; hospital staff and admins never read records.
        var list = await Assert.ThrowsAsync<MedLedgerApiException>(() => intruder.Client.ListRecordsAsync(patientId: patient.Id));
        Assert.Equal(HttpStatusCode.Forbidden, list.Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => staffA.Client.FetchSealedAsync(condition.RecordId))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => Admin.Client.FetchSealedAsync(condition.RecordId))).Status);
    }

    [Fact]
    public async Task Tampered_or_foreign_uploads_are_refused_and_store_nothing()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var other = await World.RegisterAsync(Role.Patient);
        // A patient cannot write into someone else's record space.
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"), other.Id));
        Assert.Equal(HttpStatusCode.Forbidden, e.Status);

        // A raw upload whose ciphertext was altered after signing fails the server's signature check.
        var keys = patient.Client.Keys!;
        var recordId = Guid.NewGuid();
        var header = new MedLedger.Crypto.RecordHeader(recordId.ToString(), 1, patient.Id.ToString(), patient.Id.ToString(), "application/fhir+json", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), "Observation");
        var env = MedLedger.Crypto.RecordCrypto.Seal(header, Encoding.UTF8.GetBytes("{}"), keys.Signing, [keys.Encryption.PublicKey]);
        var tampered = env.Ciphertext.ToArray();
        tampered[0] ^= 1;
        SignedTransactionDto Tx(byte[] ciphertext, MedLedger.Crypto.RecordHeader h) => SignedTransactionDto.From(LedgerTransaction.Create("records.write", patient.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), new Dictionary<string, string>
        {
            ["recordId"] = recordId.ToString(), ["version"] = "1", ["patientId"] = patient.Id.ToString(),
            ["ciphertextHash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(ciphertext)),
            ["headerHash"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(h.ToCanonicalBytes())),
        }, keys.Signing.PrivateKey));
        using var raw = Host.CreateClient();
        raw.DefaultRequestHeaders.Authorization = new("Bearer", await patient.Client.GetAccessTokenAsync());
        MedLedger.Server.Features.Records.RecordUpload Upload(string category, byte[] ciphertext, MedLedger.Crypto.RecordEnvelope e, int headerVersion = 2) =>
            new(1, patient.Id, category, "application/fhir+json", header.CreatedAtUnixMs, e.Nonce, e.KeyCommitment, e.Signature, ciphertext,
                [new WrapDto(patient.Id, e.Wraps[0].ReaderKeyId, e.Wraps[0].Enc, e.Wraps[0].WrappedKey)], Tx(ciphertext, e.Header), headerVersion);
        var res = await raw.PostJson($"/api/records/{recordId}/versions", Upload("Observation", tampered, env));
        Assert.Equal((HttpStatusCode)422, res.StatusCode);
        Assert.Contains("signature", (await res.Problem()).GetProperty("detail").GetString());

        // Header v2 binds the category: a label that disagrees with the signed one is a validation problem on "category" naming both.
        res = await raw.PostJson($"/api/records/{recordId}/versions", Upload("MedicationRequest", env.Ciphertext, env));
        Assert.Equal((HttpStatusCode)422, res.StatusCode);
        var category = (await res.Problem()).GetProperty("errors").GetProperty("category")[0].GetString()!;
        Assert.Contains("'MedicationRequest' disagrees with the category the author signed in the header ('Observation')", category, StringComparison.Ordinal);

        // New versions must use header v2: a v1 (category-less) upload is refused, even when correctly signed.
        var v1 = MedLedger.Crypto.RecordCrypto.Seal(header with { Category = null }, Encoding.UTF8.GetBytes("{}"), keys.Signing, [keys.Encryption.PublicKey]);
        res = await raw.PostJson($"/api/records/{recordId}/versions", Upload("Observation", v1.Ciphertext, v1, headerVersion: 1));
        Assert.Equal((HttpStatusCode)422, res.StatusCode);
        Assert.True((await res.Problem()).GetProperty("errors").TryGetProperty("headerVersion", out _));
        Assert.Equal(0, await Db(db => db.Set<MedicalRecord>().CountAsync()));
    }

    [Fact]
    public async Task Concurrent_writers_of_the_same_version_do_not_lose_updates()
    {
        var patient = await World.RegisterAsync(Role.Patient);
        var second = await World.LoginAsync(patient.Email, patient.Password, Role.Patient, null);
        var rec = await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"));
        var results = await Task.WhenAll(
            Attempt(() => patient.Client.WriteVersionAsync(rec.RecordId, 2, patient.Id, "Condition", "application/fhir+json", Encoding.UTF8.GetBytes("{\"a\":1}"))),
            Attempt(() => second.Client.WriteVersionAsync(rec.RecordId, 2, patient.Id, "Condition", "application/fhir+json", Encoding.UTF8.GetBytes("{\"b\":2}"))));
        Assert.Equal(1, results.Count(r => r is null));
        Assert.Equal(HttpStatusCode.Conflict, results.Single(r => r is not null)!.Status);
        Assert.Equal(2, await Db(db => db.Set<RecordVersion>().CountAsync(v => v.RecordId == rec.RecordId)));

        static async Task<MedLedgerApiException?> Attempt(Func<Task> f)
        {
            try { await f(); return null; } catch (MedLedgerApiException e) { return e; }
        }
    }
}

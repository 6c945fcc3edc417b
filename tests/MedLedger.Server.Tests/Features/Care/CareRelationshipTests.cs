using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Errors;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Care;

/// <summary>
/// Care assignment rests on a relationship the patient created (care.register or a bed booking at that hospital),
/// checked by the server and by the care.assign contract; staff choose from their hospital's relationship list; a
/// doctor sees only the grants that concern them.
/// </summary>
public sealed class CareRelationshipTests : RecordTestBase
{
    private static async Task<MedLedgerApiException> Refused(Func<Task> call) => await Assert.ThrowsAsync<MedLedgerApiException>(call);

    [Fact]
    public async Task Assignment_needs_the_patients_registration_and_is_refused_again_after_withdrawal()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Relationship General", 1);
        var hospital = staff.OrganizationId!.Value;
        var patient = await World.RegisterAsync(Role.Patient);

        // No relationship: refused with a clear problem, and nothing about the patient reaches the ledger.
        var none = await Refused(() => staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id));
        Assert.Equal(HttpStatusCode.Forbidden, none.Status);
        Assert.EndsWith("/no-care-relationship", none.ProblemType);
        Assert.DoesNotContain(await LedgerAbout(patient.Id), t => t.Type == CareAssignContract.TypeName);
        Assert.Empty(await staff.Client.RelatedPatientsAsync());
        // An id that is no patient at all gets the same answer: staff cannot probe which ids are patients.
        var unknown = await Refused(() => staff.Client.AssignDoctorAsync(doctors[0].Id, Guid.NewGuid()));
        Assert.Equal((none.Status, none.ProblemType, none.Detail), (unknown.Status, unknown.ProblemType, unknown.Detail));

        // The patient registers (signed by the patient): staff see the id and may assign.
        var registration = await patient.Client.RegisterWithHospitalAsync(hospital);
        Assert.Equal(hospital, registration.HospitalId);
        Assert.Equal(hospital, Assert.Single(await patient.Client.MyHospitalRegistrationsAsync()).HospitalId);
        Assert.Equal(new RelatedPatient(patient.Id, true, false), Assert.Single(await staff.Client.RelatedPatientsAsync()));
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => patient.Client.RegisterWithHospitalAsync(hospital))).Status);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        await staff.Client.UnassignDoctorAsync(doctors[0].Id, patient.Id);

        // Withdrawn: off the list, and a new assignment is refused.
        await patient.Client.WithdrawHospitalRegistrationAsync(hospital);
        Assert.Empty(await patient.Client.MyHospitalRegistrationsAsync());
        Assert.Empty(await staff.Client.RelatedPatientsAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => patient.Client.WithdrawHospitalRegistrationAsync(hospital))).Status);
        Assert.Contains(await LedgerAbout(patient.Id), t => t.Type == CareWithdrawContract.TypeName && t.Payload["hospitalId"] == hospital.ToString());
    }

    [Fact]
    public async Task A_registration_with_one_hospital_does_not_let_another_hospital_assign()
    {
        var (staffA, _) = await World.HospitalAsync(Admin, "Registered General", 1);
        var (staffB, doctorsB) = await World.HospitalAsync(Admin, "Other General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staffA.OrganizationId!.Value);

        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => staffB.Client.AssignDoctorAsync(doctorsB[0].Id, patient.Id))).Status);
        Assert.Empty(await staffB.Client.RelatedPatientsAsync());
        // Registering with an unknown hospital is a 404, nothing signed reaches the ledger.
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => patient.Client.RegisterWithHospitalAsync(Guid.NewGuid()))).Status);
    }

    [Fact]
    public async Task A_bed_booking_is_a_relationship_staff_see_and_may_assign_on()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Booking General", 1);
        var hospital = staff.OrganizationId!.Value;
        await staff.Client.SetWardAsync(hospital, "Ward 1", "general", 4, 0);
        var patient = await World.RegisterAsync(Role.Patient);

        var booking = await patient.Client.BookBedAsync(hospital, "general");
        Assert.Equal(new RelatedPatient(patient.Id, false, true), Assert.Single(await staff.Client.RelatedPatientsAsync()));
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        await staff.Client.UnassignDoctorAsync(doctors[0].Id, patient.Id);

        // A hold that ends without admission ends the relationship.
        await patient.Client.CancelBedBookingAsync(booking.Id);
        Assert.Empty(await staff.Client.RelatedPatientsAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id))).Status);
    }

    [Fact]
    public async Task The_contract_refuses_an_assignment_the_server_submits_without_its_own_check()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Bypass General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        // A correctly signed care.assign from verified staff for a verified doctor, handed to the ledger directly
        // (as a server that skipped CareService's check would): the care contract still refuses it.
        var tx = LedgerTransaction.Create(CareAssignContract.TypeName, staff.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            new Dictionary<string, string> { ["doctorId"] = doctors[0].Id.ToString(), ["patientId"] = patient.Id.ToString(), ["hospitalId"] = staff.OrganizationId!.Value.ToString() },
            staff.Client.Keys!.Signing.PrivateKey);
        var refused = await Assert.ThrowsAsync<ProblemException>(() => Host.Service<LedgerGateway>().SubmitAsync(tx, CancellationToken.None));
        Assert.Equal(403, refused.Status);
        var recorded = await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionAsync(tx.Id);
        Assert.NotNull(recorded);
        Assert.Null(await Host.Service<LedgerGateway>().Peer.Queries.GetStateAsync(CareKeys.Assignment(patient.Id.ToString(), doctors[0].Id.ToString())));
        // The doctor gains nothing from the refused transaction.
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => doctors[0].Client.CreateFhirRecordAsync(Fhir("condition-example2.json"), patient.Id))).Status);
    }

    [Fact]
    public async Task A_doctor_sees_only_the_grants_that_concern_them()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Grants General", 2);
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(doctors[0].Id, patient.Id);
        await staff.Client.AssignDoctorAsync(doctors[1].Id, patient.Id);
        await patient.Client.GrantConsentAsync(doctors[0].Id, ConsentScope.All);
        await patient.Client.GrantConsentAsync(doctors[1].Id, ConsentScope.All);

        async Task<List<Guid>> ReadersSeenBy(SdkUser caller)
        {
            using var http = Host.CreateClient();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await caller.Client.GetAccessTokenAsync());
            var readers = await http.GetFromJsonAsync<List<Reader>>($"/api/records/readers?patientId={patient.Id}&category=Condition", TestHost.Json);
            return readers!.Select(r => r.UserId).Order().ToList();
        }

        // The patient's own client is told every grantee; each doctor only the patient and themselves.
        Assert.Equal(new[] { patient.Id, doctors[0].Id, doctors[1].Id }.Order(), await ReadersSeenBy(patient));
        Assert.Equal(new[] { patient.Id, doctors[0].Id }.Order(), await ReadersSeenBy(doctors[0]));
        Assert.Equal(new[] { patient.Id, doctors[1].Id }.Order(), await ReadersSeenBy(doctors[1]));
        // The consent list already held only the doctor's own grants.
        Assert.Equal(doctors[0].Id, Assert.Single(await doctors[0].Client.GrantsAsync()).GranteeId);

        // A doctor's version is wrapped for the patient and the doctor only; the patient reads it.
        var written = await doctors[0].Client.CreateFhirRecordAsync(Fhir("condition-example2.json"), patient.Id);
        Assert.Equal(written.RecordId, (await patient.Client.OpenRecordAsync(written.RecordId)).RecordId);
    }

    [Fact]
    public async Task A_grant_carries_its_purpose_on_the_ledger_only_as_a_commitment_the_parties_can_open()
    {
        var (_, doctors) = await World.HospitalAsync(Admin, "Purpose General", 1);
        var patient = await World.RegisterAsync(Role.Patient);
        var grant = await patient.Client.GrantConsentAsync(doctors[0].Id, ConsentScope.All, purpose: "second-opinion");

        var onLedger = await Host.Service<LedgerGateway>().Peer.Queries.GetTransactionAsync(grant.GrantTransactionId);
        var payload = onLedger!.Transaction.Transaction.Payload;
        Assert.False(payload.ContainsKey("purpose"));
        Assert.DoesNotContain(payload.Values, v => v.Contains("opinion", StringComparison.OrdinalIgnoreCase));
        Assert.True(grant.PurposeOpens(payload["purposeCommitment"]));
        // The grantee holds the same salt and can check the same commitment; a different word does not open it.
        var held = Assert.Single(await doctors[0].Client.GrantsAsync());
        Assert.True(held.PurposeOpens(payload["purposeCommitment"]));
        Assert.False((held with { Purpose = "research" }).PurposeOpens(payload["purposeCommitment"]));
    }
}

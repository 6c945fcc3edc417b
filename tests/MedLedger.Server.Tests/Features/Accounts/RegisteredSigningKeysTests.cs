using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Accounts;

/// <summary>
/// The server remembers authors' signing keys (`RegisteredSigningKeys`). A reader who is not the author checks the key
/// a record answer carries against the ledger, so a key remembered for the wrong author would refuse the read.
/// </summary>
public sealed class RegisteredSigningKeysTests : RecordTestBase
{
    [Fact]
    public async Task Records_by_different_authors_read_one_after_another_each_carry_their_own_authors_key()
    {
        var (staff, doctors) = await World.HospitalAsync(Admin, "Signing Keys Hospital", 1);
        var doctor = doctors[0];
        var authors = new List<SdkUser>();
        var records = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var patient = await World.RegisterAsync(Role.Patient);
            await patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
            await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id);
            await patient.Client.GrantConsentAsync(doctor.Id, ConsentScope.All);
            authors.Add(patient);
            records.Add((await patient.Client.CreateFhirRecordAsync(Fhir("Condition-For-Patient-f001.json"))).RecordId);
        }

        // Each author once, then again in another order: the later reads are answered from the remembered keys.
        foreach (var i in new[] { 0, 1, 2, 2, 0, 1 })
        {
            var opened = await doctor.Client.OpenRecordAsync(records[i]);
            Assert.Equal(authors[i].Id, opened.AuthorId);
        }
    }
}

using System.Text;
using MedLedger.Client;
using MedLedger.Server.Tests.Infrastructure;

namespace MedLedger.Server.Tests.Features.Records;

/// <summary>The title `records list` prints for an opened record, chosen as the web app's record card chooses it.</summary>
public sealed class RecordTitlesTests
{
    private static string Title(string file) =>
        RecordTitles.Of("x", "application/fhir+json", File.ReadAllBytes(Repo.TestData("fhir-r4", file)));

    [Fact]
    public void Fhir_resources_are_titled_by_their_code_vaccine_or_type_even_with_a_byte_order_mark()
    {
        // Condition-For-Patient-f001.json starts with a UTF-8 byte order mark.
        Assert.Equal("Heart valve disorder", Title("Condition-For-Patient-f001.json"));
        Assert.Equal("Fluvax (Influenza)", Title("Immunization.json"));
        Assert.Equal("Patient-initiated encounter", Title("Encounter-For-Patient-f001.json"));
    }

    [Fact]
    public void A_medication_request_is_titled_by_its_medicine_and_a_code_without_display_by_the_code()
    {
        var rx = """{"resourceType":"MedicationRequest","medicationCodeableConcept":{"coding":[{"code":"313782"},{"code":"x","display":"Amoxicillin 250 MG"}]}}""";
        Assert.Equal("Amoxicillin 250 MG", RecordTitles.Of("MedicationRequest", "application/fhir+json", Encoding.UTF8.GetBytes(rx)));
        var bare = """{"resourceType":"Observation","code":{"coding":[{"code":"8867-4"}]}}""";
        Assert.Equal("8867-4", RecordTitles.Of("Observation", "application/fhir+json", Encoding.UTF8.GetBytes(bare)));
    }

    [Fact]
    public void Files_and_unreadable_json_fall_back_to_the_category_without_throwing()
    {
        Assert.Equal("File (application/pdf, 3 bytes)", RecordTitles.Of("File", "application/pdf", [1, 2, 3]));
        Assert.Equal("Observation", RecordTitles.Of("Observation", "application/fhir+json", Encoding.UTF8.GetBytes("{not json")));
        Assert.Equal("Observation", RecordTitles.Of("Observation", "application/fhir+json", Encoding.UTF8.GetBytes("[1]")));
    }
}

namespace MedLedger.Crypto;

/// <summary>
/// The record categories MedLedger knows: the FHIR R4 resource types a record may hold, plus "File" (any other
/// upload) and "EmergencySummary". Coarse metadata the server stores in the clear so consent can be scoped by category.
/// </summary>
public static class RecordCategories
{
    public const string MedicationRequest = "MedicationRequest";
    /// <summary>What a pharmacist handed over for a prescription fill, written by that pharmacist for the patient.</summary>
    public const string MedicationDispense = "MedicationDispense";
    public const string File = "File";
    public const string EmergencySummary = "EmergencySummary";

    public static IReadOnlyList<string> All { get; } =
    [
        "Observation", "Condition", MedicationRequest, "DiagnosticReport", "AllergyIntolerance", "Immunization", "Procedure",
        "CarePlan", "Encounter", "Patient", "Bundle", "Appointment", "Claim", "Coverage", "Consent", "DocumentReference", File, EmergencySummary,
        MedicationDispense,
    ];

    private static readonly HashSet<string> Known = new(All, StringComparer.Ordinal);

    public static bool IsKnown(string? category) => category is not null && Known.Contains(category);
}

using System.Globalization;
using System.Text.Json.Nodes;
using MedLedger.Client;

namespace MedLedger.Cli;

// Demo prescriptions (docs/prescriptions.md), written through the SDK like everything else: doctor 1 of the first hospital,
// assigned to patient 1, who shares prescriptions with the demo pharmacist. One with two refills and one fill made, one
// cancelled, and one that expires a minute after seeding (a prescription cannot be issued already expired).
public static partial class DemoWorld
{
    private const string PrescriptionStaff = "staff1@demo.medledger.local";
    private const string PrescriptionDoctor = "doctor11@demo.medledger.local";
    private const string PrescriptionPatient = "patient1@demo.medledger.local";
    private const string PrescriptionPharmacist = "pharmacist@demo.medledger.local";

    /// <summary>Whose signed-in clients the seeding keeps for the prescriptions.</summary>
    private static readonly HashSet<string> PrescriptionCast = new(StringComparer.Ordinal) { PrescriptionStaff, PrescriptionDoctor, PrescriptionPatient, PrescriptionPharmacist };

    private static async Task SeedPrescriptionsAsync(Dictionary<string, (MedLedgerClient Client, Guid Id)> kept, CancellationToken ct)
    {
        try
        {
            var (staff, doctor, patient, pharmacist) = (kept[PrescriptionStaff], kept[PrescriptionDoctor], kept[PrescriptionPatient], kept[PrescriptionPharmacist]);
            await staff.Client.AssignDoctorAsync(doctor.Id, patient.Id, ct: ct);
            var now = DateTimeOffset.UtcNow;
            var refills = await doctor.Client.WritePrescriptionAsync(DemoMedicationRequest("Amoxicillin 500 mg capsule", 21, 2, now.AddDays(90).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), patient.Id, ct);
            var cancelled = await doctor.Client.WritePrescriptionAsync(DemoMedicationRequest("Ibuprofen 400 mg tablet", 20, 0, now.AddDays(30).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)), patient.Id, ct);
            await doctor.Client.WritePrescriptionAsync(DemoMedicationRequest("Salbutamol 100 µg inhaler", 1, 1, now.AddMinutes(1).ToString("o", CultureInfo.InvariantCulture)), patient.Id, ct);
            // Shared after they are written: a doctor's version is wrapped for the patient and the doctor, and the grant
            // carries the pharmacist's wraps of the prescriptions that exist.
            await patient.Client.GrantConsentAsync(pharmacist.Id, ConsentScope.Categories, [MedLedger.Crypto.RecordCategories.MedicationRequest], "dispensing", ct: ct);
            await pharmacist.Client.DispenseAsync(refills.Info.PrescriptionId, 21, ct);
            await doctor.Client.CancelPrescriptionAsync(cancelled.Info.PrescriptionId, ct);
        }
        finally
        {
            foreach (var (client, _) in kept.Values)
            {
                client.Dispose();
            }
        }
    }

    private static string DemoMedicationRequest(string medication, int quantity, int repeats, string validUntil) => new JsonObject
    {
        ["resourceType"] = "MedicationRequest",
        ["status"] = "active",
        ["intent"] = "order",
        ["medicationCodeableConcept"] = new JsonObject { ["text"] = medication },
        ["subject"] = new JsonObject { ["display"] = "the patient" },
        ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = "as directed" }),
        ["dispenseRequest"] = new JsonObject
        {
            ["validityPeriod"] = new JsonObject { ["end"] = validUntil },
            ["numberOfRepeatsAllowed"] = repeats,
            ["quantity"] = new JsonObject { ["value"] = quantity, ["unit"] = "unit" },
        },
    }.ToJsonString();
}

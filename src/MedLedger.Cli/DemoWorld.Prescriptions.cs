using System.Globalization;
using System.Text.Json.Nodes;
using MedLedger.Client;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    /// <summary>The demo doctor and patient of the prescriptions (docs/prescriptions.md, "Demo"): a pair of their own, no other demo data depends on them.</summary>
    public const string PrescriptionsDoctorEmail = "doctor13@demo.medledger.local";
    public const string PrescriptionsPatientEmail = "patient5@demo.medledger.local";

    /// <summary>
    /// How long the demo's expired prescription is valid: it is issued first and has lapsed by the time the seed ends (the
    /// seed waits out what is left). Generous, because a loaded machine can take seconds between drawing the validity and
    /// the ledger's commit.
    /// </summary>
    private static readonly TimeSpan ExpiringValidity = TimeSpan.FromSeconds(20);

    /// <summary>Registers the prescriptions' doctor (Northside) and patient; the caller's admin step verifies the doctor and its enrolment step signs both in.</summary>
    private static async Task RegisterPrescriptionsPairAsync(Func<HttpClient> http, List<(Registration Reg, string Password, string? Org)> registrations, Guid hospitalId,
        string hospitalName, CancellationToken ct)
    {
        var doctor = await RegisterAsync(http, PrescriptionsDoctorEmail, Role.Doctor, hospitalId, null, "MD-130042", ct, ("Dr. Hannah Vogel", "General practice"));
        registrations.Add((doctor.Reg, doctor.Password, hospitalName));
        var patient = await RegisterAsync(http, PrescriptionsPatientEmail, Role.Patient, null, null, null, ct);
        registrations.Add((patient.Reg, patient.Password, null));
    }

    /// <summary>
    /// Through the SDK: Northside's staff assigns doctor13 to patient5; doctor13 writes an expiring prescription first (valid a few
    /// seconds, so it has lapsed when the seed ends), one with 2 refills and one it then cancels; patient5 shares their
    /// prescriptions with the demo pharmacist (after they were written: docs/prescriptions.md, "Sharing order"), who dispenses the
    /// first fill of the refillable one from the pharmacy's stock. patient5's wallet is seeded meanwhile (<see cref="SeedPaymentsAsync"/>).
    /// Signs everyone in here (one after another: the dev outbox is not safe for concurrent readers) and returns the rest of
    /// the seeding as a running task, which signs no one in: the caller seeds messages and appointments meanwhile, keeping
    /// serve --demo's start-up short. That task ends once the expiring prescription has lapsed.
    /// </summary>
    private static async Task<Task> StartPrescriptionsAsync(Func<HttpClient> http, IReadOnlyList<DemoUser> users, CancellationToken ct)
    {
        var clients = new List<MedLedgerClient>();
        async Task<(MedLedgerClient Client, Me Me)> SignInAsync(string email)
        {
            var account = users.Single(u => u.Email == email);
            var client = new MedLedgerClient(http(), ownsHttp: true);
            clients.Add(client);
            return (client, await client.LoginWithDevOutboxAsync(account.Email, account.Password, ct));
        }
        try
        {
            var doctor = await SignInAsync(PrescriptionsDoctorEmail);
            var patient = await SignInAsync(PrescriptionsPatientEmail);
            var staff = await SignInAsync("staff1@demo.medledger.local");
            var pharmacist = await SignInAsync("pharmacist@demo.medledger.local");
            return SeedPrescriptionsAsync(clients, doctor, patient, staff.Client, pharmacist, ct);
        }
        catch
        {
            clients.ForEach(c => c.Dispose());
            throw;
        }
    }

    private static async Task SeedPrescriptionsAsync(List<MedLedgerClient> clients, (MedLedgerClient Client, Me Me) doctorSignIn, (MedLedgerClient Client, Me Me) patientSignIn,
        MedLedgerClient staff, (MedLedgerClient Client, Me Me) pharmacistSignIn, CancellationToken ct)
    {
        var (doctor, doctorMe) = doctorSignIn;
        var (patient, patientMe) = patientSignIn;
        var (pharmacist, pharmacistMe) = pharmacistSignIn;
        try
        {
            await staff.AssignDoctorAsync(doctorMe.Id, patientMe.Id, ct: ct);

            // The doctor writes while the patient's wallet is seeded (separate clients): this is on serve --demo's start-up path.
            // Firely's model is loaded before the clock starts (the expiring prescription's validity is short).
            MedLedgerClient.ValidateFhir(DemoMedicationRequest("Cetirizine 10 mg tablets", "-", 1, 0, "2100-01-01", patientMe.Id, doctorMe.Id));
            var expiring = DateTimeOffset.UtcNow + ExpiringValidity;
            async Task<VerifiedPrescription> WriteAllAsync()
            {
                await doctor.WritePrescriptionAsync(DemoMedicationRequest("Cetirizine 10 mg tablets", "One tablet at night during the hay fever season", 30, 0,
                    expiring.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture), patientMe.Id, doctorMe.Id), patientMe.Id, ct);
                var refillable = await doctor.WritePrescriptionAsync(DemoMedicationRequest("Amoxicillin 500 mg capsules", "One capsule three times a day for 7 days", 21, 2,
                    DateTimeOffset.UtcNow.AddDays(90).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), patientMe.Id, doctorMe.Id), patientMe.Id, ct);
                var cancelled = await doctor.WritePrescriptionAsync(DemoMedicationRequest("Amlodipine 5 mg tablets", "One tablet every morning", 30, 0,
                    DateTimeOffset.UtcNow.AddDays(90).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), patientMe.Id, doctorMe.Id), patientMe.Id, ct);
                await doctor.CancelPrescriptionAsync(cancelled.Info.PrescriptionId, ct);
                return refillable;
            }
            var writing = WriteAllAsync();
            await Task.WhenAll(writing, SeedPaymentsAsync(patient, pharmacist, patientMe.Id, ct));
            var refillable = await writing;

            await patient.GrantConsentAsync(pharmacistMe.Id, ConsentScope.Categories, ["MedicationRequest"], "dispensing", ct: ct);
            var stock = await pharmacist.PharmacyStockAsync(pharmacistMe.OrganizationId!.Value, ct);
            var amoxicillin = stock.First(l => l.Medicine.Name == "Amoxicillin").Medicine.Id;
            await pharmacist.DispenseAsync(refillable.Info.PrescriptionId, amoxicillin, 21, ct);

            // Usually already past: the seed took longer than the expiring prescription's validity.
            var left = expiring - DateTimeOffset.UtcNow;
            if (left > TimeSpan.Zero)
            {
                await Task.Delay(left + TimeSpan.FromMilliseconds(50), ct);
            }
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    /// <summary>A FHIR R4 MedicationRequest a prescriber's client would write: the drug, its dosage, the quantity per fill, repeats and validity end.</summary>
    private static string DemoMedicationRequest(string drug, string dosage, int quantity, int repeats, string validUntil, Guid patientId, Guid doctorId) =>
        new JsonObject
        {
            ["resourceType"] = "MedicationRequest",
            ["status"] = "active",
            ["intent"] = "order",
            ["medicationCodeableConcept"] = new JsonObject { ["text"] = drug },
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{patientId}" },
            ["authoredOn"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            ["requester"] = new JsonObject { ["reference"] = $"Practitioner/{doctorId}" },
            ["dosageInstruction"] = new JsonArray(new JsonObject { ["text"] = dosage }),
            ["dispenseRequest"] = new JsonObject
            {
                ["validityPeriod"] = new JsonObject { ["end"] = validUntil },
                ["numberOfRepeatsAllowed"] = repeats,
                ["quantity"] = new JsonObject { ["value"] = quantity },
            },
        }.ToJsonString();
}

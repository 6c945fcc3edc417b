using MedLedger.Client;

namespace MedLedger.Cli;

/// <summary>
/// The demo hospitals' own data, made by their staff and patients through the SDK (docs/hospitals.md "Demo"): a profile
/// with departments, services and visiting rules, three wards each (both ICUs full, the rest partly occupied, so occupancy
/// differs between them), a published emergency key sealed to each hospital's verified doctors, and two bed bookings at
/// Northside (patient2's held, patient3's admitted). When the Synthea history patients exist, each gets a doctor assigned
/// by staff and shares two categories of records with that doctor.
/// </summary>
public static partial class DemoWorld
{
    /// <summary>A ward as staff set it up: bed type, total and occupied beds (held beds come from bookings only).</summary>
    private sealed record DemoWard(string Name, string BedType, int Total, int Occupied);

    private sealed record DemoHospital(string StaffEmail, string[] Departments, string[] Services, string VisitingRules, DemoWard[] Wards);

    /// <summary>
    /// Both ICUs are full: the demo-based tests that add an ICU ward of their own (HospitalCliTests) count on the demo
    /// having no free ICU bed anywhere, so their searches and holds meet only their own ward.
    /// </summary>
    private static readonly DemoHospital[] DemoHospitals =
    [
        new("staff1@demo.medledger.local",
            ["Cardiology", "Emergency medicine", "General surgery", "Obstetrics", "Radiology"],
            ["Emergency department (24 h)", "Cardiac catheterisation", "CT and MRI", "Maternity care", "Outpatient clinics"],
            "Visitors 10:00–20:00, two at a time; ICU visits by arrangement with the ward.",
            [new("ICU", "icu", 4, 4), new("General ward", "general", 12, 7), new("Maternity ward", "maternity", 6, 2)]),
        new("staff2@demo.medledger.local",
            ["Paediatrics", "Internal medicine", "Neurology", "Orthopaedics", "Oncology"],
            ["Children's emergency", "Stroke unit", "Physiotherapy", "Day surgery", "Teaching clinics"],
            "Visitors 09:00–21:00; parents may stay overnight on the children's ward.",
            [new("Intensive care", "icu", 6, 6), new("Medical ward", "general", 16, 9), new("Children's ward", "paediatric", 8, 5)]),
    ];

    /// <summary>patient2 holds a general bed at Northside; patient3 was admitted to its maternity ward (tests book for patient1).</summary>
    private const string HeldBedPatientEmail = "patient2@demo.medledger.local";
    private const string AdmittedPatientEmail = "patient3@demo.medledger.local";

    /// <summary>Each history patient's doctor (assigned by that hospital's staff) and the record categories the patient shares with them.</summary>
    private static readonly (string PatientEmail, string DoctorEmail, string StaffEmail, string[] Categories)[] HistoryCare =
    [
        ("patient6@demo.medledger.local", "doctor22@demo.medledger.local", "staff2@demo.medledger.local", ["Condition", "Immunization"]),
        ("patient7@demo.medledger.local", "doctor11@demo.medledger.local", "staff1@demo.medledger.local", ["Condition", "AllergyIntolerance"]),
    ];

    private static async Task SeedHospitalsAsync(Func<HttpClient> http, IReadOnlyList<DemoUser> users, CancellationToken ct)
    {
        var clients = new Dictionary<string, MedLedgerClient>(StringComparer.Ordinal);
        try
        {
            var histories = HistoryCare.Where(h => users.Any(u => u.Email == h.PatientEmail)).ToList();
            // Signed in one after another: the dev outbox is not safe for concurrent readers.
            foreach (var email in DemoHospitals.Select(h => h.StaffEmail).Concat([HeldBedPatientEmail, AdmittedPatientEmail]).Concat(histories.Select(h => h.PatientEmail)))
            {
                var account = users.Single(u => u.Email == email);
                var client = new MedLedgerClient(http(), ownsHttp: true);
                clients.Add(email, client);
                await client.LoginWithDevOutboxAsync(account.Email, account.Password, ct);
            }
            // The two hospitals' staff work side by side.
            await Task.WhenAll(DemoHospitals.Select(h => SetUpHospitalAsync(clients[h.StaffEmail], h, ct)));

            var northside = clients[DemoHospitals[0].StaffEmail];
            var northsideId = northside.Tokens!.User.OrganizationId!.Value;
            var held = clients[HeldBedPatientEmail].BookBedAsync(northsideId, "general", ct);
            var admitted = await clients[AdmittedPatientEmail].BookBedAsync(northsideId, "maternity", ct);
            await northside.AdmitBedBookingAsync(admitted.Id, ct);
            await held;

            foreach (var (patientEmail, doctorEmail, staffEmail, categories) in histories)
            {
                var patient = clients[patientEmail];
                var doctor = await patient.LookUpProfessionalAsync(doctorEmail, ct);
                await clients[staffEmail].AssignDoctorAsync(doctor.UserId, patient.UserId, ct: ct);
                // Before the import (which runs after the world is ready): each imported record of these categories is
                // wrapped for the doctor as it is written, under this grant.
                await patient.GrantConsentAsync(doctor.UserId, ConsentScope.Categories, categories, ct: ct);
            }
        }
        finally
        {
            foreach (var c in clients.Values)
            {
                c.Dispose();
            }
        }
    }

    private static async Task SetUpHospitalAsync(MedLedgerClient staff, DemoHospital hospital, CancellationToken ct)
    {
        var hospitalId = staff.Tokens!.User.OrganizationId!.Value;
        await staff.UpdateHospitalProfileAsync(hospitalId, hospital.Departments, hospital.Services, hospital.VisitingRules, ct);
        foreach (var ward in hospital.Wards)
        {
            await staff.SetWardAsync(hospitalId, ward.Name, ward.BedType, ward.Total, ward.Occupied, ct);
        }
        // Sealed to the hospital's verified doctors here; patients can then designate an emergency summary for it.
        await staff.PublishHospitalEmergencyKeyAsync(ct);
    }
}

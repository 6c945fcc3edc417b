using System.Security.Cryptography;
using System.Text.Json;
using MedLedger.Cli.Commands;
using MedLedger.Client;
using OtpNet;
using Spectre.Console;

namespace MedLedger.Cli;

public sealed record DemoUser(string Email, string Password, string Role, string TotpSecret, string? Organization);

/// <summary>
/// Seeds a demo world the way real users' clients would: every account is registered, verified and
/// enrolled through the SDK over HTTP (keys made and wrapped client-side). Only the first admin is
/// created through the server's own `admin create` path, as in production.
/// </summary>
public static partial class DemoWorld
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<IReadOnlyList<DemoUser>> SeedAsync(WebApplication app, Uri baseAddress, string dataDir, CancellationToken ct, Func<HttpClient>? httpFactory = null)
    {
        var file = Path.Combine(dataDir, "demo-users.json");
        if (File.Exists(file))
        {
            var existing = JsonSerializer.Deserialize<List<DemoUser>>(await File.ReadAllTextAsync(file, ct), Json)!;
            AnsiConsole.MarkupLine($"[grey]Demo world already seeded ({existing.Count} users); see {Markup.Escape(file)}.[/]");
            Print(existing);
            _ = ImportHistoriesAsync(httpFactory ?? (() => new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) }), existing, dataDir, ct);
            return existing;
        }
        httpFactory ??= () => new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var users = new List<DemoUser>();
        await AnsiConsole.Status().StartAsync("Seeding the demo world through the SDK…", async status =>
        {
            var adminPassword = NewPassword();
            await ServeCommands.CreateAdminAsync(dataDir, "admin@demo.medledger.local", adminPassword, ct, app);
            var admin = await SignInAndEnrolAsync(httpFactory, "admin@demo.medledger.local", adminPassword, ct);
            users.Add(new DemoUser("admin@demo.medledger.local", adminPassword, nameof(Role.PlatformAdmin), admin.Secret, null));

            var hospitals = new[]
            {
                new NewOrganization(OrganizationKind.Hospital, "Northside General Hospital", "12 Harbour Road, Northside", 52.5310, 13.3847, "+49 30 1000 100", "front-desk@northside.demo", "HRB 20481 B"),
                new NewOrganization(OrganizationKind.Hospital, "Riverside Teaching Hospital", "3 River Lane, Riverside", 52.4990, 13.4420, "+49 30 2000 200", "info@riverside.demo", "HRB 20517 B"),
            };
            var registrations = new List<(Registration Reg, string Password, string? Org)>();
            var hospitalIds = new List<Guid>();
            var index = 0;
            foreach (var h in hospitals)
            {
                index++;
                status.Status($"Registering {h.Name}…");
                var staff = await RegisterAsync(httpFactory, $"staff{index}@demo.medledger.local", Role.HospitalStaff, null, h, null, ct, (StaffNames[index - 1], "Admissions"));
                registrations.Add((staff.Reg, staff.Password, h.Name));
                hospitalIds.Add(staff.Reg.OrganizationId!.Value);
                for (var d = 1; d <= 2; d++)
                {
                    var doc = await RegisterAsync(httpFactory, $"doctor{index}{d}@demo.medledger.local", Role.Doctor, staff.Reg.OrganizationId, null, $"MD-{index}{d}0042", ct,
                        DoctorCards[(index - 1) * 2 + d - 1]);
                    registrations.Add((doc.Reg, doc.Password, h.Name));
                }
            }
            var pharmacy = new NewOrganization(OrganizationKind.Pharmacy, "Market Square Pharmacy", "1 Market Square", 52.5200, 13.4050, "+49 30 3000 300", "rx@pharmacy.demo", "APO-BE-1142");
            var pharmacist = await RegisterAsync(httpFactory, "pharmacist@demo.medledger.local", Role.Pharmacist, null, pharmacy, null, ct, ("Jonas Becker", "Community pharmacy"));
            registrations.Add((pharmacist.Reg, pharmacist.Password, pharmacy.Name));
            var insurer = new NewOrganization(OrganizationKind.Insurer, "Mutual Health Insurance", "7 Assurance Street", 52.5100, 13.3900, "+49 30 4000 400", "claims@insurer.demo", "BaFin 5021");
            var insurerStaff = await RegisterAsync(httpFactory, "insurer@demo.medledger.local", Role.InsurerStaff, null, insurer, null, ct, ("Mira Hoffmann", "Claims"));
            registrations.Add((insurerStaff.Reg, insurerStaff.Password, insurer.Name));
            for (var i = 1; i <= 3; i++)
            {
                var patient = await RegisterAsync(httpFactory, $"patient{i}@demo.medledger.local", Role.Patient, null, null, null, ct);
                registrations.Add((patient.Reg, patient.Password, null));
            }
            await RegisterHistoryPatientsAsync(httpFactory, registrations, ct);

            await RegisterPrescriptionsPairAsync(httpFactory, registrations, hospitalIds[0], hospitals[0].Name, ct);
            status.Status("Verifying organizations and professionals as the admin…");
            var queue = await admin.Client.VerificationQueueAsync(ct);
            foreach (var org in queue.Organizations)
            {
                await admin.Client.DecideOrganizationAsync(org.Id, approve: true, ct: ct);
            }
            foreach (var person in queue.Professionals)
            {
                await admin.Client.DecideProfessionalAsync(person.UserId, approve: true, ct: ct);
            }
            await SeedPharmaciesAsync(httpFactory, admin.Client, registrations, status, ct);
            admin.Client.Dispose();

            foreach (var (reg, password, org) in registrations)
            {
                status.Status($"Enrolling TOTP for {reg.Email}…");
                var signedIn = await SignInAndEnrolAsync(httpFactory, reg.Email, password, ct);
                if (reg.Role == Role.Patient)
                {
                    // Demo patients register with both hospitals (a care.register each), so staff can assign doctors to them.
                    foreach (var hospitalId in hospitalIds)
                    {
                        await signedIn.Client.RegisterWithHospitalAsync(hospitalId, ct);
                    }
                    // Their profile, sealed on their device and wrapped for both hospitals' verified staff (docs/crypto-format.md section 14).
                    await signedIn.Client.SetMyProfileAsync(HistoryProfile(reg.Email)
                        ?? PatientProfiles[users.Count(u => u.Role == nameof(Role.Patient) && Histories.All(h => h.Email != u.Email || !h.BundleProfile)) % PatientProfiles.Length], ct);
                }
                signedIn.Client.Dispose();
                users.Add(new DemoUser(reg.Email, password, reg.Role.ToString(), signedIn.Secret, org));
            }
        });
        var prescriptions = await StartPrescriptionsAsync(httpFactory, users, ct);
        await SeedMessagesAsync(httpFactory, users, ct);
        await SeedAppointmentsAsync(httpFactory, users, ct);
        await SeedInsuranceAsync(httpFactory, users, ct);
        await SeedHospitalsAsync(httpFactory, users, ct);
        await prescriptions;
        await SeedCopayAsync(httpFactory, users, ct);
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(users, Json), ct);
        AnsiConsole.MarkupLine($"[green]Demo world ready.[/] Credentials (also in {Markup.Escape(file)}); sign in with the password, then the TOTP code for the secret:");
        Print(users);
        // In the background: the server answers and the accounts work meanwhile (progress lines below the table).
        _ = ImportHistoriesAsync(httpFactory, users, dataDir, ct);
        return users;
    }

    private static void Print(IReadOnlyList<DemoUser> users, bool things = true)
    {
        var table = new Table().AddColumns("role", "email", "password", "TOTP secret", "organization");
        foreach (var u in users)
        {
            table.AddRow(u.Role, Markup.Escape(u.Email), Markup.Escape(u.Password), u.TotpSecret, Markup.Escape(u.Organization ?? ""));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("Example: [bold]medledger login --email patient1@demo.medledger.local --password <password> --otp <code>[/] (oathtool --totp -b <secret> prints a code).");
        if (!things)
        {
            return;
        }
        var tries = new Table().AddColumns("sign in as", "three things to try (web app at the server's address)");
        foreach (var (who, what) in ThingsToTry)
        {
            tries.AddRow(Markup.Escape(who), Markup.Escape(what));
        }
        AnsiConsole.Write(tries);
    }

    /// <summary>Per role, what the demo world holds for them to look at first.</summary>
    private static readonly (string Who, string What)[] ThingsToTry =
    [
        ("patient7", "1. My records: a real Synthea history (469 records) opened on your device. 2. My profile: the name sealed from the bundle. 3. Sharing: Dr. Anna Weber reads two categories; grant another."),
        ("patient1", "1. My insurance: the verified Basic Outpatient policy. 2. My claims: eight claims, one you disputed (care never received). 3. Hospitals: find a free bed nearby and hold it."),
        ("patient4", "1. Appointments: a fulfilled visit's advice, verified. 2. Messages: write to your doctor. 3. My insurance: a renewed policy and its unpaid renewal."),
        ("patient5", "1. My prescriptions: refills, a cancelled and an expired one with every fill's receipt. 2. Wallet: payments and a refund. 3. Order medicines from Market Square Pharmacy."),
        ("doctor13 / doctor11", "1. My patients: by name where they shared their profile. 2. Write a prescription (its limits go on the ledger). 3. Appointments: close a visit with advice."),
        ("staff1", "1. Beds: three wards, the ICU full; change one and watch patients see it live. 2. Bookings: admit patient2's held bed (held 2 hours). 3. Hospital profile: departments and services."),
        ("pharmacist", "1. Stock: lots, expiry, a walk-in sale. 2. Dispense patient5's refillable prescription. 3. Orders: the live queue."),
        ("insurer", "1. Claims: ten claims with automatic outcomes (duplicate, over limit, waiting period…). 2. Applications: accept one (signed here). 3. Policies: suspend, reinstate, renew."),
        ("admin", "1. Dashboard: ledger activity, beds, payments and claims per insurer. 2. Audit search: the ledger by id, type and time, as CSV. 3. Users: suspend and reinstate an account."),
    ];

    // Demo patients' profiles: patient data, only ever sealed (the server stores ciphertext and wraps).
    private static readonly MedLedger.Crypto.PatientProfile[] PatientProfiles =
    [
        new("Maria Keller", "1972-03-14", "female", "+49 30 5550 1201"),
        new("Lukas Brandt", "1988-11-02", "male", "+49 30 5550 1202"),
        new("Aylin Demir", "1995-06-27", "female", "+49 30 5550 1203"),
        // patient5 (the prescriptions' patient, DemoWorld.Prescriptions.cs): a name of their own, so no label is ambiguous.
        new("Elena Popescu", "1979-08-09", "female", "+49 30 5550 1205"),
    ];

    // Professionals' public identity cards (directory data); patients' names never reach the server in clear.
    private static readonly string[] StaffNames = ["Lena Schulz", "Tobias Wagner"];
    private static readonly (string Name, string Specialty)[] DoctorCards =
        [("Dr. Anna Weber", "Cardiology"), ("Dr. Karim Haddad", "Emergency medicine"), ("Dr. Sofia Rossi", "Paediatrics"), ("Dr. Piotr Nowak", "Internal medicine")];

    private static async Task<(Registration Reg, string Password)> RegisterAsync(Func<HttpClient> http, string email, Role role, Guid? orgId, NewOrganization? newOrg, string? licence,
        CancellationToken ct, (string Name, string Specialty)? card = null)
    {
        var password = NewPassword();
        using var client = new MedLedgerClient(http(), ownsHttp: true);
        var reg = await client.RegisterWithDevOutboxAsync(email, password, role, orgId, newOrg, licence, ct, card?.Name, card?.Specialty);
        return (reg, password);
    }

    private static async Task<(MedLedgerClient Client, string Secret)> SignInAndEnrolAsync(Func<HttpClient> http, string email, string password, CancellationToken ct)
    {
        var client = new MedLedgerClient(http(), ownsHttp: true);
        await client.LoginWithDevOutboxAsync(email, password, ct);
        var enrolment = await client.BeginTotpEnrollmentAsync(password, ct);
        await client.ConfirmTotpAsync(new Totp(Base32Encoding.ToBytes(enrolment.Secret)).ComputeTotp(), ct);
        return (client, enrolment.Secret);
    }

    private static string NewPassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
        var chars = new char[16];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        }
        return $"demo-{new string(chars, 0, 4)}-{new string(chars, 4, 4)}-{new string(chars, 8, 4)}-{new string(chars, 12, 4)}";
    }
}

using System.Text.Json;
using MedLedger.Cli.Commands;
using MedLedger.Client;
using MedLedger.Server.Features.Ledger;
using Spectre.Console;

namespace MedLedger.Cli;

public static partial class DemoWorld
{
    /// <summary>
    /// One consortium member's small world (`serve --consortium … --demo`), entered through the SDK over this server's API
    /// like <see cref="SeedAsync"/>: its own admin (the server's `admin create` path, a peer-signed bootstrap on the shared
    /// ledger), its organisation with one staff member, and for a hospital two doctors, a ward and two patients registered
    /// with it; all verified by this server's admin and TOTP-enrolled. Account e-mails carry the peer id, so the three
    /// servers' worlds never collide on the shared ledger or in a person's head.
    /// </summary>
    public static async Task<IReadOnlyList<DemoUser>> SeedConsortiumMemberAsync(WebApplication app, Uri baseAddress, string dataDir, ConsortiumMember member, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(member);
        var file = Path.Combine(dataDir, "demo-users.json");
        if (File.Exists(file))
        {
            var existing = JsonSerializer.Deserialize<List<DemoUser>>(await File.ReadAllTextAsync(file, ct), Json)!;
            AnsiConsole.MarkupLine($"[grey]Demo world already seeded ({existing.Count} users); see {Markup.Escape(file)}.[/]");
            Print(existing, things: false);
            return existing;
        }
        Func<HttpClient> http = () => new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(2) };
        var tag = member.PeerId;
        var users = new List<DemoUser>();
        var adminEmail = $"admin@{tag}.demo.medledger.local";
        var adminPassword = NewPassword();
        await ServeCommands.CreateAdminAsync(dataDir, adminEmail, adminPassword, ct, app);
        var admin = await SignInAndEnrolAsync(http, adminEmail, adminPassword, ct);
        users.Add(new DemoUser(adminEmail, adminPassword, nameof(Role.PlatformAdmin), admin.Secret, null));

        var kind = member.Kind switch { "insurer" => OrganizationKind.Insurer, "pharmacy" => OrganizationKind.Pharmacy, _ => OrganizationKind.Hospital };
        var (role, staffCard) = kind switch
        {
            OrganizationKind.Insurer => (Role.InsurerStaff, ("Mira Hoffmann", "Claims")),
            OrganizationKind.Pharmacy => (Role.Pharmacist, ("Jonas Becker", "Community pharmacy")),
            _ => (Role.HospitalStaff, ("Lena Schulz", "Admissions")),
        };
        var organization = new NewOrganization(kind, member.Organization, $"1 {member.Organization} Street", 52.52, 13.40, "+49 30 1000 100", $"contact@{tag}.demo", $"REG-{tag}");
        var registrations = new List<(Registration Reg, string Password, string? Org)>();
        var staff = await RegisterAsync(http, $"staff@{tag}.demo.medledger.local", role, null, organization, null, ct, staffCard);
        registrations.Add((staff.Reg, staff.Password, member.Organization));
        var orgId = staff.Reg.OrganizationId!.Value;
        if (kind == OrganizationKind.Hospital)
        {
            for (var d = 1; d <= 2; d++)
            {
                var doc = await RegisterAsync(http, $"doctor{d}@{tag}.demo.medledger.local", Role.Doctor, orgId, null, $"MD-{tag}-{d}", ct, DoctorCards[d - 1]);
                registrations.Add((doc.Reg, doc.Password, member.Organization));
            }
            for (var i = 1; i <= 2; i++)
            {
                var patient = await RegisterAsync(http, $"patient{i}@{tag}.demo.medledger.local", Role.Patient, null, null, null, ct);
                registrations.Add((patient.Reg, patient.Password, null));
            }
        }
        var queue = await admin.Client.VerificationQueueAsync(ct);
        foreach (var org in queue.Organizations)
        {
            await admin.Client.DecideOrganizationAsync(org.Id, approve: true, ct: ct);
        }
        foreach (var person in queue.Professionals)
        {
            await admin.Client.DecideProfessionalAsync(person.UserId, approve: true, ct: ct);
        }
        admin.Client.Dispose();
        foreach (var (reg, password, org) in registrations)
        {
            var signedIn = await SignInAndEnrolAsync(http, reg.Email, password, ct);
            if (reg.Role == Role.Patient)
            {
                await signedIn.Client.RegisterWithHospitalAsync(orgId, ct);
            }
            else if (reg.Role == Role.HospitalStaff)
            {
                await signedIn.Client.SetWardAsync(orgId, "General", "general", 20, 5, ct);
            }
            signedIn.Client.Dispose();
            users.Add(new DemoUser(reg.Email, password, reg.Role.ToString(), signedIn.Secret, org));
        }
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(users, Json), ct);
        AnsiConsole.MarkupLine($"[green]Demo world of {Markup.Escape(member.Organization)} ready.[/] Credentials (also in {Markup.Escape(file)}):");
        Print(users, things: false);
        return users;
    }
}

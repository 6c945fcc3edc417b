using MedLedger.Client;
using Spectre.Console;

namespace MedLedger.Cli;

/// <summary>Demo pharmacies: the demo pharmacy and a second one, each with a dozen medicines and lots (one near expiry, one expired).</summary>
public static partial class DemoWorld
{
    private static readonly NewMedicine[] DemoMedicines =
    [
        new("Paracetamol", "500 mg", DosageForm.Tablet, 20, 349, "EUR", false, DrugSchedule.None, 20),
        new("Ibuprofen", "400 mg", DosageForm.Tablet, 20, 499, "EUR", false, DrugSchedule.None, 20),
        new("Cetirizine", "10 mg", DosageForm.Tablet, 30, 599, "EUR", false, DrugSchedule.None, 10),
        new("Loperamide", "2 mg", DosageForm.Capsule, 12, 449, "EUR", false, DrugSchedule.None, 10),
        new("Amoxicillin", "500 mg", DosageForm.Capsule, 21, 1290, "EUR", true, DrugSchedule.None, 10),
        new("Amlodipine", "5 mg", DosageForm.Tablet, 30, 990, "EUR", true, DrugSchedule.None, 10),
        new("Insulin glargine", "100 U/ml", DosageForm.Injection, 5, 6450, "EUR", true, DrugSchedule.None, 5),
        new("Metformin", "500 mg", DosageForm.Tablet, 60, 790, "EUR", true, DrugSchedule.None, 10),
        new("Atorvastatin", "20 mg", DosageForm.Tablet, 30, 1150, "EUR", true, DrugSchedule.None, 10),
        new("Salbutamol", "100 mcg", DosageForm.Inhaler, 1, 1690, "EUR", true, DrugSchedule.None, 5),
        new("Alprazolam", "0.5 mg", DosageForm.Tablet, 20, 1390, "EUR", true, DrugSchedule.IV, 5),
        new("Oxycodone", "5 mg", DosageForm.Tablet, 20, 2490, "EUR", true, DrugSchedule.II, 3),
    ];

    /// <summary>
    /// Registers and verifies a second pharmacy (its pharmacist joins <paramref name="registrations"/>, so the caller enrols
    /// TOTP for them as for everyone), then fills both pharmacies' catalogues and lots through the SDK.
    /// </summary>
    private static async Task SeedPharmaciesAsync(Func<HttpClient> http, MedLedgerClient admin, List<(Registration Reg, string Password, string? Org)> registrations,
        StatusContext status, CancellationToken ct)
    {
        status.Status("Registering the second pharmacy…");
        var second = new NewOrganization(OrganizationKind.Pharmacy, "Riverside Pharmacy", "8 River Lane, Riverside", 52.4985, 13.4431, "+49 30 3100 310", "counter@riverside-pharmacy.demo", "APO-BE-1187");
        var pharmacist2 = await RegisterAsync(http, "pharmacist2@demo.medledger.local", Role.Pharmacist, null, second, null, ct, ("Elif Yilmaz", "Community pharmacy"));
        await admin.DecideOrganizationAsync(pharmacist2.Reg.OrganizationId!.Value, approve: true, ct: ct);
        await admin.DecideProfessionalAsync(pharmacist2.Reg.UserId, approve: true, ct: ct);
        registrations.Add((pharmacist2.Reg, pharmacist2.Password, second.Name));

        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var pharmacists = registrations.Where(r => r.Reg.Role == Role.Pharmacist).ToList();
        status.Status("Stocking the demo pharmacies…");
        // Signed in one after another (the dev outbox is not safe for concurrent readers), then both pharmacies are stocked
        // side by side with as few calls as the demo needs: this is on serve --demo's start-up path.
        var clients = new List<MedLedgerClient>();
        try
        {
            foreach (var (reg, password, _) in pharmacists)
            {
                var client = new MedLedgerClient(http(), ownsHttp: true);
                clients.Add(client);
                await client.LoginWithDevOutboxAsync(reg.Email, password, ct);
            }
            await Task.WhenAll(pharmacists.Select((ph, p) => StockPharmacyAsync(clients[p], ph.Reg.OrganizationId!.Value, p, today, ct)));
            // Each pharmacy publishes its organization key, so demo patients can order from it at once (docs/pharmacy.md "Orders").
            await Task.WhenAll(clients.Select(c => c.PublishPharmacyKeyAsync(ct)));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    private static async Task StockPharmacyAsync(MedLedgerClient client, Guid pharmacyId, int p, DateOnly today, CancellationToken ct)
    {
        for (var i = 0; i < DemoMedicines.Length; i++)
        {
            var m = await client.AddMedicineAsync(pharmacyId, DemoMedicines[i], ct);
            var lot = $"{(char)('A' + p)}{i + 1:00}";
            // Every medicine has an expired lot still awaiting write-off and a lot near expiry; oxycodone has exactly one usable unit.
            await client.ReceiveStockAsync(pharmacyId, m.Id, $"{lot}-EXP", today.AddDays(-10 - i), 4, "demo delivery", ct);
            var usable = m.Schedule == DrugSchedule.II ? 1 : p == 0 ? 12 + 4 * i : 3 + i;
            await client.ReceiveStockAsync(pharmacyId, m.Id, $"{lot}-NEAR", today.AddDays(7 + i), usable, "demo delivery", ct);
        }
    }
}

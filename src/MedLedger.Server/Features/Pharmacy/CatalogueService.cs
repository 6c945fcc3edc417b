using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>A pharmacist adds a medicine to their pharmacy's catalogue.</summary>
public sealed class CatalogueService(MedLedgerDbContext db, PharmacyAccess access, TimeProvider clock)
{
    public async Task<MedicineResponse> AddAsync(Guid pharmacyId, Caller caller, MedicineCreate m, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var v = new Validator();
        v.RequireText(m.Name, "name", PharmacyLimits.Name);
        v.RequireText(m.Strength, "strength", PharmacyLimits.Strength);
        v.Require(Enum.IsDefined(m.Form), "form", "form is not a known dosage form.");
        v.Require(Enum.IsDefined(m.Schedule), "schedule", "schedule must be None, II, III, IV or V.");
        v.Require(m.PackSize is > 0 and <= PharmacyLimits.MaxPackSize, "packSize", $"packSize must be between 1 and {PharmacyLimits.MaxPackSize}.");
        v.Require(m.PriceMinor is >= 0 and <= PharmacyLimits.MaxPriceMinor, "priceMinor", $"priceMinor must be between 0 and {PharmacyLimits.MaxPriceMinor} (minor units).");
        v.Require(m.Currency is { Length: 3 } c && c.All(char.IsAsciiLetterUpper), "currency", "currency must be an ISO 4217 code such as EUR.");
        v.Require(m.ReorderLevel is >= 0 and <= PharmacyLimits.MaxQuantity, "reorderLevel", $"reorderLevel must be between 0 and {PharmacyLimits.MaxQuantity}.");
        // A controlled drug is never sold over the counter.
        v.Require(m.Schedule == ControlledSchedule.None || m.PrescriptionOnly, "prescriptionOnly", "A controlled (scheduled) medicine must be prescription-only.");
        v.ThrowIfInvalid();

        var medicine = new PharmacyMedicine
        {
            Id = Guid.NewGuid(),
            PharmacyId = pharmacyId,
            Name = m.Name.Trim(),
            NameKey = NameKey(m.Name),
            Strength = m.Strength.Trim(),
            Form = m.Form,
            PackSize = m.PackSize,
            PriceMinor = m.PriceMinor,
            Currency = m.Currency,
            PrescriptionOnly = m.PrescriptionOnly,
            Schedule = m.Schedule,
            ReorderLevel = m.ReorderLevel,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Add(medicine);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new ProblemException(409, "duplicate-medicine", "Already in the catalogue",
                $"{medicine.Name} {medicine.Strength} {medicine.Form} x{medicine.PackSize} is already in this pharmacy's catalogue.");
        }
        return ToResponse(medicine);
    }

    internal static string NameKey(string name) => string.Join(' ', name.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    internal static MedicineResponse ToResponse(PharmacyMedicine m) =>
        new(m.Id, m.PharmacyId, m.Name, m.Strength, m.Form, m.PackSize, m.PriceMinor, m.Currency, m.PrescriptionOnly, m.Schedule, m.ReorderLevel);
}

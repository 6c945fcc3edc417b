using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>A pharmacist adds a medicine to their pharmacy's catalogue, edits its price and terms, or discontinues it.</summary>
public sealed class CatalogueService(MedLedgerDbContext db, PharmacyAccess access, TimeProvider clock)
{
    public async Task<MedicineResponse> AddAsync(Guid pharmacyId, Caller caller, MedicineCreate m, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var v = new Validator();
        v.RequireText(m.Name, "name", PharmacyLimits.Name);
        v.RequireText(m.Strength, "strength", PharmacyLimits.Strength);
        v.Require(Enum.IsDefined(m.Form), "form", "form is not a known dosage form.");
        v.Require(m.PackSize is > 0 and <= PharmacyLimits.MaxPackSize, "packSize", $"packSize must be between 1 and {PharmacyLimits.MaxPackSize}.");
        v.Require(m.Currency is { Length: 3 } c && c.All(char.IsAsciiLetterUpper), "currency", "currency must be an ISO 4217 code such as EUR.");
        Terms(v, m.PriceMinor, m.ReorderLevel, m.Schedule, m.PrescriptionOnly);
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
            Version = 1,
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

    /// <summary>
    /// Edits price, prescription status, schedule, reorder level and whether it is discontinued. The edit names the version it was
    /// made on: a conditional UPDATE applies it only to that version, so of two pharmacists editing at once the second gets a 409
    /// and reloads instead of overwriting the first. A price change is kept in the price history in the same transaction.
    /// </summary>
    public async Task<MedicineResponse> UpdateAsync(Guid pharmacyId, Guid medicineId, Caller caller, MedicineUpdate u, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(u);
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        var v = new Validator();
        Terms(v, u.PriceMinor, u.ReorderLevel, u.Schedule, u.PrescriptionOnly);
        v.Require(u.Version >= 1, "version", "version is the catalogue entry's version the edit was made on (from the stock or catalogue view).");
        v.ThrowIfInvalid();
        var current = await db.Set<PharmacyMedicine>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == medicineId && m.PharmacyId == pharmacyId, ct)
            ?? throw ProblemException.NotFound($"Medicine {medicineId} of this pharmacy");
        var now = clock.GetUtcNow();
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            // Discontinuing keeps the first date it was discontinued on; reinstating clears it.
            DateTimeOffset? discontinuedAt = u.Discontinued ? current.DiscontinuedAt ?? now : null;
            var changed = await db.Set<PharmacyMedicine>()
                .Where(m => m.Id == medicineId && m.Version == u.Version)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.PriceMinor, u.PriceMinor)
                    .SetProperty(m => m.PrescriptionOnly, u.PrescriptionOnly)
                    .SetProperty(m => m.Schedule, u.Schedule)
                    .SetProperty(m => m.ReorderLevel, u.ReorderLevel)
                    .SetProperty(m => m.DiscontinuedAt, discontinuedAt)
                    .SetProperty(m => m.Version, m => m.Version + 1), ct);
            if (changed != 1)
            {
                throw new ProblemException(409, "medicine-changed", "Changed by someone else",
                    $"{current.Name} {current.Strength} was edited since version {u.Version} (it is at version {current.Version} or later); reload it and edit again.");
            }
            // The old price is the one of the version this edit replaced, read inside the write lock.
            if (current.Version == u.Version && current.PriceMinor != u.PriceMinor)
            {
                db.Add(new PharmacyPriceChange
                {
                    Id = Guid.NewGuid(), PharmacyId = pharmacyId, MedicineId = medicineId, OldPriceMinor = current.PriceMinor, NewPriceMinor = u.PriceMinor,
                    ActorId = caller.Id, At = now,
                });
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
        return ToResponse(await db.Set<PharmacyMedicine>().AsNoTracking().FirstAsync(m => m.Id == medicineId, ct));
    }

    /// <summary>A medicine's price changes, newest first.</summary>
    public async Task<IReadOnlyList<PriceChangeResponse>> PriceHistoryAsync(Guid pharmacyId, Guid medicineId, Caller caller, CancellationToken ct)
    {
        await access.RequireOwnAsync(pharmacyId, caller, ct);
        if (!await db.Set<PharmacyMedicine>().AnyAsync(m => m.Id == medicineId && m.PharmacyId == pharmacyId, ct))
        {
            throw ProblemException.NotFound($"Medicine {medicineId} of this pharmacy");
        }
        var rows = await db.Set<PharmacyPriceChange>().AsNoTracking().Where(p => p.MedicineId == medicineId).ToListAsync(ct);
        return rows.OrderByDescending(p => p.At).ThenBy(p => p.Id).Select(p => new PriceChangeResponse(p.OldPriceMinor, p.NewPriceMinor, p.ActorId, p.At)).ToList();
    }

    private static void Terms(Validator v, long priceMinor, int reorderLevel, ControlledSchedule schedule, bool prescriptionOnly)
    {
        v.Require(Enum.IsDefined(schedule), "schedule", "schedule must be None, II, III, IV or V.");
        v.Require(priceMinor is >= 0 and <= PharmacyLimits.MaxPriceMinor, "priceMinor", $"priceMinor must be between 0 and {PharmacyLimits.MaxPriceMinor} (minor units).");
        v.Require(reorderLevel is >= 0 and <= PharmacyLimits.MaxQuantity, "reorderLevel", $"reorderLevel must be between 0 and {PharmacyLimits.MaxQuantity}.");
        // A controlled drug is never sold over the counter.
        v.Require(schedule == ControlledSchedule.None || prescriptionOnly, "prescriptionOnly", "A controlled (scheduled) medicine must be prescription-only.");
    }

    internal static string NameKey(string name) => string.Join(' ', name.Trim().ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries));

    internal static MedicineResponse ToResponse(PharmacyMedicine m) =>
        new(m.Id, m.PharmacyId, m.Name, m.Strength, m.Form, m.PackSize, m.PriceMinor, m.Currency, m.PrescriptionOnly, m.Schedule, m.ReorderLevel, m.Version, m.DiscontinuedAt is not null);
}

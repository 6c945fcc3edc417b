using System.Text.Json;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Data;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Pharmacy;

/// <summary>A key publication's rows as the request checked them; the sealed shares are not ledger material, so they live only here until written.</summary>
public sealed record PharmacyKeyRows(Guid PharmacyId, byte[] PublicKey, IReadOnlyList<PharmacistKeyShareDto> Shares, Guid PharmacistId, DateTimeOffset At);

/// <summary>Stores the key and shares of a committed pharmacy.organization-key.</summary>
public sealed class PharmacyKeyLedgerRows(PharmacyKeyService keys) : ILedgerRowWriter
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [PharmacyOrganizationKeyContract.TypeName];

    public Task WriteRowsAsync(LedgerTransaction tx, string rows, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(tx);
        var r = JsonSerializer.Deserialize<PharmacyKeyRows>(rows, LedgerRollForward.Json) ?? throw new InvalidOperationException("empty pharmacy key rows");
        return keys.StoreAsync(r, ct);
    }
}

/// <summary>`ledger verify`: each pharmacy's key row holds the key its newest pharmacy.organization-key anchored.</summary>
public sealed class PharmacyKeyLedgerRowCheck : ILedgerRowCheck
{
    public IReadOnlyCollection<string> TransactionTypes { get; } = [PharmacyOrganizationKeyContract.TypeName];

    public async Task CheckAsync(IReadOnlyList<LedgerTransaction> committed, MedLedgerDbContext db, ICollection<string> findings, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(findings);
        var current = new Dictionary<string, LedgerTransaction>(StringComparer.Ordinal);
        foreach (var tx in committed)
        {
            current[tx.Get("pharmacyId") ?? ""] = tx;
        }
        var rows = await db.Set<PharmacyOrganizationKey>().AsNoTracking().ToListAsync(ct);
        foreach (var row in rows.OrderBy(r => r.PharmacyId))
        {
            if (!current.TryGetValue(row.PharmacyId.ToString(), out var tx))
            {
                findings.Add($"organization key of pharmacy {row.PharmacyId}: a key the ledger never anchored (ahead)");
            }
            else if (Convert.ToBase64String(row.PublicKey) != tx.Get("publicKey"))
            {
                findings.Add($"organization key of pharmacy {row.PharmacyId}: the row's key differs from the one the ledger anchored last ({tx.Id}) (behind)");
            }
        }
        var held = rows.Select(r => r.PharmacyId.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var (pharmacy, tx) in current.Where(c => !held.Contains(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            findings.Add($"organization key of pharmacy {pharmacy}: anchored on the ledger ({tx.Id}) but no row (missing)");
        }
    }
}

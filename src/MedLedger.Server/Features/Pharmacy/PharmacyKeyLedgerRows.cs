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
        var rows = await db.Set<PharmacyOrganizationKey>().AsNoTracking().Select(r => new { r.PharmacyId, r.PublicKey }).ToListAsync(ct);
        AnchoredKeyRows.Compare("organization key of pharmacy", current, rows.Select(r => (r.PharmacyId, r.PublicKey)), findings);
    }
}

using MedLedger.Ledger;

namespace MedLedger.Server.Features.Ledger;

/// <summary>
/// `ledger verify` for an organization's anchored public key (a hospital's emergency key, a pharmacy's organization
/// key): the row must hold the key the organization's newest anchoring transaction named, and every anchored key needs
/// a row. One rule, so both keys report ahead / behind / missing alike.
/// </summary>
public static class AnchoredKeyRows
{
    /// <param name="what">How a finding names the key, e.g. "emergency key of hospital".</param>
    /// <param name="newest">The newest anchoring transaction per organization id, as the ledger committed them.</param>
    /// <param name="rows">The stored key per organization.</param>
    public static void Compare(string what, IReadOnlyDictionary<string, LedgerTransaction> newest,
        IEnumerable<(Guid OrganizationId, byte[] PublicKey)> rows, ICollection<string> findings)
    {
        ArgumentNullException.ThrowIfNull(newest);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(findings);
        var held = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, key) in rows.OrderBy(r => r.OrganizationId))
        {
            held.Add(id.ToString());
            if (!newest.TryGetValue(id.ToString(), out var tx))
            {
                findings.Add($"{what} {id}: a key the ledger never anchored (ahead)");
            }
            else if (Convert.ToBase64String(key) != tx.Get("publicKey"))
            {
                findings.Add($"{what} {id}: the row's key differs from the one the ledger anchored last ({tx.Type} {tx.Id}) (behind)");
            }
        }
        foreach (var (org, tx) in newest.Where(c => !held.Contains(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            findings.Add($"{what} {org}: anchored on the ledger ({tx.Id}) but no row (missing)");
        }
    }
}

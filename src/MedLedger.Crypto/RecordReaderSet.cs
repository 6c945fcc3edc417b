using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// The fingerprint of a record's reader set (<see cref="ProtocolTags.RecordReaders"/>): who, with which encryption key,
/// under which consent grant. Not a security boundary — the writing client still checks every reader on the ledger — but
/// it lets a writer reuse a checked reader list and learn from one refused upload that the list changed.
/// </summary>
public static class RecordReaderSet
{
    public static string Fingerprint(IEnumerable<(Guid ReaderId, string EncryptionKeyId, Guid? GrantId)> readers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        var sorted = readers.OrderBy(r => r.ReaderId.ToString(), StringComparer.Ordinal).ToList();
        var w = new CanonicalWriter(ProtocolTags.RecordReaders).Int64(sorted.Count);
        foreach (var (id, keyId, grantId) in sorted)
        {
            w.String(id.ToString()).String(keyId).String(grantId?.ToString() ?? "");
        }
        return Convert.ToHexStringLower(SHA256.HashData(w.ToArray()));
    }
}

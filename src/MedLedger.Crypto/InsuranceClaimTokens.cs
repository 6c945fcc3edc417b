using System.Security.Cryptography;

namespace MedLedger.Crypto;

/// <summary>
/// A claim line's one-time token (docs/insurance.md "Token scheme"): hex(SHA-256(canonical(medledger/v1/insurance-claim-line,
/// filerId, referenceId, line))) with CanonicalWriter String, String, Int64. The filer is the provider organization (or the patient
/// filing themself), the reference the encounter, dispense or other id the client names. The same care billed again gives the same
/// token, which the claim contract has seen: the line is a duplicate. The token reveals neither the reference nor the care.
/// </summary>
public static class InsuranceClaimTokens
{
    public static string Token(Guid filerId, string referenceId, int line)
    {
        ArgumentException.ThrowIfNullOrEmpty(referenceId);
        ArgumentOutOfRangeException.ThrowIfLessThan(line, 1);
        return Convert.ToHexStringLower(SHA256.HashData(
            new CanonicalWriter(ProtocolTags.InsuranceClaimLine).String(filerId.ToString()).String(referenceId).Int64(line).ToArray()));
    }

    /// <summary>
    /// What a claim's documentsHash commits to: the attached records and the version of each the filer saw,
    /// hex(SHA-256(canonical(medledger/v1/insurance-claim-documents, StringList("recordId:version", sorted ordinal)))).
    /// </summary>
    public static string DocumentsHash(IEnumerable<(Guid RecordId, int Version)> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var items = documents.Select(d => $"{d.RecordId}:{d.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)}").Order(StringComparer.Ordinal).ToList();
        return Convert.ToHexStringLower(SHA256.HashData(new CanonicalWriter(ProtocolTags.InsuranceClaimDocuments).StringList(items).ToArray()));
    }
}

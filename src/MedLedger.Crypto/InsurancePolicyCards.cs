using System.Security.Cryptography;
using System.Text.Json;

namespace MedLedger.Crypto;

/// <summary>One benefit of a plan's terms: exactly one of coveragePercent or copayMinor is set.</summary>
public sealed record PlanTermsBenefit(string Category, int? CoveragePercent, long? CopayMinor, long AnnualLimitMinor, int WaitingPeriodDays);

/// <summary>
/// A plan's money terms at one revision (docs/insurance.md "Terms hash"): what a policy pins. The canonical form is strict JSON
/// with members in exactly this order — planId, revision, currency, premiumMinor, premiumPeriod, annualLimitMinor,
/// dependantsAllowed, benefits — and benefits sorted by category (ordinal), each {category, coveragePercent, copayMinor,
/// annualLimitMinor, waitingPeriodDays} with the unset one of coveragePercent/copayMinor written as null. The plan's name and
/// description are not terms. insurance.policy "issue" carries <see cref="Hash"/> of it.
/// </summary>
public sealed record PlanTerms(Guid PlanId, int Revision, string Currency, long PremiumMinor, string PremiumPeriod, long AnnualLimitMinor, bool DependantsAllowed,
    IReadOnlyList<PlanTermsBenefit> Benefits)
{
    public byte[] ToCanonicalJson() => StrictJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("planId", PlanId.ToString());
        w.WriteNumber("revision", Revision);
        w.WriteString("currency", Currency);
        w.WriteNumber("premiumMinor", PremiumMinor);
        w.WriteString("premiumPeriod", PremiumPeriod);
        w.WriteNumber("annualLimitMinor", AnnualLimitMinor);
        w.WriteBoolean("dependantsAllowed", DependantsAllowed);
        w.WriteStartArray("benefits");
        foreach (var b in Benefits.OrderBy(b => b.Category, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("category", b.Category);
            if (b.CoveragePercent is { } p) { w.WriteNumber("coveragePercent", p); } else { w.WriteNull("coveragePercent"); }
            if (b.CopayMinor is { } c) { w.WriteNumber("copayMinor", c); } else { w.WriteNull("copayMinor"); }
            w.WriteNumber("annualLimitMinor", b.AnnualLimitMinor);
            w.WriteNumber("waitingPeriodDays", b.WaitingPeriodDays);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>SHA-256 (lower-case hex) of <see cref="ToCanonicalJson"/>.</summary>
    public string Hash() => HashOf(ToCanonicalJson());

    public static string HashOf(byte[] canonicalJson) => Convert.ToHexStringLower(SHA256.HashData(canonicalJson));

    public static PlanTerms FromJson(ReadOnlyMemory<byte> utf8)
    {
        using var doc = StrictJson.Parse(utf8);
        var e = doc.RootElement;
        StrictJson.RequireMembers(e, "plan terms", "planId", "revision", "currency", "premiumMinor", "premiumPeriod", "annualLimitMinor", "dependantsAllowed", "benefits");
        var benefits = new List<PlanTermsBenefit>();
        foreach (var b in e.GetProperty("benefits").EnumerateArray())
        {
            StrictJson.RequireMembers(b, "plan benefit", "category", "coveragePercent", "copayMinor", "annualLimitMinor", "waitingPeriodDays");
            benefits.Add(new PlanTermsBenefit(StrictJson.String(b, "category"),
                b.GetProperty("coveragePercent").ValueKind == JsonValueKind.Null ? null : StrictJson.Int32(b, "coveragePercent"),
                b.GetProperty("copayMinor").ValueKind == JsonValueKind.Null ? null : StrictJson.Int64(b, "copayMinor"),
                StrictJson.Int64(b, "annualLimitMinor"), StrictJson.Int32(b, "waitingPeriodDays")));
        }
        var dependants = e.GetProperty("dependantsAllowed");
        return new PlanTerms(
            Guid.TryParseExact(StrictJson.String(e, "planId"), "D", out var id) ? id : throw new CryptoFormatException("'planId' must be a UUID."),
            StrictJson.Int32(e, "revision"), StrictJson.String(e, "currency"), StrictJson.Int64(e, "premiumMinor"), StrictJson.String(e, "premiumPeriod"),
            StrictJson.Int64(e, "annualLimitMinor"),
            dependants.ValueKind is JsonValueKind.True or JsonValueKind.False ? dependants.GetBoolean() : throw new CryptoFormatException("'dependantsAllowed' must be a boolean."),
            benefits);
    }
}

/// <summary>
/// A policy card (docs/insurance.md "Benefit tags"): the key to a policy's benefit tags. The ledger names each benefit only by
/// its tag, hex(SHA-256(canonical(<see cref="ProtocolTags.InsuranceCategoryTag"/>, policyId, categorySalt, category))), so a
/// claim on it never says "Maternity" next to a patient id. The insurer's client draws the 32-byte salt at acceptance and seals
/// the card (purpose <see cref="ProtocolTags.InsurancePolicyCard"/>, context the policy id) for the patient and for itself; the
/// patient may share it with a provider.
/// </summary>
public sealed record PolicyCard(Guid PolicyId, Guid PlanId, byte[] CategorySalt, IReadOnlyDictionary<string, string> Tags)
{
    public const int SaltLength = 32;

    /// <summary>A new card for the categories of a plan, with a fresh random salt.</summary>
    public static PolicyCard New(Guid policyId, Guid planId, IEnumerable<string> categories)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltLength);
        return new PolicyCard(policyId, planId, salt, categories.ToDictionary(c => c, c => Tag(policyId, salt, c), StringComparer.Ordinal));
    }

    public static string Tag(Guid policyId, byte[] categorySalt, string category) => Convert.ToHexStringLower(SHA256.HashData(
        new CanonicalWriter(ProtocolTags.InsuranceCategoryTag).String(policyId.ToString()).Bytes(categorySalt).String(category).ToArray()));

    public byte[] ToJsonBytes() => StrictJson.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("policyId", PolicyId.ToString());
        w.WriteString("planId", PlanId.ToString());
        w.WriteBase64String("categorySalt", CategorySalt);
        w.WriteStartObject("tags");
        foreach (var (category, tag) in Tags.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            w.WriteString(category, tag);
        }
        w.WriteEndObject();
        w.WriteEndObject();
    });

    public byte[] SealFor(byte[] recipientPublicKey) =>
        SealedSecret.Seal(recipientPublicKey, ProtocolTags.InsurancePolicyCard, PolicyId.ToString(), ToJsonBytes()).ToJsonBytes();

    /// <summary>Opens a sealed card and checks it: the policy id it was sealed under, and every tag recomputed from the salt.</summary>
    public static PolicyCard Open(byte[] sealedJson, UserKeyPair recipient, Guid policyId)
    {
        using var doc = StrictJson.Parse(SealedSecret.FromJson(sealedJson).Open(recipient, ProtocolTags.InsurancePolicyCard, policyId.ToString()));
        var e = doc.RootElement;
        StrictJson.RequireMembers(e, "policy card", "policyId", "planId", "categorySalt", "tags");
        var id = Guid.TryParseExact(StrictJson.String(e, "policyId"), "D", out var p) ? p : throw new CryptoFormatException("'policyId' must be a UUID.");
        var plan = Guid.TryParseExact(StrictJson.String(e, "planId"), "D", out var q) ? q : throw new CryptoFormatException("'planId' must be a UUID.");
        var salt = StrictJson.Base64(e, "categorySalt", SaltLength);
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in e.GetProperty("tags").EnumerateObject())
        {
            tags[t.Name] = t.Value.ValueKind == JsonValueKind.String ? t.Value.GetString()! : throw new CryptoFormatException("A card's tags are strings.");
        }
        if (id != policyId)
        {
            throw new CryptoIntegrityException("The sealed policy card names another policy.");
        }
        if (tags.Any(t => t.Value != Tag(id, salt, t.Key)))
        {
            throw new CryptoIntegrityException("A policy card's tag does not follow from its salt.");
        }
        return new PolicyCard(id, plan, salt, tags);
    }
}

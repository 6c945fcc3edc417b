using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Identity cards (web/src/sdk/identity.ts): a professional's public card, checked here against the ledger before it is
// called "verified" and before anything is granted to or assigned with its keys.

/// <summary>A professional's identity card as the server serves it (GET /api/users/{id}/card, POST /api/users/lookup).</summary>
public sealed record IdentityCard(Guid UserId, Role Role, string? DisplayName, string? LicenceNumber, string? Specialty, Guid? OrganizationId, string? OrganizationName,
    byte[] SigningPublicKey, byte[] EncryptionPublicKey, LedgerReceipt? Verification);

/// <summary>
/// A card after this client's checks: its keys are the ones registered on the ledger (otherwise it is never returned),
/// and <see cref="Verified"/> is true only if a platform admin's own signed identity.verify approves exactly this card
/// and these keys. <see cref="Fingerprint"/> is the safety-number style key fingerprint people compare out of band.
/// </summary>
public sealed record CheckedIdentityCard(IdentityCard Card, bool Verified, string? NotVerifiedReason, string Fingerprint)
{
    public Guid UserId => Card.UserId;

    /// <summary>"Dr. Anna Weber · Cardiology · Northside General · verified": what a person sees before a grant or assignment.</summary>
    public string DisplayLine => string.Join(" · ", new[]
    {
        string.IsNullOrWhiteSpace(Card.DisplayName) ? $"(no name) {Card.Role}" : Card.DisplayName,
        Card.Specialty, Card.OrganizationName, Verified ? "verified" : "NOT verified",
    }.Where(s => !string.IsNullOrWhiteSpace(s)));

    /// <summary>The fingerprint with spaces removed, case-insensitive: what <c>--expect-fingerprint</c> compares.</summary>
    public bool HasFingerprint(string expected) =>
        string.Equals(Normalize(expected), Normalize(Fingerprint), StringComparison.Ordinal);

    private static string Normalize(string s) => new(s.Where(c => !char.IsWhiteSpace(c)).Select(char.ToUpperInvariant).ToArray());
}

public sealed partial class MedLedgerClient
{
    /// <summary>A professional's card, checked against the ledger (see <see cref="CheckedIdentityCard"/>).</summary>
    public async Task<CheckedIdentityCard> IdentityCardAsync(Guid userId, CancellationToken ct = default)
    {
        var card = await SendAsync<IdentityCard>(HttpMethod.Get, $"/api/users/{userId}/card", null, authorize: true, ct);
        if (card.UserId != userId)
        {
            throw new MedLedgerVerificationException($"Asked for the card of user {userId}, the server answered the card of {card.UserId}.");
        }
        return await CheckCardAsync(card, ct);
    }

    /// <summary>Finds a verified professional by email (in a POST body, never a URL) and checks their card.</summary>
    public async Task<CheckedIdentityCard> LookUpProfessionalAsync(string email, CancellationToken ct = default) =>
        await CheckCardAsync(await SendAsync<IdentityCard>(HttpMethod.Post, "/api/users/lookup", new { email }, authorize: true, ct), ct);

    /// <summary>
    /// The card of someone about to receive keys or an assignment: refused unless verified by an admin's own signature
    /// and, when the caller pinned one, unless its fingerprint is the expected one. Nothing is sent when it throws.
    /// </summary>
    public async Task<CheckedIdentityCard> TrustedCardAsync(Guid userId, string? expectedFingerprint, CancellationToken ct = default) =>
        RequireTrusted(await IdentityCardAsync(userId, ct), expectedFingerprint);

    /// <summary>Throws unless the checked card is admin-verified and, when one is pinned, has the expected fingerprint.</summary>
    public static CheckedIdentityCard RequireTrusted(CheckedIdentityCard card, string? expectedFingerprint)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (!card.Verified)
        {
            throw new MedLedgerVerificationException($"Refused: {card.DisplayLine} ({card.NotVerifiedReason}).");
        }
        if (expectedFingerprint is not null && !card.HasFingerprint(expectedFingerprint))
        {
            throw new MedLedgerVerificationException($"Refused: {card.DisplayLine} has key fingerprint {card.Fingerprint}, not the expected {expectedFingerprint}.");
        }
        return card;
    }

    private async Task<CheckedIdentityCard> CheckCardAsync(IdentityCard card, CancellationToken ct)
    {
        // Keys first: a card whose keys are not the ledger's is never shown at all.
        await EnsureKeysOnLedgerAsync(card.UserId, card.SigningPublicKey, card.EncryptionPublicKey, ct);
        var fingerprint = KeyFingerprints.Fingerprint(card.EncryptionPublicKey, card.SigningPublicKey);
        var reason = await VerificationProblemAsync(card, Convert.ToHexStringLower(fingerprint), ct);
        return new CheckedIdentityCard(card, reason is null, reason, KeyFingerprints.Display(fingerprint));
    }

    /// <summary>Why the card must not be called verified, or null when an admin's own signed approval covers it.</summary>
    private async Task<string?> VerificationProblemAsync(IdentityCard card, string fingerprintHex, CancellationToken ct)
    {
        if (card.Verification is not { } receipt)
        {
            return "no admin verification on the ledger";
        }
        try
        {
            await VerifyReceiptAsync(receipt, ct);
        }
        catch (MedLedgerVerificationException e)
        {
            return e.Message;
        }
        var tx = receipt.Transaction();
        if (tx.Type != VerifyContract.TypeName || tx.Get("subjectKind") != "user" || tx.Get("subjectId") != card.UserId.ToString())
        {
            return "the verification receipt is about something else";
        }
        if (tx.Get("decision") != "approved")
        {
            return "an admin rejected this professional";
        }
        if (tx.IsSystemEvent)
        {
            return "the verification is not signed by an admin";
        }
        var hash = IdentityCards.Hash(card.UserId.ToString(), card.Role.ToString(), card.DisplayName, card.LicenceNumber, card.Specialty,
            card.OrganizationId?.ToString(), card.OrganizationName);
        if (tx.Get("cardHash") != hash)
        {
            return "the admin verified a different card";
        }
        if (tx.Get("keyFingerprint") != fingerprintHex)
        {
            return "the admin verified different keys";
        }
        // The signer must be a platform admin by the ledger's own key history (following rotations), not by the server's word;
        // and the approval must still be the subject's latest identity state.
        return await AdminKeyProblemAsync(receipt, ct) ?? await FreshnessProblemAsync(card.UserId, receipt, ct);
    }
}

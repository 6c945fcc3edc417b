using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

public sealed record PharmacyKey(Guid PharmacyId, byte[] PublicKey, string KeyId, MedLedger.Ledger.LedgerReceipt? Receipt);

/// <summary>The calling pharmacist's sealed share of the current key (null until a colleague shares it) and the colleagues still waiting.</summary>
public sealed record PharmacyKeyShareView(Guid PharmacyId, byte[] PublicKey, string KeyId, byte[]? Sealed, IReadOnlyList<Guid> WaitingPharmacists);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Pharmacist: makes a fresh pharmacy organization key pair here, seals the private key to every verified pharmacist
    /// of the pharmacy (this one included) and anchors the public key with a signed pharmacy.organization-key — the same
    /// mechanism as a hospital's emergency key. Also rotates: the shares of the old key are dropped.
    /// </summary>
    public async Task<PharmacyKey> PublishPharmacyKeyAsync(CancellationToken ct = default)
    {
        var pharmacyId = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist publishes the pharmacy's key.");
        var members = await SendAsync<IReadOnlyList<Member>>(HttpMethod.Get, $"/api/organizations/{pharmacyId}/members", null, authorize: true, ct);
        var pair = Hpke.DeriveKeyPair(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var shares = new List<object>();
        try
        {
            foreach (var pharmacist in members.Where(m => m.Role == Role.Pharmacist && m.Verification == VerificationStatus.Approved))
            {
                shares.Add(new { pharmacistId = pharmacist.UserId, @sealed = await SealPharmacyKeyForAsync(pharmacyId, pharmacist.UserId, pair.PrivateKey, ct) });
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pair.PrivateKey);
        }
        var tx = NewTransaction(PharmacyOrganizationKeyContract.TypeName, new Dictionary<string, string>
        {
            ["pharmacyId"] = pharmacyId.ToString(),
            ["publicKey"] = Convert.ToBase64String(pair.PublicKey),
        });
        var published = await SendAsync<PharmacyKey>(HttpMethod.Put, $"/api/pharmacies/{pharmacyId}/organization-key",
            new { publicKey = pair.PublicKey, shares, transaction = Sign(tx) }, authorize: true, ct);
        await VerifyReceiptAsync(published.Receipt ?? throw new MedLedgerVerificationException("No receipt for the pharmacy key."), ct);
        return published;
    }

    /// <summary>
    /// A pharmacy's organization key, accepted only with a verified receipt of the pharmacist-signed
    /// pharmacy.organization-key naming exactly this pharmacy and key (what a patient seals an order for).
    /// </summary>
    public async Task<PharmacyKey> GetVerifiedPharmacyKeyAsync(Guid pharmacyId, CancellationToken ct = default)
    {
        var key = await SendAsync<PharmacyKey>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/organization-key", null, authorize: true, ct);
        var receipt = key.Receipt ?? throw new MedLedgerVerificationException($"Pharmacy {pharmacyId}'s organization key is not anchored on the ledger.");
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        if (tx.Type != PharmacyOrganizationKeyContract.TypeName || tx.Get("pharmacyId") != pharmacyId.ToString() || tx.Get("publicKey") != Convert.ToBase64String(key.PublicKey))
        {
            throw new MedLedgerVerificationException($"The organization key served for pharmacy {pharmacyId} is not the one anchored on the ledger.");
        }
        // The server serves the key's id beside it; the id is recomputed so the two cannot disagree unnoticed.
        if (key.KeyId != KeyFingerprints.EncryptionKeyId(key.PublicKey))
        {
            throw new MedLedgerVerificationException($"The key id served for pharmacy {pharmacyId} does not match its key.");
        }
        return key;
    }

    public Task<PharmacyKeyShareView> MyPharmacyKeyShareAsync(CancellationToken ct = default)
    {
        var pharmacyId = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist holds the pharmacy's key.");
        return SendAsync<PharmacyKeyShareView>(HttpMethod.Get, $"/api/pharmacies/{pharmacyId}/organization-key/share", null, authorize: true, ct);
    }

    /// <summary>
    /// Pharmacist: opens this pharmacist's share of the pharmacy key and checks it is the private half of the key the
    /// ledger anchored (a server handing out another key pair is caught here). The caller zeroes the private key.
    /// </summary>
    public async Task<UserKeyPair> OpenPharmacyKeyAsync(CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var pharmacyId = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist holds the pharmacy's key.");
        var anchored = await GetVerifiedPharmacyKeyAsync(pharmacyId, ct);
        var share = await MyPharmacyKeyShareAsync(ct);
        var sealedKey = share.Sealed ?? throw new InvalidOperationException("No colleague has shared the pharmacy's key with you yet.");
        var privateKey = SealedSecret.FromJson(sealedKey).Open(keys.Encryption, ProtocolTags.PharmacyOrganizationKey, pharmacyId.ToString());
        try
        {
            return new UserKeyPair(privateKey, anchored.PublicKey);
        }
        catch (CryptoFormatException e)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(privateKey);
            throw new MedLedgerVerificationException($"The pharmacy key sealed to you is not the one anchored on the ledger: {e.Message}");
        }
    }

    /// <summary>
    /// Pharmacist holding the key: seals it for every verified colleague still waiting (pharmacists verified after the
    /// key was made), each to that colleague's ledger-registered key. Returns whom it was shared with.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> SharePharmacyKeyWithNewPharmacistsAsync(CancellationToken ct = default)
    {
        var pharmacyId = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist shares the pharmacy's key.");
        var share = await MyPharmacyKeyShareAsync(ct);
        if (share.WaitingPharmacists.Count == 0)
        {
            return [];
        }
        var pair = await OpenPharmacyKeyAsync(ct);
        try
        {
            foreach (var colleague in share.WaitingPharmacists)
            {
                var sealedKey = await SealPharmacyKeyForAsync(pharmacyId, colleague, pair.PrivateKey, ct);
                await SendAsync<object?>(HttpMethod.Post, $"/api/pharmacies/{pharmacyId}/organization-key/shares",
                    new { pharmacistId = colleague, keyId = share.KeyId, @sealed = sealedKey }, authorize: true, ct);
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(pair.PrivateKey);
        }
        return share.WaitingPharmacists;
    }

    private async Task<byte[]> SealPharmacyKeyForAsync(Guid pharmacyId, Guid pharmacistId, byte[] privateKey, CancellationToken ct)
    {
        // The recipient's key comes from the ledger, so a server cannot slip its own key in as a pharmacist's.
        var keys = await GetVerifiedPublicKeysAsync(pharmacistId, ct);
        return SealedSecret.Seal(keys.EncryptionPublicKey, ProtocolTags.PharmacyOrganizationKey, pharmacyId.ToString(), privateKey).ToJsonBytes();
    }
}

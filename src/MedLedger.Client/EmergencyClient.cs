using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

public sealed record EmergencyKey(Guid HospitalId, byte[] PublicKey, string KeyId, MedLedger.Ledger.LedgerReceipt? Receipt);

public sealed record KeyShare(Guid HospitalId, byte[] PublicKey, byte[] Sealed);

public sealed record BreakGlassResult(Guid EventId, string TransactionId, SealedRecord Summary, byte[] HospitalEmergencyPublicKey, byte[] SealedHospitalKey);

public sealed record BreakGlassEvent(Guid Id, Guid DoctorId, Guid PatientId, Guid HospitalId, string Reason, DateTimeOffset At, string TransactionId, DateTimeOffset? ReviewedAt, Guid? ReviewedBy, string? ReviewOutcome);

public sealed partial class MedLedgerClient
{
    public const string EmergencySharePurpose = ProtocolTags.HospitalEmergencyKey;

    /// <summary>
    /// Hospital staff: makes a fresh hospital emergency key pair here and seals its private key to each
    /// verified doctor's ledger-registered key (as organization keys are shared in Bitwarden). The
    /// private key is never sent anywhere in the clear and is forgotten once sealed.
    /// </summary>
    public async Task<EmergencyKey> PublishHospitalEmergencyKeyAsync(CancellationToken ct = default)
    {
        var hospitalId = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only hospital staff publish the emergency key.");
        var members = await SendAsync<IReadOnlyList<Member>>(HttpMethod.Get, $"/api/organizations/{hospitalId}/members", null, authorize: true, ct);
        var pair = Hpke.DeriveKeyPair(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var shares = new List<object>();
        foreach (var doctor in members.Where(m => m.Role == Role.Doctor && m.Verification == VerificationStatus.Approved))
        {
            var keys = await GetVerifiedPublicKeysAsync(doctor.UserId, ct);
            var sealedKey = SealedSecret.Seal(keys.EncryptionPublicKey, EmergencySharePurpose, hospitalId.ToString(), pair.PrivateKey);
            shares.Add(new { doctorId = doctor.UserId, @sealed = sealedKey.ToJsonBytes() });
        }
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(pair.PrivateKey);
        var tx = NewTransaction(HospitalEmergencyKeyContract.TypeName, new Dictionary<string, string>
        {
            ["hospitalId"] = hospitalId.ToString(),
            ["publicKey"] = Convert.ToBase64String(pair.PublicKey),
        });
        var published = await SendAsync<EmergencyKey>(HttpMethod.Put, $"/api/emergency/hospitals/{hospitalId}/key",
            new { publicKey = pair.PublicKey, shares, transaction = Sign(tx) }, authorize: true, ct);
        await VerifyReceiptAsync(published.Receipt ?? throw new MedLedgerVerificationException("No receipt for the emergency key."), ct);
        return published;
    }

    /// <summary>Patient: makes an EmergencySummary record available to a hospital's doctors through break-glass only.</summary>
    public async Task DesignateEmergencySummaryAsync(Guid recordId, Guid hospitalId, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var hospitalKey = await GetVerifiedHospitalKeyAsync(hospitalId, ct);
        var sealedRecord = await FetchSealedAsync(recordId, null, ct);
        var envelope = sealedRecord.ToEnvelope();
        var dataKey = RecordCrypto.UnwrapDataKey(envelope, keys.Encryption, await AuthorKeyAsync(sealedRecord, ct));
        var wrap = RecordCrypto.AddReader(envelope, dataKey, hospitalKey.PublicKey);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(dataKey);
        var tx = NewTransaction(EmergencyDesignateContract.TypeName, new Dictionary<string, string>
        {
            ["patientId"] = UserId.ToString(),
            ["hospitalId"] = hospitalId.ToString(),
            ["recordId"] = recordId.ToString(),
        });
        await SendAsync<object?>(HttpMethod.Post, "/api/emergency/designations",
            new { hospitalId, recordId, version = sealedRecord.Version, readerKeyId = wrap.ReaderKeyId, enc = wrap.Enc, wrappedKey = wrap.WrappedKey, transaction = Sign(tx) }, authorize: true, ct);
    }

    /// <summary>
    /// A hospital's emergency key, accepted only with a verified receipt of the staff-signed
    /// emergency.hospital-key transaction naming exactly this hospital and key.
    /// </summary>
    public async Task<EmergencyKey> GetVerifiedHospitalKeyAsync(Guid hospitalId, CancellationToken ct = default)
    {
        var key = await SendAsync<EmergencyKey>(HttpMethod.Get, $"/api/emergency/hospitals/{hospitalId}/key", null, authorize: true, ct);
        var receipt = key.Receipt ?? throw new MedLedgerVerificationException($"Hospital {hospitalId}'s emergency key is not anchored on the ledger.");
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        if (tx.Type != HospitalEmergencyKeyContract.TypeName || tx.Get("hospitalId") != hospitalId.ToString() || tx.Get("publicKey") != Convert.ToBase64String(key.PublicKey))
        {
            throw new MedLedgerVerificationException($"The emergency key served for hospital {hospitalId} is not the one anchored on the ledger.");
        }
        return key;
    }

    /// <summary>
    /// Doctor: signs a break-glass transaction (who, whom, why, when). Only after it commits does the
    /// server release the summary's wrap; it is opened here with the hospital key sealed to this doctor.
    /// </summary>
    public async Task<DecryptedRecord> BreakGlassAsync(Guid patientId, string reason, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        var hospitalId = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only hospital doctors break the glass.");
        var tx = NewTransaction(BreakGlassContract.TypeName, new Dictionary<string, string>
        {
            ["doctorId"] = UserId.ToString(),
            ["patientId"] = patientId.ToString(),
            ["hospitalId"] = hospitalId.ToString(),
            ["reason"] = reason,
        });
        var result = await SendAsync<BreakGlassResult>(HttpMethod.Post, "/api/emergency/break-glass", new { transaction = Sign(tx) }, authorize: true, ct);
        var hospitalPrivate = SealedSecret.FromJson(result.SealedHospitalKey).Open(keys.Encryption, EmergencySharePurpose, hospitalId.ToString());
        try
        {
            var hospitalKey = UserKeyPair.FromPrivateKey(hospitalPrivate);
            var s = result.Summary;
            // The summary must be this patient's own: the server could otherwise hand over another patient's (or a forged) one.
            if (s.PatientId != patientId || s.AuthorId != patientId)
            {
                throw new MedLedgerVerificationException($"The emergency summary served for patient {patientId} belongs to patient {s.PatientId} (author {s.AuthorId}); refused.");
            }
            await CheckAnchorAsync(s, ct);
            var content = RecordCrypto.Open(s.ToEnvelope(), hospitalKey, await AuthorKeyAsync(s, ct));
            return new DecryptedRecord(s.RecordId, s.Version, s.PatientId, s.AuthorId, s.Category, s.ContentType, DateTimeOffset.FromUnixTimeMilliseconds(s.CreatedAtMs), content, result.TransactionId);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(hospitalPrivate);
        }
    }

    public Task<IReadOnlyList<BreakGlassEvent>> BreakGlassEventsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<BreakGlassEvent>>(HttpMethod.Get, Tokens?.User.Role == Role.PlatformAdmin ? "/api/admin/break-glass" : "/api/emergency/break-glass", null, authorize: true, ct);
}

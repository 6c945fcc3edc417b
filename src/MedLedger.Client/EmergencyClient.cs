using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

public sealed record EmergencyKey(Guid HospitalId, byte[] PublicKey, string KeyId, MedLedger.Ledger.LedgerReceipt? Receipt);

public sealed record KeyShare(Guid HospitalId, byte[] PublicKey, byte[] Sealed);

public sealed record BreakGlassResult(Guid EventId, string TransactionId, SealedRecord Summary, byte[] HospitalEmergencyPublicKey, byte[] SealedHospitalKey);

/// <summary>A designation as its patient sees it: <c>NeedsRewrap</c> when the hospital rotated its key since the wrap was made.</summary>
public sealed record EmergencyDesignation(Guid HospitalId, Guid RecordId, int Version, string ReaderKeyId, string? CurrentKeyId, bool NeedsRewrap, string TransactionId);

/// <summary>What re-wrapping at sign-in did: hospitals re-wrapped, and those left stale with why (e.g. a key not on the ledger).</summary>
public sealed record EmergencyRewrapResult(IReadOnlyList<Guid> Rewrapped, IReadOnlyDictionary<Guid, string> Failed);

/// <summary>A break-glass event; <see cref="Reason"/> and <see cref="ReasonSalt"/> open the commitment its ledger transaction carries.</summary>
public sealed record BreakGlassEvent(Guid Id, Guid DoctorId, Guid PatientId, Guid HospitalId, string Reason, byte[] ReasonSalt, DateTimeOffset At, string TransactionId, DateTimeOffset? ReviewedAt, Guid? ReviewedBy, string? ReviewOutcome);

public sealed partial class MedLedgerClient
{
    public const string EmergencySharePurpose = ProtocolTags.HospitalEmergencyKey;

    /// <summary>
    /// Hospital staff: makes a fresh hospital emergency key pair here and seals its private key to each
    /// verified doctor's ledger-registered key (as organization keys are shared in Bitwarden). The
    /// private key is never sent anywhere in the clear and is forgotten once sealed.
    /// </summary>
    public Task<EmergencyKey> PublishHospitalEmergencyKeyAsync(CancellationToken ct = default) => PublishKeyAsync(null, ct);

    /// <summary>
    /// Hospital staff: removes a doctor from the hospital. Always rotates the emergency key (the doctor may have kept
    /// the old private key): a fresh pair is sealed to every remaining verified doctor and anchored by the same signed
    /// hospital.remove-doctor transaction; patients are told and their clients re-wrap at next sign-in.
    /// </summary>
    public Task<EmergencyKey> RemoveDoctorFromHospitalAsync(Guid doctorId, CancellationToken ct = default) => PublishKeyAsync(doctorId, ct);

    private async Task<EmergencyKey> PublishKeyAsync(Guid? removedDoctorId, CancellationToken ct)
    {
        var hospitalId = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only hospital staff publish the emergency key.");
        var members = await SendAsync<IReadOnlyList<Member>>(HttpMethod.Get, $"/api/organizations/{hospitalId}/members", null, authorize: true, ct);
        var pair = Hpke.DeriveKeyPair(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var shares = new List<object>();
        foreach (var doctor in members.Where(m => m.Role == Role.Doctor && m.Verification == VerificationStatus.Approved && m.UserId != removedDoctorId))
        {
            var keys = await GetVerifiedPublicKeysAsync(doctor.UserId, ct);
            var sealedKey = SealedSecret.Seal(keys.EncryptionPublicKey, EmergencySharePurpose, hospitalId.ToString(), pair.PrivateKey);
            shares.Add(new { doctorId = doctor.UserId, @sealed = sealedKey.ToJsonBytes() });
        }
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(pair.PrivateKey);
        var payload = new Dictionary<string, string>
        {
            ["hospitalId"] = hospitalId.ToString(),
            ["publicKey"] = Convert.ToBase64String(pair.PublicKey),
        };
        if (removedDoctorId is { } removed)
        {
            payload["doctorId"] = removed.ToString();
        }
        var tx = NewTransaction(removedDoctorId is null ? HospitalEmergencyKeyContract.TypeName : HospitalRemoveDoctorContract.TypeName, payload);
        var path = removedDoctorId is null ? $"/api/emergency/hospitals/{hospitalId}/key" : $"/api/emergency/hospitals/{hospitalId}/doctors/{removedDoctorId}/remove";
        var published = await SendAsync<EmergencyKey>(removedDoctorId is null ? HttpMethod.Put : HttpMethod.Post, path,
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
    /// emergency.hospital-key (or hospital.remove-doctor) transaction naming exactly this hospital and key.
    /// </summary>
    public async Task<EmergencyKey> GetVerifiedHospitalKeyAsync(Guid hospitalId, CancellationToken ct = default)
    {
        var key = await SendAsync<EmergencyKey>(HttpMethod.Get, $"/api/emergency/hospitals/{hospitalId}/key", null, authorize: true, ct);
        var receipt = key.Receipt ?? throw new MedLedgerVerificationException($"Hospital {hospitalId}'s emergency key is not anchored on the ledger.");
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        // A key is anchored by its publication or by the removal of a doctor, which rotates it in the same transaction.
        if (tx.Type is not (HospitalEmergencyKeyContract.TypeName or HospitalRemoveDoctorContract.TypeName) || tx.Get("hospitalId") != hospitalId.ToString() || tx.Get("publicKey") != Convert.ToBase64String(key.PublicKey))
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
        // The ledger gets a salted commitment to the reason; reason and salt go beside it for the patient and the reviewer.
        var salt = System.Security.Cryptography.RandomNumberGenerator.GetBytes(BreakGlassReasonCommitment.SaltLength);
        var tx = NewTransaction(BreakGlassContract.TypeName, new Dictionary<string, string>
        {
            ["doctorId"] = UserId.ToString(),
            ["patientId"] = patientId.ToString(),
            ["hospitalId"] = hospitalId.ToString(),
            ["reasonCommitment"] = BreakGlassReasonCommitment.Compute(reason, salt),
        });
        var result = await SendAsync<BreakGlassResult>(HttpMethod.Post, "/api/emergency/break-glass", new { transaction = Sign(tx), reason, reasonSalt = salt }, authorize: true, ct);
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

    /// <summary>
    /// The reason of a break-glass event, accepted only when the event's ledger transaction (receipt verified here) is
    /// this event's break-glass and its commitment opens to the reason with the salt served beside it.
    /// </summary>
    public async Task<string> VerifiedBreakGlassReasonAsync(BreakGlassEvent ev, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(ev);
        var receipt = await ReceiptAsync(ev.TransactionId, ct);
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        if (tx.Type != BreakGlassContract.TypeName || tx.Get("patientId") != ev.PatientId.ToString() || tx.Get("doctorId") != ev.DoctorId.ToString()
            || tx.Get("reasonCommitment") != BreakGlassReasonCommitment.Compute(ev.Reason, ev.ReasonSalt))
        {
            throw new MedLedgerVerificationException($"The reason served for break-glass event {ev.Id} is not the one its doctor committed to on the ledger.");
        }
        return ev.Reason;
    }

    /// <summary>Doctor: the hospital emergency keys sealed to this doctor (none once removed from the hospital).</summary>
    public Task<IReadOnlyList<KeyShare>> MyEmergencyKeySharesAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<KeyShare>>(HttpMethod.Get, "/api/emergency/key-shares", null, authorize: true, ct);

    /// <summary>Patient: the designations made, each flagged when the hospital's key rotated since.</summary>
    public Task<IReadOnlyList<EmergencyDesignation>> EmergencyDesignationsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<EmergencyDesignation>>(HttpMethod.Get, "/api/emergency/designations", null, authorize: true, ct);

    /// <summary>Patient: withdraws a hospital's emergency access (a signed emergency.withdraw transaction).</summary>
    public Task WithdrawEmergencyDesignationAsync(Guid hospitalId, CancellationToken ct = default)
    {
        var tx = NewTransaction(EmergencyWithdrawContract.TypeName, new Dictionary<string, string>
        {
            ["patientId"] = UserId.ToString(),
            ["hospitalId"] = hospitalId.ToString(),
        });
        return SendAsync<object?>(HttpMethod.Post, $"/api/emergency/designations/{hospitalId}/withdraw", new { transaction = Sign(tx) }, authorize: true, ct);
    }

    /// <summary>The outcome of the re-wrap run at the last sign-in (null before a patient signed in).</summary>
    public EmergencyRewrapResult? LastEmergencyRewrap { get; private set; }

    /// <summary>
    /// Patient: re-wraps every designation a key rotation left stale for the hospital's new key, which is checked against
    /// the ledger first (GetVerifiedHospitalKeyAsync). Runs at sign-in; a hospital whose key does not verify stays stale
    /// and is reported, it does not stop the sign-in.
    /// </summary>
    public async Task<EmergencyRewrapResult> RewrapStaleEmergencySummariesAsync(CancellationToken ct = default)
    {
        var rewrapped = new List<Guid>();
        var failed = new Dictionary<Guid, string>();
        foreach (var d in (await EmergencyDesignationsAsync(ct)).Where(d => d.NeedsRewrap))
        {
            try
            {
                await DesignateEmergencySummaryAsync(d.RecordId, d.HospitalId, ct);
                rewrapped.Add(d.HospitalId);
            }
            catch (Exception e) when (e is MedLedgerVerificationException or MedLedgerApiException or CryptoFormatException or CryptoIntegrityException)
            {
                failed[d.HospitalId] = e.Message;
            }
        }
        return LastEmergencyRewrap = new EmergencyRewrapResult(rewrapped, failed);
    }

    public Task<IReadOnlyList<BreakGlassEvent>> BreakGlassEventsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<BreakGlassEvent>>(HttpMethod.Get, Tokens?.User.Role == Role.PlatformAdmin ? "/api/admin/break-glass" : "/api/emergency/break-glass", null, authorize: true, ct);
}

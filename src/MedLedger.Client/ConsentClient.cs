using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Consent (web/src/sdk/consent.ts): grants re-wrap record keys for the grantee on this device; revocations are signed here.

public enum ConsentScope { All, Categories, Records }

public sealed record GrantWrap(Guid RecordId, int Version, string ReaderKeyId, byte[] Enc, byte[] WrappedKey);

/// <summary>The grant would reach records outside the scope the patient chose (or a pharmacist beyond prescriptions); nothing was sent.</summary>
public sealed class ConsentScopeException(string message) : Exception(message);

public sealed record GrantPlanItem(Guid RecordId, int Version, string Category);

/// <summary>A consent grant; <see cref="PurposeSalt"/> opens the ledger's purposeCommitment (<see cref="PurposeOpens"/>).</summary>
public sealed record Grant(Guid Id, Guid PatientId, Guid GranteeId, Role GranteeRole, ConsentScope Scope, IReadOnlyList<string> Items, string Purpose, byte[] PurposeSalt,
    DateTimeOffset? ExpiresAt, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, bool Active, string GrantTransactionId, string? RevokeTransactionId, Guid? AppointmentId = null)
{
    /// <summary>Whether the consent.grant's purposeCommitment is a commitment to this grant's purpose (the server cannot swap the word).</summary>
    public bool PurposeOpens(string? purposeCommitment) => FactCommitment.Opens(purposeCommitment, FactCommitment.ConsentPurpose, Purpose, PurposeSalt);
}

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Shares records: unwraps each covered version's data key here and wraps it for the grantee's
    /// ledger-registered key; the server stores the wraps only after the signed grant commits. The grantee's identity
    /// card must carry an admin's own signed verification (and the pinned fingerprint, if given) or nothing is sent.
    /// </summary>
    public Task<Grant> GrantConsentAsync(Guid granteeId, ConsentScope scope, IReadOnlyList<string>? items = null, string purpose = "treatment", DateTimeOffset? expiresAt = null,
        string? expectedFingerprint = null, CancellationToken ct = default) =>
        GrantAsync(granteeId, scope, items, purpose, expiresAt, appointmentId: null, expectedFingerprint, ct);

    /// <summary>
    /// Shares chosen records (or categories) with the appointment's doctor for this appointment only: a consent.grant
    /// naming the appointment, expiring <see cref="AppointmentKeys.ScopedGrantGraceMs"/> after its end. The contract
    /// ties it to the patient's own appointment with that doctor; cancelling or a no-show ends it.
    /// </summary>
    public Task<Grant> GrantForAppointmentAsync(Appointment appointment, ConsentScope scope, IReadOnlyList<string> items, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(appointment);
        if (appointment.PatientId != UserId)
        {
            throw new InvalidOperationException("Only the appointment's patient shares records for it.");
        }
        var until = appointment.End.AddMilliseconds(AppointmentKeys.ScopedGrantGraceMs);
        return GrantAsync(appointment.DoctorId, scope, items, "treatment", until, appointment.Id, expectedFingerprint: null, ct);
    }

    private async Task<Grant> GrantAsync(Guid granteeId, ConsentScope scope, IReadOnlyList<string>? items, string purpose, DateTimeOffset? expiresAt, Guid? appointmentId,
        string? expectedFingerprint, CancellationToken ct)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in first.");
        items ??= [];
        var grantee = (await TrustedCardAsync(granteeId, expectedFingerprint, ct)).Card;
        var plan = await SendAsync<IReadOnlyList<GrantPlanItem>>(HttpMethod.Get,
            $"/api/consents/plan?scope={scope}&items={Uri.EscapeDataString(string.Join(',', items))}", null, authorize: true, ct);
        var chosen = items.Select(i => i.Trim()).ToHashSet(StringComparer.Ordinal);
        // Every plan item must lie inside the scope chosen here (the server could slip in others), and a pharmacist
        // gets prescriptions only — checked before any key is unwrapped or anything is sent.
        if (grantee.Role == Role.Pharmacist && (scope == ConsentScope.All || (scope == ConsentScope.Categories && !chosen.SetEquals([RecordCategories.MedicationRequest]))))
        {
            throw new ConsentScopeException($"A grant to pharmacist {granteeId} can cover prescriptions ({RecordCategories.MedicationRequest}) only.");
        }
        foreach (var item in plan)
        {
            var inScope = scope switch
            {
                ConsentScope.All => true,
                ConsentScope.Categories => chosen.Contains(item.Category),
                _ => chosen.Contains(item.RecordId.ToString()),
            };
            if (!inScope || (grantee.Role == Role.Pharmacist && item.Category != RecordCategories.MedicationRequest))
            {
                throw new ConsentScopeException($"The server's plan includes record {item.RecordId} ({item.Category}), which is outside the scope you chose for {grantee.Role} {granteeId}; nothing was shared.");
            }
        }
        var wraps = new List<GrantWrap>();
        foreach (var item in plan)
        {
            var sealedRecord = await FetchSealedAsync(item.RecordId, item.Version, ct);
            if (sealedRecord.RecordId != item.RecordId || sealedRecord.Version != item.Version || sealedRecord.PatientId != UserId || sealedRecord.Category != item.Category)
            {
                throw new ConsentScopeException($"The server sent a different record than plan item {item.RecordId} v{item.Version}; nothing was shared.");
            }
            // Scope rests on the category the author signed (header v2), not on the server's label: a relabelled version
            // fails its signature, and a legacy v1 version cannot prove its category where the scope depends on it.
            var categoryMatters = scope == ConsentScope.Categories || grantee.Role == Role.Pharmacist;
            if (categoryMatters && sealedRecord.HeaderVersion != 2)
            {
                throw new ConsentScopeException($"Record {item.RecordId} v{item.Version} predates signed categories (header v1), so its category '{item.Category}' cannot be proven "
                    + "for this grant; have its author write a new version. Nothing was shared.");
            }
            var authorKey = await AuthorKeyAsync(sealedRecord, ct);
            if (sealedRecord.SignedCategoryIfRelabelled(authorKey) is { } signed)
            {
                throw new ConsentScopeException($"The server labels record {item.RecordId} as '{item.Category}', but its signed header says '{signed}'; nothing was shared.");
            }
            var envelope = sealedRecord.ToEnvelope();
            if (!RecordCrypto.VerifySignature(envelope, authorKey))
            {
                // The signed header names another record, version, patient or author than the server claims.
                throw new ConsentScopeException($"The server sent a version its author did not sign as plan item {item.RecordId} v{item.Version}; nothing was shared.");
            }
            var dataKey = RecordCrypto.UnwrapDataKey(envelope, keys.Encryption, authorKey);
            var wrap = RecordCrypto.AddReader(envelope, dataKey, grantee.EncryptionPublicKey);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(dataKey);
            wraps.Add(new GrantWrap(item.RecordId, item.Version, wrap.ReaderKeyId, wrap.Enc, wrap.WrappedKey));
        }
        var grantId = Guid.NewGuid();
        var scopeName = scope.ToString().ToLowerInvariant();
        // The ledger gets a salted commitment to the purpose, never the word; the salt stays with the grant's parties.
        var purposeSalt = FactCommitment.NewSalt();
        var payload = new Dictionary<string, string>
        {
            ["grantId"] = grantId.ToString(),
            ["patientId"] = UserId.ToString(),
            ["granteeId"] = granteeId.ToString(),
            ["scope"] = scopeName,
            ["scopeHash"] = ConsentScopeHash.Compute(scopeName, items.Select(i => i.Trim()).Distinct(StringComparer.Ordinal)),
            ["purposeCommitment"] = FactCommitment.Compute(FactCommitment.ConsentPurpose, purpose, purposeSalt),
            ["expiresAtMs"] = (expiresAt?.ToUnixTimeMilliseconds() ?? 0).ToString(CultureInfo.InvariantCulture),
        };
        if (appointmentId is { } appointment)
        {
            payload["appointmentId"] = appointment.ToString();
        }
        var tx = NewTransaction(ConsentGrantContract.TypeName, payload);
        var grant = await SendAsync<Grant>(HttpMethod.Post, "/api/consents",
            new { grantId, granteeId, scope, items, purpose, purposeSalt, expiresAt, transaction = Sign(tx), wraps, appointmentId }, authorize: true, ct);
        // The grantee is now one of the patient's parties: they get the profile too.
        await ShareProfileAfterNewRelationAsync(ct);
        return grant;
    }

    public Task<Grant> RevokeConsentAsync(Guid grantId, CancellationToken ct = default)
    {
        var tx = NewTransaction(ConsentRevokeContract.TypeName, new Dictionary<string, string> { ["grantId"] = grantId.ToString(), ["patientId"] = UserId.ToString() });
        return SendAsync<Grant>(HttpMethod.Post, $"/api/consents/{grantId}/revoke", new { transaction = Sign(tx) }, authorize: true, ct);
    }

    public Task<IReadOnlyList<Grant>> GrantsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<Grant>>(HttpMethod.Get, "/api/consents", null, authorize: true, ct);
}

using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>State keys of the care, record, consent and emergency contracts.</summary>
public static class CareKeys
{
    public static string Assignment(string patientId, string doctorId) => $"care/{patientId}/{doctorId}";
    public static string RecordVersion(string recordId) => $"record/{recordId}/version";
    public static string RecordPatient(string recordId) => $"record/{recordId}/patient";
    public static string Consent(string grantId) => $"consent/{grantId}";
    public static string ConsentPatient(string grantId) => $"consent/{grantId}/patient";
    public static string ConsentGrantee(string grantId) => $"consent/{grantId}/grantee";
    public static string ConsentExpires(string grantId) => $"consent/{grantId}/expires";
    public static string Emergency(string patientId, string hospitalId) => $"emergency/{patientId}/{hospitalId}";
    public static string HospitalEmergencyKey(string hospitalId) => $"emergency-key/{hospitalId}";
    public static string HospitalEmergencyKeyTransaction(string hospitalId) => $"emergency-key/{hospitalId}/tx";
}

/// <summary>A contract whose transactions only a user signs, with their currently registered key (never a peer).</summary>
public abstract class UserSignedContract : LedgerContract
{
    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireUserActor(tx) ?? LedgerAuthorization.RequireActorKey(tx, state);
}

internal static class ContractChecks
{
    public static bool IsVerified(IStateReader state, string userId, string role) =>
        state.Get(IdentityKeys.Role(userId)) == role && state.Get(IdentityKeys.Verification("user", userId)) == "approved";

    public static bool IsGuid(string? s) => Guid.TryParseExact(s, "D", out _);

    public static bool IsHash(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public static LedgerRejection? RequireIds(LedgerTransaction tx, params string[] keys)
    {
        foreach (var k in keys)
        {
            if (!IsGuid(tx.Get(k)))
            {
                return LedgerRejection.Malformed($"payload '{k}' must be a UUID");
            }
        }
        return null;
    }

    /// <summary>The actor must be the user named by <paramref name="payloadKey"/>, signing with their registered key.</summary>
    public static LedgerRejection? RequireActorIs(LedgerTransaction tx, IStateReader state, string payloadKey, string refusal)
    {
        ArgumentNullException.ThrowIfNull(tx);
        return tx.IsSystemEvent || tx.ActorId != tx.Get(payloadKey)
            ? LedgerRejection.Forbidden(refusal)
            : LedgerAuthorization.RequireActorKey(tx, state);
    }

    public static LedgerRejection? RequireUserActor(LedgerTransaction tx) =>
        tx.IsSystemEvent ? LedgerRejection.Forbidden($"{tx.Type} must be signed by a user, not a peer") : null;
}

/// <summary>
/// care.assign / care.unassign — payload doctorId, patientId, hospitalId. Signed by a verified
/// HospitalStaff member (their registered key); the doctor must be a verified Doctor. Hospital
/// membership of both is checked by the server against the organization directory.
/// </summary>
public abstract class CareContract : UserSignedContract
{
    public sealed override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "doctorId", "patientId", "hospitalId") is { } r)
        {
            return r;
        }
        if (!ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.HospitalStaff))
        {
            return LedgerRejection.Forbidden("only verified hospital staff change doctor assignments");
        }
        return ValidateAssignment(tx, state, state.Get(CareKeys.Assignment(tx.Get("patientId")!, tx.Get("doctorId")!)));
    }

    /// <summary>Checks against the current assignment value (the hospital id), or null when unassigned.</summary>
    protected abstract LedgerRejection? ValidateAssignment(LedgerTransaction tx, IStateReader state, string? current);
}

public sealed class CareAssignContract : CareContract
{
    public const string TypeName = "care.assign";
    public override string Type => TypeName;

    protected override LedgerRejection? ValidateAssignment(LedgerTransaction tx, IStateReader state, string? current)
    {
        if (!ContractChecks.IsVerified(state, tx.Get("doctorId")!, IdentityRoles.Doctor))
        {
            return LedgerRejection.Conflict("the doctor is not a verified doctor");
        }
        if (state.Get(IdentityKeys.Role(tx.Get("patientId")!)) != IdentityRoles.Patient)
        {
            return LedgerRejection.Conflict("the patient is not a registered patient");
        }
        return current is not null ? LedgerRejection.Conflict("the doctor is already assigned to this patient") : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(CareKeys.Assignment(tx.Get("patientId")!, tx.Get("doctorId")!), tx.Get("hospitalId")!);
    }
}

public sealed class CareUnassignContract : CareContract
{
    public const string TypeName = "care.unassign";
    public override string Type => TypeName;

    protected override LedgerRejection? ValidateAssignment(LedgerTransaction tx, IStateReader state, string? current) =>
        current == tx.Get("hospitalId") ? null : LedgerRejection.Conflict("the doctor is not assigned to this patient by this hospital");

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Delete(CareKeys.Assignment(tx.Get("patientId")!, tx.Get("doctorId")!));
    }
}

/// <summary>
/// records.write — payload recordId, version, patientId, ciphertextHash, headerHash (hex SHA-256).
/// Signed by the author: the patient, or a doctor currently assigned to the patient. Versions are
/// consecutive from 1 and a record never changes patient.
/// </summary>
public sealed class RecordWriteContract : UserSignedContract
{
    public const string TypeName = "records.write";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "recordId", "patientId") is { } r)
        {
            return r;
        }
        if (!ContractChecks.IsHash(tx.Get("ciphertextHash")) || !ContractChecks.IsHash(tx.Get("headerHash")))
        {
            return LedgerRejection.Malformed("ciphertextHash and headerHash must be lowercase hex SHA-256");
        }
        if (!long.TryParse(tx.Get("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            return LedgerRejection.Malformed("version must be a positive integer");
        }
        var recordId = tx.Get("recordId")!;
        var patientId = tx.Get("patientId")!;
        if (tx.ActorId != patientId && state.Get(CareKeys.Assignment(patientId, tx.ActorId)) is null)
        {
            return LedgerRejection.Forbidden("only the patient or an assigned doctor writes the patient's records");
        }
        var current = long.Parse(state.Get(CareKeys.RecordVersion(recordId)) ?? "0", CultureInfo.InvariantCulture);
        if (version != current + 1)
        {
            return LedgerRejection.Conflict($"record {recordId} is at version {current}; the next version is {current + 1}");
        }
        var owner = state.Get(CareKeys.RecordPatient(recordId));
        return owner is not null && owner != patientId ? LedgerRejection.Conflict("a record cannot change patient") : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(CareKeys.RecordVersion(tx.Get("recordId")!), tx.Get("version")!);
        state.Put(CareKeys.RecordPatient(tx.Get("recordId")!), tx.Get("patientId")!);
    }
}

/// <summary>
/// records.read — a peer-signed system event: readerId read recordId (version) of patientId; and
/// records.access-denied — readerId was refused recordId (reason code). Both change no state; they are the audit trail.
/// </summary>
public sealed class RecordReadContract : LedgerContract
{
    public const string TypeName = "records.read";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        context is not null && context.IsSignedByPeer(tx) ? null : LedgerRejection.Forbidden("read events are recorded by a peer");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ContractChecks.RequireIds(tx, "readerId", "recordId", "patientId")
            ?? (state.Get(CareKeys.RecordPatient(tx.Get("recordId")!)) == tx.Get("patientId") ? null : LedgerRejection.Conflict("unknown record for this patient"));
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
    }
}

public sealed class RecordAccessDeniedContract : LedgerContract
{
    public const string TypeName = "records.access-denied";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        context is not null && context.IsSignedByPeer(tx) ? null : LedgerRejection.Forbidden("refusals are recorded by a peer");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireIds(tx, "readerId") ?? (string.IsNullOrEmpty(tx.Get("reason")) ? LedgerRejection.Malformed("reason code is required") : null);

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
    }
}

/// <summary>
/// consent.grant — payload grantId, patientId, granteeId, scope (all|categories|records), scopeHash,
/// purpose, expiresAtMs (0 = no expiry). Only the patient grants, signing with their own key.
/// </summary>
public sealed class ConsentGrantContract : LedgerContract
{
    public const string TypeName = "consent.grant";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireActorIs(tx, state, "patientId", "only the patient grants consent to their records");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "grantId", "patientId", "granteeId") is { } r)
        {
            return r;
        }
        if (tx.Get("scope") is not ("all" or "categories" or "records") || !ContractChecks.IsHash(tx.Get("scopeHash")))
        {
            return LedgerRejection.Malformed("scope must be all, categories or records, with a scopeHash");
        }
        if (!long.TryParse(tx.Get("expiresAtMs"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || (expires != 0 && expires <= tx.TimestampMs))
        {
            return LedgerRejection.Malformed("expiresAtMs must be 0 or a time after the grant");
        }
        if (state.Get(IdentityKeys.Signing(tx.Get("granteeId")!)) is null)
        {
            return LedgerRejection.Conflict("the grantee has no registered keys");
        }
        return state.Get(CareKeys.Consent(tx.Get("grantId")!)) is not null ? LedgerRejection.Conflict("this grant id is already used") : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var id = tx.Get("grantId")!;
        state.Put(CareKeys.Consent(id), "active");
        state.Put(CareKeys.ConsentPatient(id), tx.Get("patientId")!);
        state.Put(CareKeys.ConsentGrantee(id), tx.Get("granteeId")!);
        state.Put(CareKeys.ConsentExpires(id), tx.Get("expiresAtMs")!);
    }
}

/// <summary>consent.revoke — payload grantId, patientId. Only the granting patient revokes; revoking twice is refused.</summary>
public sealed class ConsentRevokeContract : LedgerContract
{
    public const string TypeName = "consent.revoke";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireActorIs(tx, state, "patientId", "only the patient revokes consent");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "grantId", "patientId") is { } r)
        {
            return r;
        }
        var id = tx.Get("grantId")!;
        if (state.Get(CareKeys.ConsentPatient(id)) != tx.Get("patientId"))
        {
            return LedgerRejection.Forbidden("this grant is not the patient's");
        }
        return state.Get(CareKeys.Consent(id)) == "active" ? null : LedgerRejection.Conflict("the grant is not active");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(CareKeys.Consent(tx.Get("grantId")!), "revoked");
    }
}

/// <summary>
/// emergency.hospital-key — payload hospitalId, publicKey (base64 uncompressed P-256). Signed by verified
/// hospital staff; the server checks the staff member belongs to that hospital. Anchors the key patients
/// wrap their emergency summaries for, so a server cannot substitute its own key unnoticed.
/// </summary>
public sealed class HospitalEmergencyKeyContract : UserSignedContract
{
    public const string TypeName = "emergency.hospital-key";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "hospitalId") is { } r)
        {
            return r;
        }
        if (!KeyChecks.IsP256PublicKey(tx.Get("publicKey")))
        {
            return LedgerRejection.Malformed("publicKey must be a base64 uncompressed P-256 public key");
        }
        return ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.HospitalStaff)
            ? null
            : LedgerRejection.Forbidden("only verified hospital staff publish a hospital's emergency key");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(CareKeys.HospitalEmergencyKey(tx.Get("hospitalId")!), tx.Get("publicKey")!);
        state.Put(CareKeys.HospitalEmergencyKeyTransaction(tx.Get("hospitalId")!), tx.Id);
    }
}

/// <summary>
/// emergency.designate / emergency.withdraw — payload patientId, hospitalId, recordId (the summary).
/// The patient chooses which hospitals may break the glass.
/// </summary>
public sealed class EmergencyDesignateContract : LedgerContract
{
    public const string TypeName = "emergency.designate";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireActorIs(tx, state, "patientId", "only the patient designates emergency access");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ContractChecks.RequireIds(tx, "patientId", "hospitalId", "recordId")
            ?? (state.Get(CareKeys.RecordPatient(tx.Get("recordId")!)) == tx.Get("patientId") ? null : LedgerRejection.Conflict("the summary must be the patient's own record"));
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(CareKeys.Emergency(tx.Get("patientId")!, tx.Get("hospitalId")!), tx.Get("recordId")!);
    }
}

/// <summary>
/// emergency.break-glass — payload doctorId, patientId, hospitalId, reason (a code, never free text).
/// Signed by a verified doctor; valid only where the patient designated that hospital.
/// </summary>
public sealed class BreakGlassContract : LedgerContract
{
    public const string TypeName = "emergency.break-glass";
    public override string Type => TypeName;

    public static readonly IReadOnlySet<string> Reasons = new HashSet<string>(StringComparer.Ordinal)
        { "unconscious", "life-threatening", "unable-to-consent", "other-emergency" };

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireActorIs(tx, state, "doctorId", "a doctor breaks the glass in their own name");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "doctorId", "patientId", "hospitalId") is { } r)
        {
            return r;
        }
        if (!Reasons.Contains(tx.Get("reason") ?? ""))
        {
            return LedgerRejection.Malformed("reason must be one of: " + string.Join(", ", Reasons.Order(StringComparer.Ordinal)));
        }
        if (!ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.Doctor))
        {
            return LedgerRejection.Forbidden("only a verified doctor may break the glass");
        }
        return state.Get(CareKeys.Emergency(tx.Get("patientId")!, tx.Get("hospitalId")!)) is null
            ? LedgerRejection.Forbidden("the patient has not granted emergency access to this hospital")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
    }
}

/// <summary>The hash a consent.grant anchors for its scope: SHA-256 of canonical(<see cref="MedLedger.Crypto.ProtocolTags.ConsentScope"/>, kind, sorted items).</summary>
public static class ConsentScopeHash
{
    public static string Compute(string kind, IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var sorted = items.Order(StringComparer.Ordinal).ToList();
        var bytes = new MedLedger.Crypto.CanonicalWriter(MedLedger.Crypto.ProtocolTags.ConsentScope).String(kind).StringList(sorted).ToArray();
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
    }
}

namespace MedLedger.Ledger.Contracts;

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
/// emergency.designate — payload patientId, hospitalId, recordId (the summary).
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
/// emergency.withdraw — payload patientId, hospitalId. The patient takes back a designation: from then on no
/// doctor of that hospital can break the glass for them.
/// </summary>
public sealed class EmergencyWithdrawContract : LedgerContract
{
    public const string TypeName = "emergency.withdraw";
    public override string Type => TypeName;

    public override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireActorIs(tx, state, "patientId", "only the patient withdraws an emergency designation");

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(state);
        return ContractChecks.RequireIds(tx, "patientId", "hospitalId")
            ?? (state.Get(CareKeys.Emergency(tx.Get("patientId")!, tx.Get("hospitalId")!)) is null
                ? LedgerRejection.Conflict("the patient has not designated this hospital")
                : null);
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Delete(CareKeys.Emergency(tx.Get("patientId")!, tx.Get("hospitalId")!));
    }
}

/// <summary>
/// hospital.remove-doctor — payload hospitalId, doctorId, publicKey (the hospital's new emergency key, base64
/// uncompressed P-256). Signed by verified hospital staff. Removing a doctor and rotating the emergency key are one
/// ledger fact: the removed doctor may have kept the old private key, so the key they held stops being the anchored
/// one in the same transaction. Clients accept this transaction as the anchor of the new key, like emergency.hospital-key.
/// </summary>
public sealed class HospitalRemoveDoctorContract : UserSignedContract
{
    public const string TypeName = "hospital.remove-doctor";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "hospitalId", "doctorId") is { } r)
        {
            return r;
        }
        if (!KeyChecks.IsP256PublicKey(tx.Get("publicKey")))
        {
            return LedgerRejection.Malformed("publicKey must be a base64 uncompressed P-256 public key");
        }
        if (!ContractChecks.IsVerified(state, tx.ActorId, IdentityRoles.HospitalStaff))
        {
            return LedgerRejection.Forbidden("only verified hospital staff remove a doctor");
        }
        if (state.Get(IdentityKeys.Role(tx.Get("doctorId")!)) != IdentityRoles.Doctor)
        {
            return LedgerRejection.Conflict("the account removed is not a doctor");
        }
        return state.Get(CareKeys.HospitalEmergencyKey(tx.Get("hospitalId")!)) == tx.Get("publicKey")
            ? LedgerRejection.Conflict("removing a doctor must rotate the emergency key: the new key equals the current one")
            : null;
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
/// The commitment emergency.break-glass carries instead of the reason code: lower-case hex
/// SHA-256(canonical(<see cref="MedLedger.Crypto.ProtocolTags.BreakGlassReason"/>).String(reason).Bytes(salt)). The doctor's
/// client draws the 16-byte salt; the reason and salt reach the patient and the admin reviewer through the review flow,
/// whose clients recompute this hash against the ledger. Without the salt the few reason codes cannot be guessed from it.
/// </summary>
public static class BreakGlassReasonCommitment
{
    public const int SaltLength = 16;

    public static byte[] CanonicalBytes(string reason, ReadOnlySpan<byte> salt) =>
        new MedLedger.Crypto.CanonicalWriter(MedLedger.Crypto.ProtocolTags.BreakGlassReason).String(reason).Bytes(salt).ToArray();

    public static string Compute(string reason, ReadOnlySpan<byte> salt) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(CanonicalBytes(reason, salt)));
}

/// <summary>
/// emergency.break-glass — payload doctorId, patientId, hospitalId, reasonCommitment (<see cref="BreakGlassReasonCommitment"/>;
/// the reason code itself never reaches the ledger). Signed by a verified doctor; valid only where the patient designated
/// that hospital.
/// </summary>
public sealed class BreakGlassContract : LedgerContract
{
    public const string TypeName = "emergency.break-glass";
    public override string Type => TypeName;

    /// <summary>The reason codes a doctor may commit to (never free text).</summary>
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
        if (!ContractChecks.IsHash(tx.Get("reasonCommitment")) || tx.Get("reason") is not null)
        {
            return LedgerRejection.Malformed("reasonCommitment must be a lower-case hex SHA-256 commitment, and the reason code itself stays off the ledger");
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

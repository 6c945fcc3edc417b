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

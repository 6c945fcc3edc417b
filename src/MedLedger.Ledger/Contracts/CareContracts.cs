namespace MedLedger.Ledger.Contracts;

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

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// care.assign / care.unassign — payload doctorId, patientId, hospitalId (ids only: no reason, department or
/// kind of care). Signed by a verified HospitalStaff member (their registered key); the doctor must be a verified
/// Doctor, and an assignment must rest on a relationship the patient created with that hospital
/// (<see cref="CareKeys.RelationshipPrefix"/>: a care.register or a held/admitted beds.book). Hospital membership
/// of staff and doctor is checked by the server against the organization directory (not ledger state).
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
        // The server checks this too; checking it here means a server skipping its own check is still refused.
        if (!CareRelationships.Exists(state, tx.Get("patientId")!, tx.Get("hospitalId")!))
        {
            return LedgerRejection.Forbidden("the patient has no relationship with this hospital (no registration, held or admitted booking)");
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

/// <summary>Relationships patients created with hospitals, as contract state holds them.</summary>
public static class CareRelationships
{
    public static bool Exists(IStateReader state, string patientId, string hospitalId)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Scan(CareKeys.RelationshipPrefix(patientId, hospitalId), 1).Count > 0;
    }
}

/// <summary>
/// care.register / care.withdraw — payload patientId, hospitalId. The patient alone signs (their registered key):
/// "register me with this hospital" lets its staff assign its doctors to them; withdrawing stops new assignments
/// (assignments already made stay until staff end them). The hospital must be an approved organization.
/// </summary>
public abstract class CareRegistrationContract : LedgerContract
{
    public sealed override LedgerRejection? Authorize(LedgerTransaction tx, IStateReader state, ContractContext context) =>
        ContractChecks.RequireActorIs(tx, state, "patientId", "only the patient registers with or withdraws from a hospital");

    public sealed override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (ContractChecks.RequireIds(tx, "patientId", "hospitalId") is { } r)
        {
            return r;
        }
        if (state.Get(IdentityKeys.Role(tx.Get("patientId")!)) != IdentityRoles.Patient)
        {
            return LedgerRejection.Forbidden("only a registered patient registers with a hospital");
        }
        return ValidateRegistration(tx, state, state.Get(CareKeys.Registration(tx.Get("patientId")!, tx.Get("hospitalId")!)));
    }

    protected abstract LedgerRejection? ValidateRegistration(LedgerTransaction tx, IStateReader state, string? current);
}

public sealed class CareRegisterContract : CareRegistrationContract
{
    public const string TypeName = "care.register";
    public const string Registered = "registered";
    public override string Type => TypeName;

    protected override LedgerRejection? ValidateRegistration(LedgerTransaction tx, IStateReader state, string? current)
    {
        if (state.Get(IdentityKeys.Verification("organization", tx.Get("hospitalId")!)) != "approved")
        {
            return LedgerRejection.Conflict("the hospital is not a verified organization");
        }
        return current is null ? null : LedgerRejection.Conflict("the patient is already registered with this hospital");
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(CareKeys.Registration(tx.Get("patientId")!, tx.Get("hospitalId")!), Registered);
    }
}

public sealed class CareWithdrawContract : CareRegistrationContract
{
    public const string TypeName = "care.withdraw";
    public override string Type => TypeName;

    protected override LedgerRejection? ValidateRegistration(LedgerTransaction tx, IStateReader state, string? current) =>
        current is null ? LedgerRejection.Conflict("the patient is not registered with this hospital") : null;

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Delete(CareKeys.Registration(tx.Get("patientId")!, tx.Get("hospitalId")!));
    }
}

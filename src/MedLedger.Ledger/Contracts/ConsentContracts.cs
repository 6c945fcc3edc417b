using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// consent.grant — payload grantId, patientId, granteeId, scope (all|categories|records), scopeHash,
/// purposeCommitment (a <see cref="MedLedger.Crypto.FactCommitment"/> to the purpose: the ledger never says
/// "research" or "second-opinion"), expiresAtMs (0 = no expiry). Only the patient grants, signing with their own key.
/// Optional appointmentId (an appointment-scoped grant, docs/consultations.md): the appointment must be the patient's
/// with the grantee as its doctor and still booked, arrived or in progress, and the grant must expire no later than the
/// appointment's end + <see cref="AppointmentKeys.ScopedGrantGraceMs"/>. Grants without the key are unchanged.
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
        if (!ContractChecks.IsHash(tx.Get("purposeCommitment")) || tx.Get("purpose") is not null)
        {
            return LedgerRejection.Malformed("the purpose goes on the ledger only as purposeCommitment (a lower-case hex SHA-256)");
        }
        if (!long.TryParse(tx.Get("expiresAtMs"), NumberStyles.None, CultureInfo.InvariantCulture, out var expires) || (expires != 0 && expires <= tx.TimestampMs))
        {
            return LedgerRejection.Malformed("expiresAtMs must be 0 or a time after the grant");
        }
        if (state.Get(IdentityKeys.Signing(tx.Get("granteeId")!)) is null)
        {
            return LedgerRejection.Conflict("the grantee has no registered keys");
        }
        // A pharmacist dispenses: a grant to one covers prescriptions and nothing else — the category MedicationRequest, or
        // listed records (their categories are not on the ledger; the granting client and the server check each is a prescription).
        if (state.Get(IdentityKeys.Role(tx.Get("granteeId")!)) == IdentityRoles.Pharmacist
            && tx.Get("scope") != "records" && (tx.Get("scope") != "categories" || tx.Get("scopeHash") != ConsentScopeHash.PrescriptionsOnly))
        {
            return LedgerRejection.Forbidden("a grant to a pharmacist covers prescriptions (MedicationRequest) only");
        }
        if (tx.Get("appointmentId") is not null && ValidateAppointment(tx, state, expires) is { } a)
        {
            return a;
        }
        return state.Get(CareKeys.Consent(tx.Get("grantId")!)) is not null ? LedgerRejection.Conflict("this grant id is already used") : null;
    }

    private static LedgerRejection? ValidateAppointment(LedgerTransaction tx, IStateReader state, long expires)
    {
        if (ContractChecks.RequireIds(tx, "appointmentId") is { } r)
        {
            return r;
        }
        var id = tx.Get("appointmentId")!;
        if (AppointmentBookContract.Read(state, id) is not { } appt)
        {
            return LedgerRejection.Conflict("the grant names an appointment that was never booked");
        }
        if (appt.PatientId != tx.Get("patientId") || appt.DoctorId != tx.Get("granteeId"))
        {
            return LedgerRejection.Forbidden("an appointment-scoped grant names the patient's own appointment and goes to its doctor");
        }
        if (state.Get(AppointmentKeys.Status(id)) is not (AppointmentStates.Booked or AppointmentStates.Arrived or AppointmentStates.InProgress))
        {
            return LedgerRejection.Conflict("the appointment is over or cancelled");
        }
        return expires == 0 || expires > appt.End + AppointmentKeys.ScopedGrantGraceMs
            ? LedgerRejection.Malformed("an appointment-scoped grant expires no later than two hours after the appointment's end")
            : null;
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
        if (tx.Get("appointmentId") is { } appointmentId)
        {
            state.Put(CareKeys.ConsentAppointment(id), appointmentId);
        }
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

/// <summary>The hash a consent.grant anchors for its scope: SHA-256 of canonical(<see cref="MedLedger.Crypto.ProtocolTags.ConsentScope"/>, kind, sorted items).</summary>
public static class ConsentScopeHash
{
    /// <summary>The scope hash of categories = [MedicationRequest], the only scope a pharmacist may hold.</summary>
    public static readonly string PrescriptionsOnly = Compute("categories", [MedLedger.Crypto.RecordCategories.MedicationRequest]);

    public static string Compute(string kind, IEnumerable<string> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var sorted = items.Order(StringComparer.Ordinal).ToList();
        var bytes = new MedLedger.Crypto.CanonicalWriter(MedLedger.Crypto.ProtocolTags.ConsentScope).String(kind).StringList(sorted).ToArray();
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
    }
}

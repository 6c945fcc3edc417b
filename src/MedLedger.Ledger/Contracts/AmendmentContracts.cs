using System.Globalization;

namespace MedLedger.Ledger.Contracts;

/// <summary>
/// records.amend-request — payload exactly requestId, recordId, patientId, authorId, version, contentHash. Signed by the record's
/// patient: a request to correct the record as it stands at <c>version</c> (HIPAA's right to amend). Only on a record
/// someone else authored (a patient writes their own records' next version themselves), at most one open request per
/// record at a time (a record has one patient, so that is one per record per patient). authorId must be the record's
/// author (so the request is in the author's ledger history and they can fetch its receipt). contentHash is
/// AmendmentNote.Hash of the request text sealed for the patient and the author; no words reach the ledger.
/// </summary>
public sealed class AmendRequestContract : UserSignedContract
{
    public const string TypeName = "records.amend-request";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        if (tx.Payload.Count != 6 || ContractChecks.RequireIds(tx, "requestId", "recordId", "patientId", "authorId") is not null
            || !ContractChecks.IsHash(tx.Get("contentHash")) || !TryVersion(tx.Get("version"), out var version))
        {
            return LedgerRejection.Malformed("an amendment request carries exactly requestId, recordId, patientId, authorId (UUIDs), version (positive integer) and contentHash (hex SHA-256)");
        }
        var requestId = tx.Get("requestId")!;
        var recordId = tx.Get("recordId")!;
        if (tx.ActorId != tx.Get("patientId") || state.Get(CareKeys.RecordPatient(recordId)) != tx.ActorId)
        {
            return LedgerRejection.Forbidden("only the record's patient files an amendment request on it");
        }
        var author = state.Get(CareKeys.RecordAuthor(recordId));
        if (author is null)
        {
            return LedgerRejection.Conflict("the record has no author on the ledger to decide a request");
        }
        if (author == tx.ActorId)
        {
            return LedgerRejection.Forbidden("you wrote this record: write its next version instead of requesting an amendment");
        }
        if (tx.Get("authorId") != author)
        {
            return LedgerRejection.Conflict("authorId is not the record's author");
        }
        var current = long.Parse(state.Get(CareKeys.RecordVersion(recordId)) ?? "0", CultureInfo.InvariantCulture);
        if (version > current)
        {
            return LedgerRejection.Conflict($"record {recordId} is at version {current}");
        }
        if (state.Get(AmendmentKeys.Status(requestId)) is not null)
        {
            return LedgerRejection.Conflict($"amendment request {requestId} exists already");
        }
        return state.Get(AmendmentKeys.OpenOnRecord(recordId)) is { } open
            ? LedgerRejection.Conflict($"amendment request {open} on this record is still open")
            : null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var requestId = tx.Get("requestId")!;
        var recordId = tx.Get("recordId")!;
        state.Put(AmendmentKeys.Status(requestId), AmendmentKeys.Open);
        state.Put(AmendmentKeys.Record(requestId), recordId);
        state.Put(AmendmentKeys.Version(requestId), tx.Get("version")!);
        state.Put(AmendmentKeys.OpenOnRecord(recordId), requestId);
    }

    internal static bool TryVersion(string? s, out long version) =>
        long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out version) && version >= 1;
}

/// <summary>
/// records.amend-decide — signed by the record's author. Payload exactly requestId, recordId, patientId (the record's
/// patient, so the decision is in the patient's own ledger history), decision and either
/// resolvedVersion (decision "accepted": a version of the record, newer than the one the request concerns, that the
/// ledger already holds — the author writes it with records.write first; since only the author writes a record's
/// versions, that version is theirs) or reasonHash (decision "declined": AmendmentNote.Hash of the reason sealed for
/// the patient and the author). A request is decided once; the record may then get a new request.
/// </summary>
public sealed class AmendDecideContract : UserSignedContract
{
    public const string TypeName = "records.amend-decide";
    public const string Accepted = "accepted";
    public const string Declined = "declined";
    public override string Type => TypeName;

    public override LedgerRejection? Validate(LedgerTransaction tx, IStateReader state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        var decision = tx.Get("decision");
        var shapeOk = tx.Payload.Count == 5 && ContractChecks.RequireIds(tx, "requestId", "recordId", "patientId") is null && decision switch
        {
            Accepted => AmendRequestContract.TryVersion(tx.Get("resolvedVersion"), out _),
            Declined => ContractChecks.IsHash(tx.Get("reasonHash")),
            _ => false,
        };
        if (!shapeOk)
        {
            return LedgerRejection.Malformed("a decision carries exactly requestId, recordId, patientId, decision and resolvedVersion (accepted) or reasonHash (declined)");
        }
        var requestId = tx.Get("requestId")!;
        var recordId = tx.Get("recordId")!;
        var status = state.Get(AmendmentKeys.Status(requestId));
        if (status is null || state.Get(AmendmentKeys.Record(requestId)) != recordId)
        {
            return LedgerRejection.Conflict($"no amendment request {requestId} on record {recordId}");
        }
        if (state.Get(CareKeys.RecordPatient(recordId)) != tx.Get("patientId"))
        {
            return LedgerRejection.Conflict("patientId is not the record's patient");
        }
        if (state.Get(CareKeys.RecordAuthor(recordId)) != tx.ActorId)
        {
            return LedgerRejection.Forbidden("only the record's author decides an amendment request");
        }
        if (status != AmendmentKeys.Open)
        {
            return LedgerRejection.Conflict($"amendment request {requestId} was {status} already");
        }
        if (decision == Accepted)
        {
            var resolved = long.Parse(tx.Get("resolvedVersion")!, CultureInfo.InvariantCulture);
            var requested = long.Parse(state.Get(AmendmentKeys.Version(requestId))!, CultureInfo.InvariantCulture);
            var current = long.Parse(state.Get(CareKeys.RecordVersion(recordId)) ?? "0", CultureInfo.InvariantCulture);
            if (resolved <= requested || resolved > current)
            {
                return LedgerRejection.Conflict($"an acceptance names a version written after version {requested} (the record is at version {current}; write the corrected version first)");
            }
        }
        return null;
    }

    public override void Apply(LedgerTransaction tx, IStateWriter state, ContractContext context)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(state);
        state.Put(AmendmentKeys.Status(tx.Get("requestId")!), tx.Get("decision")!);
        state.Delete(AmendmentKeys.OpenOnRecord(tx.Get("recordId")!));
    }
}

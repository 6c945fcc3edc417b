using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Amendments;

/// <summary>
/// A patient files an amendment request (a records.amend-request they sign) on a record someone else wrote; patients
/// list the requests they filed, authors the requests on their records. Who the record's patient and author are is
/// read from the ledger's record state, not from the Records feature's rows.
/// </summary>
public sealed class AmendmentFilingService(MedLedgerDbContext db, LedgerGateway ledger, LedgerRollForward rollForward, TimeProvider clock)
{
    public async Task<AmendmentResponse> FileAsync(Caller patient, FileAmendmentRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, AmendRequestContract.TypeName, patient.Id);
        if (!Guid.TryParseExact(tx.Get("requestId"), "D", out var requestId) || !Guid.TryParseExact(tx.Get("recordId"), "D", out var recordId)
            || tx.Get("patientId") != patient.Id.ToString()
            || !int.TryParse(tx.Get("version"), NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
        {
            throw ProblemException.Invalid("transaction", "The transaction must name a requestId, a recordId, you as patientId and a version.");
        }
        var queries = ledger.Peer.Queries;
        // Someone else's record answers like an unknown one: filing must not tell which record ids exist.
        if (await queries.GetStateAsync(CareKeys.RecordPatient(recordId.ToString()), ct) != patient.Id.ToString())
        {
            throw ProblemException.NotFound($"Record {recordId}");
        }
        var author = await queries.GetStateAsync(CareKeys.RecordAuthor(recordId.ToString()), ct);
        if (author == patient.Id.ToString())
        {
            throw ProblemException.Forbidden("You wrote this record: write its next version instead of requesting an amendment.");
        }
        if (!Guid.TryParseExact(author, "D", out var authorId))
        {
            throw ProblemException.Conflict("This record was written before authors were recorded on the ledger; it takes no amendment requests.");
        }
        if (tx.Get("authorId") != author)
        {
            throw ProblemException.Invalid("transaction", "The transaction must name the record's author as authorId.");
        }
        AmendmentNotes.Check(r.Request, "request", ProtocolTags.AmendmentRequestText, requestId.ToString(), tx.Get("contentHash"));
        if (await db.Set<AmendmentRequest>().AnyAsync(x => x.RecordId == recordId && x.Status == AmendmentKeys.Open, ct))
        {
            throw ProblemException.Conflict("An amendment request on this record is still open; wait for the author's decision.");
        }
        await rollForward.SubmitAsync(tx, new AmendmentRows(requestId, recordId, patient.Id, authorId, version, clock.GetUtcNow(), r.Request, null), ct);
        return ToResponse(await db.Set<AmendmentRequest>().AsNoTracking().SingleAsync(x => x.Id == requestId, ct));
    }

    /// <summary>A patient's own requests; for a doctor, the requests on records they wrote. Newest first.</summary>
    public async Task<IReadOnlyList<AmendmentResponse>> ListAsync(Caller caller, Guid? recordId, CancellationToken ct)
    {
        var q = db.Set<AmendmentRequest>().AsNoTracking();
        q = caller.Role == Role.Patient ? q.Where(x => x.PatientId == caller.Id) : q.Where(x => x.AuthorId == caller.Id);
        if (recordId is { } id)
        {
            q = q.Where(x => x.RecordId == id);
        }
        return (await q.OrderByDescending(x => x.FiledAt).Take(500).ToListAsync(ct)).Select(ToResponse).ToList();
    }

    internal static AmendmentResponse ToResponse(AmendmentRequest x) => new(x.Id, x.RecordId, x.PatientId, x.AuthorId, x.Version, x.Status,
        new SealedNoteDto(x.RequestForPatient, x.RequestForAuthor), x.RequestTransactionId, x.FiledAt, x.ResolvedVersion,
        x.ReasonForPatient is { } p && x.ReasonForAuthor is { } a ? new SealedNoteDto(p, a) : null, x.DecisionTransactionId, x.DecidedAt);
}

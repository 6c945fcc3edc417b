using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Amendments;

/// <summary>
/// The record's author decides an amendment request (a records.amend-decide they sign): accepted, naming the new
/// version they already wrote, or declined with a sealed reason. The ledger lets exactly one decision through.
/// </summary>
public sealed class AmendmentDecisionService(MedLedgerDbContext db, LedgerRollForward rollForward, TimeProvider clock)
{
    public async Task<AmendmentResponse> DecideAsync(Caller author, Guid requestId, DecideAmendmentRequest r, CancellationToken ct)
    {
        var tx = LedgerGateway.Expect(r.Transaction, AmendDecideContract.TypeName, author.Id);
        if (tx.Get("requestId") != requestId.ToString())
        {
            throw ProblemException.Invalid("transaction", "The transaction must name the request in the path as requestId.");
        }
        // Another author's request answers like an unknown one.
        var request = await db.Set<AmendmentRequest>().AsNoTracking().FirstOrDefaultAsync(x => x.Id == requestId && x.AuthorId == author.Id, ct)
            ?? throw ProblemException.NotFound($"Amendment request {requestId}");
        if (request.Status != AmendmentKeys.Open)
        {
            throw ProblemException.Conflict($"This request was {request.Status} already.");
        }
        int? resolved = null;
        switch (tx.Get("decision"))
        {
            case AmendDecideContract.Accepted:
                if (r.Reason is not null || !int.TryParse(tx.Get("resolvedVersion"), NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                {
                    throw ProblemException.Invalid("transaction", "An acceptance names the resolving version and carries no reason.");
                }
                resolved = v;
                break;
            case AmendDecideContract.Declined:
                AmendmentNotes.Check(r.Reason, "reason", ProtocolTags.AmendmentDeclineReason, requestId.ToString(), tx.Get("reasonHash"));
                break;
            default:
                throw ProblemException.Invalid("transaction", "The decision is accepted or declined.");
        }
        await rollForward.SubmitAsync(tx, new AmendmentRows(request.Id, request.RecordId, request.PatientId, request.AuthorId, request.Version,
            clock.GetUtcNow(), r.Reason, resolved), ct);
        return AmendmentFilingService.ToResponse(await db.Set<AmendmentRequest>().AsNoTracking().SingleAsync(x => x.Id == requestId, ct));
    }
}

using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Claims;

/// <summary>
/// What follows a filed claim, each step a transaction signed on the actor's device and checked here against the claim row first
/// (a 409 before anything reaches the ledger; the contract holds the same rules, so of two racing steps one wins): insurer staff
/// decide, reverse, pay out and dismiss a dispute; the patient disputes. A payout marks the claim paying first, so concurrent
/// payouts submit once, and the journal moves the money only when the ledger committed it (<see cref="WriteRowsAsync"/>).
/// </summary>
public sealed class ClaimProgress(MedLedgerDbContext db, LedgerRollForward rollForward, LedgerGateway ledger, ClaimQueries queries, InsurancePayouts payouts,
    ClaimDocuments documents, PayableService payables, TimeProvider clock)
{
    /// <summary>The reference kind of a dispense claim's co-pay payable (reference id: the claim).</summary>
    public const string CopayKind = "copay";

    private static readonly string[] Decided = [ClaimStatus.Approved, ClaimStatus.PartlyApproved, ClaimStatus.Rejected];

    /// <summary>Insurer staff: decide, reverse or dismiss-dispute on a claim of their insurer.</summary>
    public async Task<ClaimResponse> InsurerActAsync(Caller staff, Guid claimId, string action, ClaimActionRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var claim = await OwnAsync(staff, claimId, ct);
        var tx = Expect(r, staff, claimId, action);
        switch (action)
        {
            case InsuranceClaimContract.Decide when claim.Status != ClaimStatus.Filed:
                throw Transition(claim, action);
            case InsuranceClaimContract.Decide:
                var count = await db.Set<InsuranceClaimLine>().CountAsync(l => l.ClaimId == claimId, ct);
                if (tx.Payload.Count != 2 + count || Enumerable.Range(1, count).Any(n => tx.Get(InsuranceClaimContract.DecisionPrefix + n) is null))
                {
                    throw ProblemException.Invalid("transaction", "A decision names every line once: decision.<n> = approvedMinor:reason.");
                }
                await CheckDecisionAsync(claimId, tx, ct);
                break;
            case InsuranceClaimContract.Reverse:
                RequireReason(tx, InsuranceClaimContract.DecisionReasons);
                if (!Decided.Contains(claim.Status))
                {
                    throw Transition(claim, action);
                }
                break;
            default:
                RequireReason(tx, InsuranceClaimContract.DecisionReasons);
                if (claim.Dispute?.StartsWith("open:", StringComparison.Ordinal) != true)
                {
                    throw new ProblemException(409, "claim-transition", "Not possible in this state", $"Claim {claimId} has no open dispute.");
                }
                break;
        }
        await rollForward.SubmitAsync(tx, new ClaimRows(claimId, action, clock.GetUtcNow()), ct);
        return await queries.ResponseAsync(claimId, ct);
    }

    /// <summary>
    /// Insurer staff: pay the approved total to the payee, exactly once. A claim already paid answers as it is (a retry); one being
    /// paid by a concurrent request is a 409; the contract's create-once "paid" key is the last word.
    /// </summary>
    public async Task<ClaimResponse> PayoutAsync(Caller staff, Guid claimId, ClaimActionRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var claim = await OwnAsync(staff, claimId, ct);
        if (claim.Status == ClaimStatus.Paid)
        {
            return await queries.ResponseAsync(claimId, ct);
        }
        var tx = Expect(r, staff, claimId, InsuranceClaimContract.Payout);
        if (claim.Status is not (ClaimStatus.Approved or ClaimStatus.PartlyApproved) || claim.ApprovedMinor < 1)
        {
            throw Transition(claim, InsuranceClaimContract.Payout);
        }
        if (tx.Get("amountMinor") != claim.ApprovedMinor.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            throw ProblemException.Invalid("amountMinor", $"A payout pays the approved total, {claim.ApprovedMinor}.");
        }
        var toPatient = claim.PayeeKind == InsuranceClaimContract.PayeePatient;
        await payouts.PrepareAsync(claim.InsurerOrganizationId, toPatient, claim.PayeeId, claim.Currency, ct);
        if (await db.Set<InsuranceClaim>().Where(c => c.Id == claimId && (c.Status == ClaimStatus.Approved || c.Status == ClaimStatus.PartlyApproved))
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ClaimStatus.Paying), ct) != 1)
        {
            var now = await db.Set<InsuranceClaim>().AsNoTracking().FirstAsync(c => c.Id == claimId, ct);
            return now.Status == ClaimStatus.Paid ? await queries.ResponseAsync(claimId, ct) : throw Transition(now, InsuranceClaimContract.Payout);
        }
        try
        {
            await rollForward.SubmitAsync(tx, new ClaimRows(claimId, InsuranceClaimContract.Payout, clock.GetUtcNow()), ct);
        }
        catch (ProblemException)
        {
            await db.Set<InsuranceClaim>().Where(c => c.Id == claimId && c.Status == ClaimStatus.Paying)
                .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, c => c.Decision ?? ClaimStatus.Approved), CancellationToken.None);
            throw;
        }
        return await queries.ResponseAsync(claimId, ct);
    }

    /// <summary>The patient disputes a claim in their name, once, with a reason code.</summary>
    public async Task<ClaimResponse> DisputeAsync(Caller patient, Guid claimId, ClaimActionRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var claim = await db.Set<InsuranceClaim>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == claimId && c.PatientId == patient.Id, ct)
            ?? throw ProblemException.NotFound($"Claim {claimId}");
        var tx = Expect(r, patient, claimId, InsuranceClaimContract.Dispute);
        RequireReason(tx, InsuranceClaimContract.DisputeReasons);
        if (claim.Dispute is not null || claim.Status == ClaimStatus.Filing)
        {
            throw new ProblemException(409, "claim-transition", "Not possible in this state", $"Claim {claimId} is disputed already or still being filed.");
        }
        await rollForward.SubmitAsync(tx, new ClaimRows(claimId, InsuranceClaimContract.Dispute, clock.GetUtcNow()), ct);
        return await queries.ResponseAsync(claimId, ct);
    }

    private async Task<InsuranceClaim> OwnAsync(Caller staff, Guid claimId, CancellationToken ct)
    {
        var insurer = staff.Organization;
        return await db.Set<InsuranceClaim>().AsNoTracking().FirstOrDefaultAsync(c => c.Id == claimId && c.InsurerOrganizationId == insurer, ct)
            ?? throw ProblemException.NotFound($"Claim {claimId}");
    }

    private static LedgerTransaction Expect(ClaimActionRequest r, Caller actor, Guid claimId, string action)
    {
        var tx = LedgerGateway.Expect(r.Transaction, InsuranceClaimContract.TypeName, actor.Id);
        return tx.Get("action") == action && tx.Get("claimId") == claimId.ToString()
            ? tx
            : throw ProblemException.Invalid("transaction", $"The insurance.claim must be a {action} of this claim.");
    }

    private static void RequireReason(LedgerTransaction tx, IReadOnlySet<string> reasons)
    {
        if (tx.Payload.Count != 3 || !reasons.Contains(tx.Get("reason") ?? ""))
        {
            throw ProblemException.Invalid("reason", "One of " + string.Join(", ", reasons.Order(StringComparer.Ordinal)) + ".");
        }
    }

    /// <summary>Each line's approved amount lies in 0..its payable, with a reason code unless the payable is approved in full.</summary>
    private async Task CheckDecisionAsync(Guid claimId, LedgerTransaction tx, CancellationToken ct)
    {
        var lines = await db.Set<InsuranceClaimLine>().AsNoTracking().Where(l => l.ClaimId == claimId).ToListAsync(ct);
        var v = new Validator();
        foreach (var l in lines)
        {
            var ok = tx.Get(InsuranceClaimContract.DecisionPrefix + l.Line)?.Split(':') is [var a, var reason]
                && long.TryParse(a, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var approved) && approved <= l.PayableMinor
                && (approved == l.PayableMinor && l.Outcome == InsuranceClaimContract.Eligible ? reason == "-" || InsuranceClaimContract.DecisionReasons.Contains(reason)
                    : InsuranceClaimContract.DecisionReasons.Contains(reason));
            v.Require(ok, $"decision.{l.Line}", $"Line {l.Line}: approve 0 to {l.PayableMinor}, with a reason code unless approving it in full.");
        }
        v.ThrowIfInvalid();
    }

    /// <summary>
    /// The co-pay flow: the patient owes the pharmacy the claimed amount less the insurer's eligible share (all of it when no line is
    /// eligible), issued as a payable once the ledger fixed the outcome; nothing when the share covers everything. A duplicate dispense
    /// claim (the ledger saw its tokens) bills nothing: the first claim's co-pay stands.
    /// </summary>
    private async Task IssueCopayAsync(LedgerTransaction tx, Guid claimId, long copay, CancellationToken ct)
    {
        if (copay < 1)
        {
            return;
        }
        await payables.IssueCommittedAsync(claimId, Guid.Parse(tx.Get("providerOrgId")!), Guid.Parse(tx.Get("patientId")!), CopayKind, claimId, copay, tx.Get("currency")!,
            Guid.Parse(tx.ActorId), ct);
        await db.Set<InsuranceClaim>().Where(c => c.Id == claimId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.CopayPayableId, claimId).SetProperty(c => c.CopayMinor, copay), ct);
    }

    private static ProblemException Transition(InsuranceClaim claim, string action) =>
        new(409, "claim-transition", "Not possible in this state", $"Claim {claim.Id} is {claim.Status}; it cannot {action}." +
            (claim.Status is ClaimStatus.Paid or ClaimStatus.Paying && action == InsuranceClaimContract.Reverse ? " A paid-out claim is not reversed." : ""));

    /// <summary>
    /// Writes a committed insurance.claim (inside the roll-forward's transaction, once per transaction). file: the line outcomes from
    /// the ledger state (which the contract computed) and the document links; decide: each line's decision from the state; payout:
    /// the journal entry and paid; the others flip status or dispute by a conditional update.
    /// </summary>
    internal async Task WriteRowsAsync(LedgerTransaction tx, ClaimRows rows, CancellationToken ct)
    {
        var id = rows.ClaimId;
        var key = id.ToString();
        var state = ledger.Peer.Queries;
        switch (tx.Get("action"))
        {
            case InsuranceClaimContract.File:
                var lines = await db.Set<InsuranceClaimLine>().Where(l => l.ClaimId == id).ToListAsync(ct);
                foreach (var line in lines)
                {
                    var check = InsuranceClaimContract.LineCheck.Parse(await state.GetStateAsync(InsuranceClaimKeys.Line(key, line.Line), ct));
                    line.Outcome = check?.Outcome;
                    line.PayableMinor = check?.PayableMinor ?? 0;
                }
                await db.SaveChangesAsync(ct);
                var reserved = lines.Where(l => l.Outcome == InsuranceClaimContract.Eligible).Sum(l => l.PayableMinor);
                await db.Set<InsuranceClaim>().Where(c => c.Id == id && c.Status == ClaimStatus.Filing)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ClaimStatus.Filed).SetProperty(c => c.ReservedMinor, reserved).SetProperty(c => c.UpdatedAt, rows.At), ct);
                if (rows.RecordIds is { Count: > 0 } recordIds)
                {
                    await documents.LinkAsync(id, Guid.Parse(tx.Get("insurerId")!), recordIds, ct);
                }
                db.ChangeTracker.Clear();
                if (tx.Get(InsuranceClaimContract.DispenseKey) is not null && lines.All(l => l.Outcome != InsuranceClaimContract.Duplicate))
                {
                    await IssueCopayAsync(tx, id, lines.Sum(l => l.AmountMinor) - reserved, ct);
                }
                return;
            case InsuranceClaimContract.Decide:
                var decided = await db.Set<InsuranceClaimLine>().Where(l => l.ClaimId == id).ToListAsync(ct);
                foreach (var line in decided)
                {
                    if ((await state.GetStateAsync(InsuranceClaimKeys.LineDecision(key, line.Line), ct))?.Split(':') is [var outcome, var a, var reason])
                    {
                        line.Decision = outcome;
                        line.ApprovedMinor = ClaimFiling.Ms(a);
                        line.Reason = reason == "-" ? null : reason;
                    }
                }
                await db.SaveChangesAsync(ct);
                db.ChangeTracker.Clear();
                var total = decided.Sum(l => l.ApprovedMinor);
                var status = decided.All(l => l.Decision == InsuranceClaimContract.Approved) ? ClaimStatus.Approved : total == 0 ? ClaimStatus.Rejected : ClaimStatus.PartlyApproved;
                await db.Set<InsuranceClaim>().Where(c => c.Id == id && c.Status == ClaimStatus.Filed)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, status).SetProperty(c => c.Decision, status).SetProperty(c => c.ApprovedMinor, total)
                        .SetProperty(c => c.DecideTransactionId, tx.Id).SetProperty(c => c.UpdatedAt, rows.At), ct);
                return;
            case InsuranceClaimContract.Reverse:
                var reason2 = tx.Get("reason");
                await db.Set<InsuranceClaim>().Where(c => c.Id == id && (c.Status == ClaimStatus.Approved || c.Status == ClaimStatus.PartlyApproved || c.Status == ClaimStatus.Rejected))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ClaimStatus.Reversed).SetProperty(c => c.ReverseReason, reason2).SetProperty(c => c.UpdatedAt, rows.At), ct);
                await db.Set<InsuranceClaim>().Where(c => c.Id == id && c.Dispute != null && c.Dispute.StartsWith("open:"))
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Dispute, "resolved:" + reason2), ct);
                return;
            case InsuranceClaimContract.Payout:
                var claim = await db.Set<InsuranceClaim>().AsNoTracking().FirstAsync(c => c.Id == id, ct);
                var amount = ClaimFiling.Ms(tx.Get("amountMinor"));
                await payouts.PostCommittedAsync(id, claim.InsurerOrganizationId, claim.PayeeKind == InsuranceClaimContract.PayeePatient, claim.PayeeId, amount, claim.Currency, ct);
                await db.Set<InsuranceClaim>().Where(c => c.Id == id && c.Status != ClaimStatus.Paid)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Status, ClaimStatus.Paid).SetProperty(c => c.PaidMinor, amount).SetProperty(c => c.PayoutTransactionId, tx.Id)
                        .SetProperty(c => c.UpdatedAt, rows.At), ct);
                return;
            case InsuranceClaimContract.Dispute:
                await db.Set<InsuranceClaim>().Where(c => c.Id == id && c.Dispute == null)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Dispute, "open:" + tx.Get("reason")).SetProperty(c => c.UpdatedAt, rows.At), ct);
                return;
            default:
                await db.Set<InsuranceClaim>().Where(c => c.Id == id)
                    .ExecuteUpdateAsync(s => s.SetProperty(c => c.Dispute, "dismissed:" + tx.Get("reason")).SetProperty(c => c.UpdatedAt, rows.At), ct);
                return;
        }
    }
}

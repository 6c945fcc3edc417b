namespace MedLedger.Client;

/// <summary>The signed-in insurer's claims in one currency: counts by status, amounts and the approval rate (decided claims approved in full or part).</summary>
public sealed record InsurerClaimFigures(
    Guid InsurerId, string Currency, int Claims, int AwaitingDecision, int Approved, int PartlyApproved, int Rejected, int Reversed, int Paid,
    int Disputed, long ClaimedMinor, long ApprovedMinor, long PaidMinor, double? ApprovalRate);

/// <summary>Thrown before anything is shared when a claim's documents cannot be sealed for its insurer.</summary>
public sealed class ClaimDocumentsException(string message) : Exception(message);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// The patient seals a claim's attached documents for the claim's insurer: for each staff member of that insurer whose identity
    /// card an admin verified (role insurer staff, organization = the claim's insurer), a consent grant scoped to exactly these
    /// records (purpose "insurance-claim"), the data keys wrapped here for that member's ledger-registered key. The claim link
    /// (written when the claim committed) plus the grant is what lets the insurer's staff open them; another insurer has neither.
    /// Only records the claim lists are shared (the server cannot widen the set); staff already holding such a grant are skipped.
    /// Returns the staff members the documents are sealed for.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> SealClaimDocumentsForInsurerAsync(Guid claimId, IReadOnlyList<Guid>? recordIds = null, CancellationToken ct = default)
    {
        var me = Tokens?.User ?? throw new InvalidOperationException("Sign in first.");
        if (me.Role != Role.Patient)
        {
            throw new ClaimDocumentsException("Only the claim's patient can seal its documents for the insurer (a consent grant is the patient's to sign).");
        }
        var claim = await ClaimAsync(claimId, ct);
        if (claim.Id != claimId || claim.PatientId != me.Id)
        {
            throw new ClaimDocumentsException($"The server answered another claim than {claimId}, or one not in your name; nothing was shared.");
        }
        var ids = (recordIds ?? claim.RecordIds).Distinct().ToList();
        if (ids.Count == 0 || ids.Any(id => !claim.RecordIds.Contains(id)))
        {
            throw new ClaimDocumentsException($"Claim {claimId} has no such documents attached; nothing was shared.");
        }
        return await SealForVerifiedInsurerStaffAsync(claim.InsurerOrganizationId, ids, "insurance-claim", ct);
    }

    /// <summary>Insurer staff: your insurer's claim figures, one entry per currency (none before the first claim).</summary>
    public Task<IReadOnlyList<InsurerClaimFigures>> InsurerFiguresAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<InsurerClaimFigures>>(HttpMethod.Get, "/api/insurance/insurer/figures", null, authorize: true, ct);
}

namespace MedLedger.Client;

/// <summary>One record attached to an application: whether the patient kept it past the decision and whether it opens to the insurer now.</summary>
public sealed record ApplicationDocumentView(Guid RecordId, bool KeptAfterDecision, bool Open);

/// <summary>An application's attached records as its insurer's staff see them.</summary>
public sealed record ApplicationDocumentsView(Guid ApplicationId, Guid PatientId, string Status, IReadOnlyList<ApplicationDocumentView> Documents);

public sealed partial class MedLedgerClient
{
    /// <summary>
    /// Patient: attaches your own records to your application (docs/insurance.md "Application documents") and seals them for the
    /// plan's insurer at once: the server links the ids; for each staff member of that insurer whose identity card an admin verified
    /// (by the admin's own signature), a consent grant scoped to exactly these records, purpose "insurance-application", the data keys
    /// wrapped here. <paramref name="keepAfterDecision"/>: the link keeps opening them after the application is decided (by default
    /// it stops then). Returns the staff members the documents are sealed for.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> AttachApplicationDocumentsAsync(Guid applicationId, IReadOnlyList<Guid> recordIds, bool keepAfterDecision = false,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(recordIds);
        var application = await SendAsync<InsuranceApplicationView>(HttpMethod.Post, $"/api/insurance/applications/{applicationId}/documents",
            new { recordIds, keepAfterDecision }, authorize: true, ct);
        return await SealApplicationDocumentsForInsurerAsync(application, recordIds, ct);
    }

    /// <summary>
    /// Patient: seals an application's attached records for its insurer's verified staff who lack a grant covering them (staff who
    /// joined since are granted now). Only records the application lists are shared.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> SealApplicationDocumentsForInsurerAsync(Guid applicationId, CancellationToken ct = default)
    {
        var application = (await MyInsuranceApplicationsAsync(ct)).FirstOrDefault(a => a.Id == applicationId)
            ?? throw new ClaimDocumentsException($"Application {applicationId} is not one of yours; nothing was shared.");
        return await SealApplicationDocumentsForInsurerAsync(application, application.RecordIds ?? [], ct);
    }

    private async Task<IReadOnlyList<Guid>> SealApplicationDocumentsForInsurerAsync(InsuranceApplicationView application, IReadOnlyList<Guid> recordIds, CancellationToken ct)
    {
        var me = Tokens?.User ?? throw new InvalidOperationException("Sign in first.");
        if (me.Role != Role.Patient || application.PatientId != me.Id)
        {
            throw new ClaimDocumentsException("Only the application's patient can seal its documents for the insurer (a consent grant is the patient's to sign).");
        }
        var ids = recordIds.Distinct().ToList();
        if (ids.Count == 0 || ids.Any(id => application.RecordIds?.Contains(id) != true))
        {
            throw new ClaimDocumentsException($"Application {application.Id} has no such documents attached; nothing was shared.");
        }
        return await SealForVerifiedInsurerStaffAsync(application.InsurerOrganizationId, ids, "insurance-application", ct);
    }

    /// <summary>
    /// Patient: grants every verified staff member of the insurers of your claims and applications who lacks a grant for their
    /// attached documents (staff who joined the insurer after you sealed). Claims: all with documents; applications: those whose
    /// documents still open (awaiting a decision, or kept). Returns how many grants were made. Call it at sign-in or before sealing.
    /// </summary>
    public async Task<int> SealInsuranceDocumentsForNewStaffAsync(CancellationToken ct = default)
    {
        var me = Tokens?.User ?? throw new InvalidOperationException("Sign in first.");
        if (me.Role != Role.Patient)
        {
            return 0;
        }
        var before = (await GrantsAsync(ct)).Count(g => g.Active);
        // Claims checked against their file receipts only: the insurer they name is the ledger's word, not the server's.
        foreach (var claim in (await MyClaimsAsync(ct)).Claims.Where(c => c.Verified && c.Claim.RecordIds.Count > 0 && c.Claim.PatientId == me.Id))
        {
            try
            {
                await SealForVerifiedInsurerStaffAsync(claim.Claim.InsurerOrganizationId, claim.Claim.RecordIds, "insurance-claim", ct);
            }
            catch (ClaimDocumentsException)
            {
                // An insurer with no verified staff: nothing to seal for yet.
            }
        }
        foreach (var application in (await MyInsuranceApplicationsAsync(ct)).Where(a => a.RecordIds is { Count: > 0 } && a.Status is "submitted" or "accepting"))
        {
            try
            {
                await SealForVerifiedInsurerStaffAsync(application.InsurerOrganizationId, application.RecordIds!, "insurance-application", ct);
            }
            catch (ClaimDocumentsException)
            {
                // As above.
            }
        }
        return (await GrantsAsync(ct)).Count(g => g.Active) - before;
    }

    /// <summary>Insurer staff: the records attached to one of your insurer's applications (open each with <see cref="OpenRecordAsync"/>).</summary>
    public Task<ApplicationDocumentsView> InsurerApplicationDocumentsAsync(Guid applicationId, CancellationToken ct = default) =>
        SendAsync<ApplicationDocumentsView>(HttpMethod.Get, $"/api/insurance/insurer/applications/{applicationId}/documents", null, authorize: true, ct);

    /// <summary>
    /// For each staff member of <paramref name="insurerId"/> whose identity card an admin verified by their own signature (role insurer
    /// staff, that organization), a consent grant scoped to exactly <paramref name="recordIds"/> unless one already covers them.
    /// </summary>
    private async Task<IReadOnlyList<Guid>> SealForVerifiedInsurerStaffAsync(Guid insurerId, IReadOnlyList<Guid> recordIds, string purpose, CancellationToken ct)
    {
        var items = recordIds.Distinct().Select(id => id.ToString()).ToList();
        var grants = await GrantsAsync(ct);
        var sealedFor = new List<Guid>();
        foreach (var p in await SendAsync<IReadOnlyList<DirectoryProfessionalInfo>>(HttpMethod.Get, $"/api/organizations/{insurerId}/professionals", null, authorize: true, ct))
        {
            if (p.Role != Role.InsurerStaff)
            {
                continue;
            }
            // The directory is the server's word; the card verified by an admin's own signature is the ledger's.
            var card = await IdentityCardAsync(p.UserId, ct);
            if (!card.Verified || card.Card.Role != Role.InsurerStaff || card.Card.OrganizationId != insurerId)
            {
                continue;
            }
            if (!grants.Any(g => g.Active && g.GranteeId == p.UserId && (g.Scope == ConsentScope.All || (g.Scope == ConsentScope.Records && items.All(g.Items.Contains)))))
            {
                await GrantConsentAsync(p.UserId, ConsentScope.Records, items, purpose, ct: ct);
            }
            sealedFor.Add(p.UserId);
        }
        return sealedFor.Count > 0
            ? sealedFor
            : throw new ClaimDocumentsException($"Insurer {insurerId} has no staff member an admin verified: the documents were not shared.");
    }
}

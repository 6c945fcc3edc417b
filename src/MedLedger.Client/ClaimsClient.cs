using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

public sealed record ClaimLineView(int Line, string Tag, long AmountMinor, DateTimeOffset ServiceDate, string Token, string? Outcome, long PayableMinor, string? Decision,
    long ApprovedMinor, string? Reason);

public sealed record ClaimView(Guid Id, Guid PolicyId, Guid PatientId, Guid InsurerOrganizationId, Guid? ProviderOrganizationId, Guid FiledBy, string PayeeKind, Guid PayeeId,
    string Currency, string? DocumentsHash, string Status, long ClaimedMinor, long ReservedMinor, long ApprovedMinor, long PaidMinor, string? Dispute, string? ReverseReason,
    IReadOnlyList<Guid> RecordIds, IReadOnlyList<ClaimLineView> Lines, string FileTransactionId, DateTimeOffset FiledAt, DateTimeOffset UpdatedAt, LedgerReceipt? FileReceipt,
    string? Dispense = null, long CopayMinor = 0, Guid? CopayPayableId = null);

/// <summary>One line to claim: the category (turned into the policy's tag on this device), the amount and the day of the care.</summary>
public sealed record NewClaimLine(string Category, long AmountMinor, DateTimeOffset ServiceDate);

/// <summary>The insurer's decision of one line: 0 to the line's payable, with a reason code unless approving the payable in full.</summary>
public sealed record ClaimLineDecision(long ApprovedMinor, string? Reason = null);

/// <summary>A claim in the patient's name as their client checked it: <see cref="Problems"/> is empty when the file receipt verified and matched.</summary>
public sealed record CheckedClaim(ClaimView Claim, IReadOnlyList<string> Problems)
{
    public bool Verified => Problems.Count == 0;
}

/// <summary>
/// The patient's claims: each checked against its ledger receipt, and <see cref="OnLedgerNotListed"/>: claim ids the ledger's
/// "transactions that name me" shows filed in the patient's name but the server's list left out.
/// </summary>
public sealed record MyClaims(IReadOnlyList<CheckedClaim> Claims, IReadOnlyList<Guid> OnLedgerNotListed);

public sealed partial class MedLedgerClient
{
    // ---------- filers: a provider's professional (with the patient's shared card) or the patient ----------

    /// <summary>
    /// Files a claim signed here. The categories become the policy's benefit tags on this device (from the card the patient shared
    /// with you, or your own policy's card), and each line's one-time token is computed from the filer (your organization, or you as
    /// the patient), <paramref name="referenceId"/> (the encounter, dispense or receipt being billed) and the line number: billing the
    /// same care again gives the same tokens, which the ledger flags as duplicate. Documents: records of the patient you can read,
    /// with the version you attach.
    /// </summary>
    public Task<ClaimView> FileClaimAsync(Guid policyId, string referenceId, IReadOnlyList<NewClaimLine> lines, bool payToPatient = false,
        IReadOnlyList<(Guid RecordId, int Version)>? documents = null, string? idempotencyKey = null, CancellationToken ct = default) =>
        FileAsync(policyId, referenceId, lines, payToPatient, documents, idempotencyKey, dispense: null, ct);

    /// <summary>
    /// The pharmacy co-pay flow (the patient pays with insurance): files the claim for one of your pharmacy's fills of a prescription,
    /// category Pharmacy, <paramref name="amountMinor"/> being the dispense's price, service date the fill's time, paid to your
    /// pharmacy. The claim names the dispense ("prescriptionId/fillNumber"), so the ledger accepts it only for a fill your pharmacy made
    /// for that patient, and its token is the dispense's own: it is claimed once. The Idempotency-Key is derived from the dispense, so a
    /// retry (or a second click) answers with the same claim. The answer's <see cref="ClaimView.CopayMinor"/> is what the patient owes
    /// (their payable <see cref="ClaimView.CopayPayableId"/>): the price less the insurer's eligible share, all of it when the line is not
    /// eligible (not covered, waiting period, limit reached, outside cover).
    /// </summary>
    public async Task<ClaimView> FileDispenseClaimAsync(Guid prescriptionId, int fillNumber, Guid policyId, long amountMinor, CancellationToken ct = default)
    {
        var pharmacy = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Only a pharmacist of a pharmacy files for a dispense.");
        var rx = await PrescriptionAsync(prescriptionId, ct);
        var fill = rx.Info.Fills.FirstOrDefault(f => f.FillNumber == fillNumber && f.PharmacyId == pharmacy)
            ?? throw new PrescriptionCheckException($"Fill {fillNumber} of prescription {prescriptionId} was not dispensed at your pharmacy.");
        var dispense = InsuranceClaimContract.DispenseReference(prescriptionId, fillNumber);
        return await FileAsync(policyId, dispense, [new NewClaimLine(nameof(CoverCategory.Pharmacy), amountMinor, fill.DispensedAt)], payToPatient: false, documents: null,
            idempotencyKey: "dispense-claim:" + dispense, dispense, ct);
    }

    private async Task<ClaimView> FileAsync(Guid policyId, string referenceId, IReadOnlyList<NewClaimLine> lines, bool payToPatient,
        IReadOnlyList<(Guid RecordId, int Version)>? documents, string? idempotencyKey, string? dispense, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var me = Tokens?.User ?? throw new InvalidOperationException("Sign in first.");
        PolicyCard card;
        Guid patientId;
        if (me.Role == Role.Patient)
        {
            var mine = await MyPolicyAsync(policyId, ct);
            (card, patientId) = (mine.Card, me.Id);
        }
        else
        {
            var share = (await PoliciesSharedWithMeAsync(ct)).FirstOrDefault(s => s.PolicyId == policyId)
                ?? throw new PolicyCheckException($"No patient shared policy {policyId} with you.");
            (card, patientId) = (PolicyCard.Open(share.SealedCard, keys.Encryption, policyId), share.PatientId);
        }
        // The plan is public: it names the insurer and the currency.
        var plan = await InsurancePlanAsync(card.PlanId, ct);
        var provider = me.Role == Role.Patient ? (Guid?)null : me.OrganizationId ?? throw new InvalidOperationException("A professional files for their organization.");
        var filer = provider ?? me.Id;
        var payload = new Dictionary<string, string>
        {
            ["action"] = InsuranceClaimContract.File, ["claimId"] = Guid.NewGuid().ToString(), ["policyId"] = policyId.ToString(), ["patientId"] = patientId.ToString(),
            ["insurerId"] = plan.InsurerOrganizationId.ToString(), ["currency"] = plan.Currency, ["lineCount"] = N(lines.Count),
            ["payeeKind"] = provider is null || payToPatient ? InsuranceClaimContract.PayeePatient : InsuranceClaimContract.PayeeOrganization,
            ["payeeId"] = provider is null || payToPatient ? patientId.ToString() : provider.Value.ToString(),
        };
        if (provider is { } org)
        {
            payload["providerOrgId"] = org.ToString();
        }
        if (documents is { Count: > 0 })
        {
            payload["documentsHash"] = InsuranceClaimTokens.DocumentsHash(documents);
        }
        if (dispense is not null)
        {
            payload[InsuranceClaimContract.DispenseKey] = dispense;
        }
        for (var n = 1; n <= lines.Count; n++)
        {
            var l = lines[n - 1];
            var tag = card.Tags.TryGetValue(l.Category, out var t) ? t : throw new PolicyCheckException($"Policy {policyId}'s plan does not cover {l.Category}.");
            payload[InsuranceClaimContract.LinePrefix + N(n)] =
                new InsuranceClaimContract.ClaimLine(n, tag, l.AmountMinor, l.ServiceDate.ToUnixTimeMilliseconds(), InsuranceClaimTokens.Token(filer, referenceId, n)).Value;
        }
        return await SendAsync<ClaimView>(HttpMethod.Post, "/api/insurance/claims",
            new { transaction = Sign(NewTransaction(InsuranceClaimContract.TypeName, payload)), recordIds = documents?.Select(d => d.RecordId).ToList() },
            authorize: true, ct, idempotencyKey: idempotencyKey ?? Guid.NewGuid().ToString("N"));
    }

    /// <summary>A provider's staff: your organization's claims (a patient: the claims in your name, unchecked; prefer <see cref="MyClaimsAsync"/>).</summary>
    public Task<IReadOnlyList<ClaimView>> ClaimsAsync(string? status = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<ClaimView>>(HttpMethod.Get, "/api/insurance/claims" + (status is null ? "" : $"?status={Uri.EscapeDataString(status)}"), null, authorize: true, ct);

    public Task<ClaimView> ClaimAsync(Guid claimId, CancellationToken ct = default) =>
        SendAsync<ClaimView>(HttpMethod.Get, $"/api/insurance/claims/{claimId}", null, authorize: true, ct);

    // ---------- the patient ----------

    /// <summary>
    /// Every claim in your name, each only on the ledger's word: its file receipt verifies (signed head, inclusion) and is the
    /// insurance.claim file the server names; it names you, the policy, insurer, currency and exactly the lines shown (tags,
    /// amounts, service dates, tokens). A claim failing any of it is listed with its problems (billing you never saw stands out).
    /// Claims the ledger's "transactions that name me" shows but the list leaves out are returned too. What stays the server's
    /// word: statuses and decisions after filing, and a claim it hides from both lists (clients cannot prove absence).
    /// </summary>
    public async Task<MyClaims> MyClaimsAsync(CancellationToken ct = default)
    {
        var me = Tokens?.User ?? throw new InvalidOperationException("Sign in first.");
        var claims = await SendAsync<IReadOnlyList<ClaimView>>(HttpMethod.Get, "/api/insurance/my-claims", null, authorize: true, ct);
        var checkedClaims = new List<CheckedClaim>();
        foreach (var c in claims)
        {
            checkedClaims.Add(new CheckedClaim(c, await ClaimProblemsAsync(c, me.Id, ct)));
        }
        var listed = claims.Select(c => c.Id.ToString()).ToHashSet(StringComparer.Ordinal);
        var onLedger = (await MyLedgerEntriesAsync(500, ct))
            .Where(e => e.Type == InsuranceClaimContract.TypeName && e.Valid && e.Payload.GetValueOrDefault("action") == InsuranceClaimContract.File
                        && e.Payload.GetValueOrDefault("patientId") == me.Id.ToString() && !listed.Contains(e.Payload.GetValueOrDefault("claimId") ?? ""))
            .Select(e => Guid.Parse(e.Payload["claimId"])).Distinct().ToList();
        return new MyClaims(checkedClaims, onLedger);
    }

    private async Task<IReadOnlyList<string>> ClaimProblemsAsync(ClaimView c, Guid me, CancellationToken ct)
    {
        if (c.FileReceipt is not { } receipt)
        {
            return [$"The server sent claim {c.Id} without the receipt of its filing."];
        }
        try
        {
            await VerifyReceiptAsync(receipt, ct);
        }
        catch (MedLedgerVerificationException e)
        {
            return [$"Claim {c.Id}'s receipt does not verify: {e.Message}"];
        }
        var tx = receipt.Transaction();
        var problems = new List<string>();
        if (tx.Id != c.FileTransactionId || tx.Type != InsuranceClaimContract.TypeName || tx.Get("action") != InsuranceClaimContract.File || tx.Get("claimId") != c.Id.ToString())
        {
            return [$"Claim {c.Id}'s receipt is not its insurance.claim file."];
        }
        if (tx.Get("patientId") != me.ToString() || c.PatientId != me)
        {
            problems.Add($"Claim {c.Id} on the ledger is not in your name.");
        }
        if (tx.Get("policyId") != c.PolicyId.ToString() || tx.Get("insurerId") != c.InsurerOrganizationId.ToString() || tx.Get("currency") != c.Currency
            || tx.Get("providerOrgId") != c.ProviderOrganizationId?.ToString() || tx.Get("payeeId") != c.PayeeId.ToString() || tx.Get("documentsHash") != c.DocumentsHash
            || tx.Get(InsuranceClaimContract.DispenseKey) != c.Dispense)
        {
            problems.Add($"Claim {c.Id}'s policy, insurer, provider, payee, currency, documents or dispense differ from the ledger's.");
        }
        var lines = InsuranceClaimContract.Lines(tx) ?? [];
        var shown = c.Lines.Select(l => new InsuranceClaimContract.ClaimLine(l.Line, l.Tag, l.AmountMinor, l.ServiceDate.ToUnixTimeMilliseconds(), l.Token)).ToList();
        if (!lines.SequenceEqual(shown) || c.ClaimedMinor != lines.Sum(l => l.AmountMinor))
        {
            problems.Add($"Claim {c.Id}'s lines (amounts, dates, tags or tokens) differ from the ledger's.");
        }
        return problems;
    }

    /// <summary>The patient disputes a claim in their name: care-not-received, amount-wrong, duplicate-billing or other.</summary>
    public Task<ClaimView> DisputeClaimAsync(Guid claimId, string reason, CancellationToken ct = default) =>
        ClaimActionAsync($"/api/insurance/my-claims/{claimId}/dispute", claimId, InsuranceClaimContract.Dispute, new() { ["reason"] = reason }, ct);

    // ---------- insurer staff ----------

    public Task<IReadOnlyList<ClaimView>> InsurerClaimsAsync(string? status = null, bool disputedOnly = false, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (status is not null)
        {
            query.Add("status=" + Uri.EscapeDataString(status));
        }
        if (disputedOnly)
        {
            query.Add("disputed=true");
        }
        return SendAsync<IReadOnlyList<ClaimView>>(HttpMethod.Get, "/api/insurance/insurer/claims" + (query.Count == 0 ? "" : "?" + string.Join('&', query)), null, authorize: true, ct);
    }

    public Task<ClaimView> InsurerClaimAsync(Guid claimId, CancellationToken ct = default) =>
        SendAsync<ClaimView>(HttpMethod.Get, $"/api/insurance/insurer/claims/{claimId}", null, authorize: true, ct);

    /// <summary>Decides every line (in line order), signed here.</summary>
    public Task<ClaimView> DecideClaimAsync(Guid claimId, IReadOnlyList<ClaimLineDecision> decisions, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        var extra = new Dictionary<string, string>();
        for (var n = 1; n <= decisions.Count; n++)
        {
            extra[InsuranceClaimContract.DecisionPrefix + N(n)] = $"{N(decisions[n - 1].ApprovedMinor)}:{decisions[n - 1].Reason ?? "-"}";
        }
        return ClaimActionAsync($"/api/insurance/insurer/claims/{claimId}/decide", claimId, InsuranceClaimContract.Decide, extra, ct);
    }

    /// <summary>Approves every eligible line's payable in full and rejects the others with their automatic outcome as the reason.</summary>
    public async Task<ClaimView> ApproveClaimAsync(Guid claimId, CancellationToken ct = default)
    {
        var claim = await InsurerClaimAsync(claimId, ct);
        return await DecideClaimAsync(claimId, claim.Lines.Select(l => l.Outcome == InsuranceClaimContract.Eligible
            ? new ClaimLineDecision(l.PayableMinor)
            : new ClaimLineDecision(0, l.Outcome ?? "other")).ToList(), ct);
    }

    public Task<ClaimView> ReverseClaimAsync(Guid claimId, string reason, CancellationToken ct = default) =>
        ClaimActionAsync($"/api/insurance/insurer/claims/{claimId}/reverse", claimId, InsuranceClaimContract.Reverse, new() { ["reason"] = reason }, ct);

    public Task<ClaimView> DismissClaimDisputeAsync(Guid claimId, string reason, CancellationToken ct = default) =>
        ClaimActionAsync($"/api/insurance/insurer/claims/{claimId}/dismiss-dispute", claimId, InsuranceClaimContract.DismissDispute, new() { ["reason"] = reason }, ct);

    /// <summary>Pays the approved total out, signed here; a retry of a paid claim answers with it as it is (paid once).</summary>
    public async Task<ClaimView> PayOutClaimAsync(Guid claimId, CancellationToken ct = default)
    {
        var claim = await InsurerClaimAsync(claimId, ct);
        return await ClaimActionAsync($"/api/insurance/insurer/claims/{claimId}/payout", claimId, InsuranceClaimContract.Payout, new() { ["amountMinor"] = N(claim.ApprovedMinor) }, ct);
    }

    private Task<ClaimView> ClaimActionAsync(string url, Guid claimId, string action, Dictionary<string, string> extra, CancellationToken ct)
    {
        var payload = new Dictionary<string, string>(extra) { ["action"] = action, ["claimId"] = claimId.ToString() };
        return SendAsync<ClaimView>(HttpMethod.Post, url, new { transaction = Sign(NewTransaction(InsuranceClaimContract.TypeName, payload)) }, authorize: true, ct);
    }
}

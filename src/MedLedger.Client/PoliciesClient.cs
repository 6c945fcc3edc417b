using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

// Insurance applications and policies (docs/insurance.md "Applications and policies"): the insurer's client signs
// insurance.policy over the plan's terms and seals the policy card (the key to the benefit tags); the patient's and the
// insurer's clients accept a policy only on the ledger's word (the issue receipt checked against terms and card).

public sealed record InsuranceApplicationView(Guid Id, Guid PatientId, Guid PlanId, Guid InsurerOrganizationId, DateOnly PeriodStart, string Status, string? DeclineReason,
    Guid? PolicyId, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt, IReadOnlyList<Guid>? RecordIds = null);

/// <summary>A policy as the server returns it; <see cref="MedLedgerClient.MyPolicyAsync"/> and <see cref="MedLedgerClient.InsurerPolicyAsync"/> check it against the ledger.</summary>
public sealed record PolicyView(Guid Id, Guid? ApplicationId, Guid PatientId, Guid InsurerOrganizationId, Guid PlanId, int PlanRevision, byte[] Terms, string TermsHash,
    DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, DateTimeOffset? CoverStart, string Currency, long PremiumMinor, long AnnualLimitMinor, string Status,
    string? SuspendReason, Guid? PreviousPolicyId, byte[] SealedCard, string IssueTransactionId, DateTimeOffset IssuedAt, DateTimeOffset UpdatedAt, LedgerReceipt? Receipt);

/// <summary>A policy checked against its issue on the ledger, with the terms it pins and the opened policy card.</summary>
public sealed record VerifiedPolicy(PolicyView Policy, PlanTerms Terms, PolicyCard Card, LedgerTransaction Issue);

public sealed record PolicyShareView(Guid Id, Guid PolicyId, Guid PatientId, Guid GranteeId, byte[] SealedCard, DateTimeOffset CreatedAt);

/// <summary>Whether a benefit tag covers a date, as the ledger's policy state says (the category never reaches the server).</summary>
public sealed record EligibilityView(Guid PolicyId, string Tag, DateOnly Date, string Status, bool Covered, bool WaitingPeriodPassed, long RemainingForTagMinor,
    long RemainingOverallMinor, string Currency);

/// <summary>Why this client will not accept or trust a policy: something does not hold up.</summary>
public sealed class PolicyCheckException(string message) : Exception(message);

public sealed partial class MedLedgerClient
{
    // ---------- patient ----------

    /// <summary>Patient: applies for a plan with cover from <paramref name="periodStart"/> for a year; the same plan and period again returns the first application.</summary>
    public Task<InsuranceApplicationView> ApplyForInsuranceAsync(Guid planId, DateOnly periodStart, string? idempotencyKey = null, CancellationToken ct = default) =>
        SendAsync<InsuranceApplicationView>(HttpMethod.Post, "/api/insurance/applications", new { planId, periodStart }, authorize: true, ct,
            idempotencyKey: idempotencyKey ?? Guid.NewGuid().ToString());

    public Task<IReadOnlyList<InsuranceApplicationView>> MyInsuranceApplicationsAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<InsuranceApplicationView>>(HttpMethod.Get, "/api/insurance/applications", null, authorize: true, ct);

    /// <summary>Patient: your policies as the server lists them (open one with <see cref="MyPolicyAsync"/> to check it against the ledger).</summary>
    public Task<IReadOnlyList<PolicyView>> MyPoliciesAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<PolicyView>>(HttpMethod.Get, "/api/insurance/policies", null, authorize: true, ct);

    /// <summary>Patient: one of your policies, checked against its issue receipt (names you) and with your policy card opened.</summary>
    public async Task<VerifiedPolicy> MyPolicyAsync(Guid policyId, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var view = await SendAsync<PolicyView>(HttpMethod.Get, $"/api/insurance/policies/{policyId}", null, authorize: true, ct);
        var verified = await VerifyPolicyAsync(view, keys.Encryption, ct);
        return verified.Policy.PatientId == UserId ? verified : throw new PolicyCheckException($"Policy {policyId} is not yours.");
    }

    /// <summary>
    /// Patient: shares your policy card with a verified doctor, hospital staff member or pharmacist (sealed for their
    /// ledger-registered key), so they can check eligibility for a category without the server learning which.
    /// </summary>
    public async Task<PolicyShareView> SharePolicyCardAsync(Guid policyId, Guid professionalId, CancellationToken ct = default)
    {
        var policy = await MyPolicyAsync(policyId, ct);
        var keys = await GetVerifiedPublicKeysAsync(professionalId, ct);
        return await SendAsync<PolicyShareView>(HttpMethod.Post, $"/api/insurance/policies/{policyId}/shares",
            new { granteeId = professionalId, sealedCard = policy.Card.SealFor(keys.EncryptionPublicKey) }, authorize: true, ct);
    }

    // ---------- hospital and pharmacy professionals ----------

    public Task<IReadOnlyList<PolicyShareView>> PoliciesSharedWithMeAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<PolicyShareView>>(HttpMethod.Get, "/api/insurance/shared-policies", null, authorize: true, ct);

    /// <summary>
    /// Professional: opens the card a patient shared with you, computes the category's tag here and asks whether it covers
    /// <paramref name="date"/> (the server sees only the tag). A category the plan does not cover is a <see cref="PolicyCheckException"/>.
    /// </summary>
    public async Task<EligibilityView> CheckEligibilityAsync(Guid policyId, string category, DateOnly date, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var share = (await PoliciesSharedWithMeAsync(ct)).FirstOrDefault(s => s.PolicyId == policyId)
            ?? throw new PolicyCheckException($"No patient shared policy {policyId} with you.");
        var card = PolicyCard.Open(share.SealedCard, keys.Encryption, policyId);
        var tag = card.Tags.TryGetValue(category, out var t) ? t : throw new PolicyCheckException($"Policy {policyId}'s plan does not cover {category}.");
        return await EligibilityAsync(policyId, tag, date, ct);
    }

    /// <summary>Professional: eligibility of one benefit tag (from a card you opened) on a date.</summary>
    public Task<EligibilityView> EligibilityAsync(Guid policyId, string tag, DateOnly date, CancellationToken ct = default) =>
        SendAsync<EligibilityView>(HttpMethod.Get,
            $"/api/insurance/policies/{policyId}/eligibility?tag={Uri.EscapeDataString(tag)}&date={date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}", null, authorize: true, ct);

    // ---------- insurer staff ----------

    public Task<IReadOnlyList<InsuranceApplicationView>> InsurerApplicationsAsync(string? status = null, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<InsuranceApplicationView>>(HttpMethod.Get, "/api/insurance/insurer/applications" + (status is null ? "" : $"?status={Uri.EscapeDataString(status)}"),
            null, authorize: true, ct);

    public Task<InsuranceApplicationView> DeclineApplicationAsync(Guid applicationId, string reason, CancellationToken ct = default) =>
        SendAsync<InsuranceApplicationView>(HttpMethod.Post, $"/api/insurance/insurer/applications/{applicationId}/decline", new { reason }, authorize: true, ct);

    /// <summary>
    /// Insurer staff: accepts a submitted application. Reads the plan's terms now, draws the policy card (random category salt,
    /// one tag per category), signs insurance.policy issue over them and seals the card for the patient's ledger-registered key
    /// and for yourself. The returned policy is checked against its issue receipt.
    /// </summary>
    public async Task<VerifiedPolicy> AcceptApplicationAsync(Guid applicationId, CancellationToken ct = default)
    {
        var application = (await InsurerApplicationsAsync(null, ct)).FirstOrDefault(a => a.Id == applicationId)
            ?? throw new PolicyCheckException($"Application {applicationId} is not one of your insurer's.");
        var start = new DateTimeOffset(application.PeriodStart.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return await IssuePolicyAsync($"/api/insurance/insurer/applications/{applicationId}/accept", InsurancePolicyContract.Issue, application.PatientId, application.PlanId,
            start, null, ct);
    }

    public Task<IReadOnlyList<PolicyView>> InsurerPoliciesAsync(CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<PolicyView>>(HttpMethod.Get, "/api/insurance/insurer/policies", null, authorize: true, ct);

    /// <summary>Insurer staff: one of your insurer's policies, checked against its issue receipt, with the insurer's copy of the card opened.</summary>
    public async Task<VerifiedPolicy> InsurerPolicyAsync(Guid policyId, CancellationToken ct = default)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var view = await SendAsync<PolicyView>(HttpMethod.Get, $"/api/insurance/insurer/policies/{policyId}", null, authorize: true, ct);
        return await VerifyPolicyAsync(view, keys.Encryption, ct);
    }

    /// <summary>Insurer staff: suspends an active policy with a reason code (premium-unpaid, fraud-suspected, patient-request, other).</summary>
    public Task<PolicyView> SuspendPolicyAsync(Guid policyId, string reason, CancellationToken ct = default) =>
        ChangePolicyAsync(policyId, InsurancePolicyContract.Suspend, reason, ct);

    public Task<PolicyView> ReinstatePolicyAsync(Guid policyId, CancellationToken ct = default) =>
        ChangePolicyAsync(policyId, InsurancePolicyContract.Reinstate, null, ct);

    /// <summary>
    /// Insurer staff: marks a pending policy's premium paid (paid outside the wallet), signed here as an insurance.policy activate
    /// whose cover starts at the later of the period start and now. A policy already active is returned as it is.
    /// </summary>
    public async Task<PolicyView> MarkPremiumPaidAsync(Guid policyId, CancellationToken ct = default)
    {
        var policy = (await InsurerPolicyAsync(policyId, ct)).Policy;
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        // The cover start is the later of the period start and the mark's signed time (the server checks both agree).
        var at = LedgerTransaction.NowMs();
        var payload = new Dictionary<string, string>
        {
            ["action"] = InsurancePolicyContract.Activate, ["policyId"] = policyId.ToString(),
            ["coverStartMs"] = Math.Max(policy.PeriodStart.ToUnixTimeMilliseconds(), at).ToString(CultureInfo.InvariantCulture),
        };
        var signed = LedgerTransaction.Create(InsurancePolicyContract.TypeName, UserId.ToString(), LedgerTransaction.RandomNonce(), at, payload, keys.Signing.PublicKey, keys.Signing.Sign);
        return await SendAsync<PolicyView>(HttpMethod.Post, $"/api/insurance/insurer/policies/{policyId}/mark-paid", new { transaction = Sign(signed) }, authorize: true, ct);
    }

    /// <summary>Insurer staff: issues the next period's policy of an active one, under the plan's terms now; the previous becomes renewed.</summary>
    public async Task<VerifiedPolicy> RenewPolicyAsync(Guid policyId, CancellationToken ct = default)
    {
        var previous = await InsurerPolicyAsync(policyId, ct);
        return await IssuePolicyAsync($"/api/insurance/insurer/policies/{policyId}/renew", InsurancePolicyContract.Renew, previous.Policy.PatientId, previous.Policy.PlanId,
            previous.Policy.PeriodEnd, policyId, ct);
    }

    private async Task<PolicyView> ChangePolicyAsync(Guid policyId, string action, string? reason, CancellationToken ct)
    {
        var payload = new Dictionary<string, string> { ["action"] = action, ["policyId"] = policyId.ToString() };
        if (reason is not null)
        {
            payload["reason"] = reason;
        }
        return await SendAsync<PolicyView>(HttpMethod.Post, $"/api/insurance/insurer/policies/{policyId}/{action}",
            new { transaction = Sign(NewTransaction(InsurancePolicyContract.TypeName, payload)) }, authorize: true, ct);
    }

    private async Task<VerifiedPolicy> IssuePolicyAsync(string url, string action, Guid patientId, Guid planId, DateTimeOffset start, Guid? previous, CancellationToken ct)
    {
        var keys = Keys ?? throw new InvalidOperationException("Sign in (and unlock keys) first.");
        var insurer = Tokens?.User.OrganizationId ?? throw new InvalidOperationException("Insurer staff act for their organization.");
        var plan = await InsurancePlanAsync(planId, ct);
        var terms = new PlanTerms(plan.Id, plan.Revision, plan.Currency, plan.PremiumMinor, plan.PremiumPeriod.ToString(), plan.AnnualLimitMinor, plan.DependantsAllowed,
            plan.Benefits.Select(b => new PlanTermsBenefit(b.Category.ToString(), b.CoveragePercent, b.CopayMinor, b.AnnualLimitMinor, b.WaitingPeriodDays)).ToList());
        var policyId = Guid.NewGuid();
        var card = PolicyCard.New(policyId, planId, terms.Benefits.Select(b => b.Category));
        var payload = new Dictionary<string, string>
        {
            ["action"] = action, ["policyId"] = policyId.ToString(), ["insurerId"] = insurer.ToString(), ["patientId"] = patientId.ToString(), ["planId"] = planId.ToString(),
            ["planRevision"] = N(plan.Revision), ["termsHash"] = terms.Hash(), ["periodStartMs"] = N(start.ToUnixTimeMilliseconds()),
            ["periodEndMs"] = N(start.AddYears(1).ToUnixTimeMilliseconds()), ["currency"] = plan.Currency, ["premiumMinor"] = N(plan.PremiumMinor),
            ["annualLimitMinor"] = N(plan.AnnualLimitMinor),
        };
        foreach (var b in terms.Benefits)
        {
            payload[InsurancePolicyContract.BenefitPrefix + card.Tags[b.Category]] = InsurancePolicyContract.BenefitTerms(b.CoveragePercent, b.CopayMinor, b.AnnualLimitMinor, b.WaitingPeriodDays);
        }
        if (previous is { } p)
        {
            payload["previousPolicyId"] = p.ToString();
        }
        // The patient's key as the ledger registered it, never one the server merely serves.
        var patientKeys = await GetVerifiedPublicKeysAsync(patientId, ct);
        var view = await SendAsync<PolicyView>(HttpMethod.Post, url, new
        {
            transaction = Sign(NewTransaction(InsurancePolicyContract.TypeName, payload)),
            sealedCardForPatient = card.SealFor(patientKeys.EncryptionPublicKey),
            sealedCardForInsurer = card.SealFor(keys.Encryption.PublicKey),
        }, authorize: true, ct);
        var verified = await VerifyPolicyAsync(view, keys.Encryption, ct);
        return verified.Policy.Id == policyId && verified.Terms.Hash() == terms.Hash()
            ? verified
            : throw new PolicyCheckException($"Asked to issue policy {policyId}, the server answered with {view.Id}.");
    }

    /// <summary>
    /// A policy only on the ledger's word: the receipt verifies and is the insurance.policy issue/renew the policy names; that
    /// transaction names this policy, patient, insurer, plan, revision and period; the terms served hash to its termsHash; and the
    /// opened card's tags are exactly the ledger's benefit tags, each with the terms the pinned plan gives its category.
    /// </summary>
    private async Task<VerifiedPolicy> VerifyPolicyAsync(PolicyView view, UserKeyPair cardKey, CancellationToken ct)
    {
        var receipt = view.Receipt ?? throw new MedLedgerVerificationException($"The server sent policy {view.Id} without the receipt of its issue.");
        await VerifyReceiptAsync(receipt, ct);
        var tx = receipt.Transaction();
        if (tx.Id != view.IssueTransactionId || tx.Type != InsurancePolicyContract.TypeName || tx.Get("action") is not (InsurancePolicyContract.Issue or InsurancePolicyContract.Renew)
            || tx.Get("policyId") != view.Id.ToString() || tx.Get("patientId") != view.PatientId.ToString() || tx.Get("insurerId") != view.InsurerOrganizationId.ToString()
            || tx.Get("planId") != view.PlanId.ToString() || tx.Get("planRevision") != N(view.PlanRevision)
            || tx.Get("periodStartMs") != N(view.PeriodStart.ToUnixTimeMilliseconds()) || tx.Get("periodEndMs") != N(view.PeriodEnd.ToUnixTimeMilliseconds())
            || tx.Get("premiumMinor") != N(view.PremiumMinor) || tx.Get("annualLimitMinor") != N(view.AnnualLimitMinor) || tx.Get("currency") != view.Currency)
        {
            throw new MedLedgerVerificationException($"Policy {view.Id} is not what its insurance.policy on the ledger says.");
        }
        if (PlanTerms.HashOf(view.Terms) != tx.Get("termsHash"))
        {
            throw new MedLedgerVerificationException($"Policy {view.Id}'s terms are not the ones whose hash the ledger holds.");
        }
        var terms = PlanTerms.FromJson(view.Terms);
        var card = PolicyCard.Open(view.SealedCard, cardKey, view.Id);
        var onLedger = tx.Payload.Where(p => p.Key.StartsWith(InsurancePolicyContract.BenefitPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[InsurancePolicyContract.BenefitPrefix.Length..], p => p.Value, StringComparer.Ordinal);
        if (terms.PlanId != view.PlanId || terms.Revision != view.PlanRevision || card.PlanId != view.PlanId || card.Tags.Count != onLedger.Count
            || terms.Benefits.Count != onLedger.Count
            || terms.Benefits.Any(b => !card.Tags.TryGetValue(b.Category, out var tag) || onLedger.GetValueOrDefault(tag)
                != InsurancePolicyContract.BenefitTerms(b.CoveragePercent, b.CopayMinor, b.AnnualLimitMinor, b.WaitingPeriodDays)))
        {
            throw new PolicyCheckException($"Policy {view.Id}'s card does not match the benefit tags and terms on the ledger.");
        }
        return new VerifiedPolicy(view, terms, card, tx);
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);
}

using System.Net;
using System.Text;
using MedLedger.Client;
using MedLedger.Server.Features.Claims;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Features.Records;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Claims;

/// <summary>
/// Issue 17 items 4, 5 and 8: claims filed by a pharmacy holding the patient's shared card, or by the patient; the contract's
/// automatic outcomes (limit under concurrency, duplicate, outside cover, waiting period); the insurer's decision and a payout
/// exactly once; the patient's verified list and dispute; refusals. Through the C# SDK and the real pipeline.
/// </summary>
public sealed class ClaimTests : RecordTestBase
{
    private SdkUser _insurer = null!, _patient = null!, _pharmacist = null!;
    private VerifiedPolicy _policy = null!;

    /// <summary>An active policy of a plan whose Outpatient benefit pays 100 % up to 100 (Maternity after 30 days), shared with a pharmacist.</summary>
    private async Task WorldAsync()
    {
        _insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Claims Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var plan = await _insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Tight " + Guid.NewGuid().ToString("N")[..6], null, "EUR", 2900, PremiumInterval.Monthly, 100_000,
            DependantsAllowed: false, [new PlanBenefit(CoverCategory.Outpatient, 100, null, 100, 0), new PlanBenefit(CoverCategory.Maternity, 80, null, 80_000, 30)]));
        _patient = await World.RegisterAsync(Role.Patient);
        var today = DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime);
        var application = await _patient.Client.ApplyForInsuranceAsync(plan.Id, today);
        var accepted = await _insurer.Client.AcceptApplicationAsync(application.Id);
        var payable = Assert.Single(await _patient.Client.MyPayablesAsync(), p => p.ReferenceId == accepted.Policy.Id);
        await _patient.Client.TopUpAsync(payable.Amount, "EUR", "card-auth-" + Guid.NewGuid().ToString("N")[..8]);
        await _patient.Client.PayAsync(payable.Id);
        _policy = await _patient.Client.MyPolicyAsync(accepted.Policy.Id);
        Assert.Equal("active", _policy.Policy.Status);
        _pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Claims Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        await _patient.Client.SharePolicyCardAsync(_policy.Policy.Id, _pharmacist.Id);
    }

    private DateTimeOffset Now => Host.Clock.GetUtcNow();

    private static async Task<MedLedgerApiException> Refused(Func<Task> call) => await Assert.ThrowsAsync<MedLedgerApiException>(call);

    private Task<ClaimView> FileAsync(SdkUser filer, string reference, long amount, string category = "Outpatient", DateTimeOffset? on = null, string? key = null) =>
        filer.Client.FileClaimAsync(_policy.Policy.Id, reference, [new NewClaimLine(category, amount, on ?? Now)], idempotencyKey: key);

    private Task<long> BalanceAsync(string kind, Guid owner) =>
        Db(db => db.Set<PaymentAccount>().Where(a => a.Kind == kind && a.OwnerId == owner && a.Currency == "EUR").Select(a => a.Balance).FirstOrDefaultAsync());

    private async Task<IReadOnlyList<string>> FindingsAsync() =>
        await Db(db => LedgerRowAudit.RunAsync(db, Host.Service<LedgerGateway>().Peer.Store, default));

    [Fact]
    public async Task Ten_concurrent_claims_of_30_against_a_remaining_100_give_at_most_3_approvals_and_at_most_100_paid()
    {
        await WorldAsync();
        var filed = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => FileAsync(_pharmacist, $"dispense-{i}", 30)));
        Assert.Equal(3, filed.Count(c => c.Lines[0].Outcome == "eligible"));
        Assert.Equal(7, filed.Count(c => c.Lines[0].Outcome == "limit-exceeded"));
        Assert.All(filed, c => Assert.Equal("filed", c.Status));
        foreach (var c in filed)
        {
            var decided = await _insurer.Client.ApproveClaimAsync(c.Id);
            if (decided.ApprovedMinor > 0)
            {
                Assert.Equal("paid", (await _insurer.Client.PayOutClaimAsync(c.Id)).Status);
            }
            else
            {
                Assert.Equal(("rejected", "limit-exceeded"), (decided.Status, decided.Lines[0].Reason));
            }
        }
        var claims = await _insurer.Client.InsurerClaimsAsync();
        Assert.Equal(3, claims.Count(c => c.Status == "paid"));
        Assert.True(claims.Sum(c => c.PaidMinor) <= 100);
        Assert.Equal(90, await BalanceAsync(AccountKinds.ProviderInsuranceIncome, _pharmacist.OrganizationId!.Value));
        Assert.Equal(-90, await BalanceAsync(AccountKinds.InsurerPayouts, _insurer.OrganizationId!.Value));
        Assert.Empty(await FindingsAsync());
    }

    [Fact]
    public async Task An_identical_resubmission_is_a_duplicate_and_a_retried_key_returns_the_first_claim()
    {
        await WorldAsync();
        var first = await FileAsync(_pharmacist, "dispense-42", 20, key: "claim-1");
        Assert.Equal(("eligible", 20L), (first.Lines[0].Outcome, first.Lines[0].PayableMinor));
        // The same request with the same key is the first claim (no second one on the ledger).
        Assert.Equal(first.Id, (await FileAsync(_pharmacist, "dispense-42", 20, key: "claim-1")).Id);
        // The same care billed again under a new key: the ledger has seen its token.
        var again = await FileAsync(_pharmacist, "dispense-42", 20, key: "claim-2");
        Assert.Equal(("duplicate", 0L), (again.Lines[0].Outcome, again.Lines[0].PayableMinor));
        Assert.Equal(0, again.ReservedMinor);
        Assert.Equal(2, (await _pharmacist.Client.ClaimsAsync()).Count);
    }

    [Fact]
    public async Task Care_before_the_cover_starts_is_outside_cover_and_maternity_within_30_days_is_in_its_waiting_period()
    {
        await WorldAsync();
        var before = await FileAsync(_pharmacist, "visit-yesterday", 20, on: Now.AddDays(-1));
        Assert.Equal("outside-cover", before.Lines[0].Outcome);
        var waiting = await FileAsync(_pharmacist, "birth-class", 1000, category: "Maternity");
        Assert.Equal("waiting-period", waiting.Lines[0].Outcome);
        Assert.Equal(0, before.ReservedMinor + waiting.ReservedMinor);
        // The insurer rejects them with their reason codes; a doctor or the patient cannot decide.
        var rejected = await _insurer.Client.ApproveClaimAsync(before.Id);
        Assert.Equal(("rejected", "outside-cover"), (rejected.Status, rejected.Lines[0].Reason));
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => _patient.Client.DecideClaimAsync(waiting.Id, [new ClaimLineDecision(0, "other")]))).Status);
        var doctor = await World.VerifiedAsync(Admin, Role.Doctor, OrganizationKind.Hospital, "Claims Hospital " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.Forbidden, (await Refused(() => doctor.Client.DecideClaimAsync(waiting.Id, [new ClaimLineDecision(0, "other")]))).Status);
        Assert.Equal("filed", (await _insurer.Client.InsurerClaimAsync(waiting.Id)).Status);
    }

    [Fact]
    public async Task A_payout_retried_concurrently_is_paid_once_and_moves_the_balances_once()
    {
        await WorldAsync();
        var claim = await FileAsync(_pharmacist, "dispense-7", 60);
        await _insurer.Client.DecideClaimAsync(claim.Id, [new ClaimLineDecision(45, "not-medically-necessary")]);
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            try
            {
                return (await _insurer.Client.PayOutClaimAsync(claim.Id)).Status;
            }
            catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
            {
                return "conflict";
            }
        }));
        Assert.Contains("paid", results);
        Assert.Equal("paid", (await _insurer.Client.PayOutClaimAsync(claim.Id)).Status);
        var paid = await _insurer.Client.InsurerClaimAsync(claim.Id);
        Assert.Equal(("paid", 45L, 45L), (paid.Status, paid.ApprovedMinor, paid.PaidMinor));
        Assert.Equal(45, await BalanceAsync(AccountKinds.ProviderInsuranceIncome, _pharmacist.OrganizationId!.Value));
        Assert.Equal(1, await Db(db => db.Set<JournalEntry>().CountAsync(e => e.Kind == InsurancePayouts.EntryKind && e.Reference == claim.Id)));
        // Paid out: no reversal.
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _insurer.Client.ReverseClaimAsync(claim.Id, "other"))).Status);
        Assert.Empty(await FindingsAsync());
    }

    [Fact]
    public async Task The_patient_sees_every_claim_in_their_name_verified_and_disputes_one()
    {
        await WorldAsync();
        var byPharmacy = await FileAsync(_pharmacist, "dispense-1", 25);
        var own = await _patient.Client.FileClaimAsync(_policy.Policy.Id, "receipt-1", [new NewClaimLine("Outpatient", 10, Now)]);
        Assert.Equal(("patient", _patient.Id, (Guid?)null), (own.PayeeKind, own.PayeeId, own.ProviderOrganizationId));
        var mine = await _patient.Client.MyClaimsAsync();
        Assert.Equal(new[] { byPharmacy.Id, own.Id }.Order(), mine.Claims.Select(c => c.Claim.Id).Order());
        Assert.All(mine.Claims, c => Assert.True(c.Verified, string.Join("; ", c.Problems)));
        Assert.Empty(mine.OnLedgerNotListed);

        var disputed = await _patient.Client.DisputeClaimAsync(byPharmacy.Id, "care-not-received");
        Assert.Equal("open:care-not-received", disputed.Dispute);
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _patient.Client.DisputeClaimAsync(byPharmacy.Id, "other"))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _patient.Client.DisputeClaimAsync(own.Id, "I never went there"))).Status);
        Assert.Equal(byPharmacy.Id, Assert.Single(await _insurer.Client.InsurerClaimsAsync(disputedOnly: true)).Id);
        // The insurer resolves it by a reversal of its decision.
        await _insurer.Client.ApproveClaimAsync(byPharmacy.Id);
        var reversed = await _insurer.Client.ReverseClaimAsync(byPharmacy.Id, "other");
        Assert.Equal(("reversed", "resolved:other"), (reversed.Status, reversed.Dispute));

        // Another patient sees none of it, and cannot dispute it.
        var stranger = await World.RegisterAsync(Role.Patient);
        Assert.Empty((await stranger.Client.MyClaimsAsync()).Claims);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => stranger.Client.ClaimAsync(own.Id))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => stranger.Client.DisputeClaimAsync(own.Id, "other"))).Status);
    }

    [Fact]
    public async Task Providers_without_the_patients_card_and_other_insurers_are_refused()
    {
        await WorldAsync();
        // A pharmacy the patient never shared the card with cannot file on the policy.
        var otherPharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Other Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        await Assert.ThrowsAsync<PolicyCheckException>(() => FileAsync(otherPharmacist, "dispense-x", 10));

        // The patient attaches a record of theirs; only the claim's insurer is linked to it.
        var record = await _patient.Client.CreateFileRecordAsync(Encoding.UTF8.GetBytes("%PDF-1.7 receipt"), "application/pdf");
        var claim = await _patient.Client.FileClaimAsync(_policy.Policy.Id, "receipt-doc", [new NewClaimLine("Outpatient", 10, Now)],
            documents: [(record.RecordId, record.Version)]);
        Assert.Equal([record.RecordId], claim.RecordIds);
        var otherInsurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Other Mutual " + Guid.NewGuid().ToString("N")[..6]);
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => otherInsurer.Client.InsurerClaimAsync(claim.Id))).Status);
        Assert.Empty(await otherInsurer.Client.InsurerClaimsAsync());
        await Refused(() => otherInsurer.Client.OpenRecordAsync(record.RecordId));
        Assert.Equal([_insurer.OrganizationId!.Value], await Db(db => db.Set<ClaimRecordLink>().Where(l => l.RecordId == record.RecordId).Select(l => l.InsurerOrganizationId).ToListAsync()));
        Assert.Equal(HttpStatusCode.NotFound, (await Refused(() => otherInsurer.Client.PayOutClaimAsync(claim.Id))).Status);
        // Another pharmacy's staff do not see this pharmacy's claims.
        await FileAsync(_pharmacist, "dispense-9", 10);
        Assert.Empty(await otherPharmacist.Client.ClaimsAsync());
    }

    [Fact]
    public async Task A_pharmacy_the_patient_never_shared_the_card_with_is_refused_even_when_it_signs_a_well_formed_claim()
    {
        await WorldAsync();
        var rival = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rival Claims Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        // The worst case: the rival knows the policy's real tags and signs a claim for its own organization with its own key.
        var org = rival.OrganizationId!.Value;
        var payload = new Dictionary<string, string>
        {
            ["action"] = "file", ["claimId"] = Guid.NewGuid().ToString(), ["policyId"] = _policy.Policy.Id.ToString(), ["patientId"] = _patient.Id.ToString(),
            ["insurerId"] = _insurer.OrganizationId!.Value.ToString(), ["providerOrgId"] = org.ToString(), ["payeeKind"] = "organization", ["payeeId"] = org.ToString(),
            ["currency"] = "EUR", ["lineCount"] = "1",
            ["line.1"] = new MedLedger.Ledger.Contracts.InsuranceClaimContract.ClaimLine(1, _policy.Card.Tags["Outpatient"], 50, Now.ToUnixTimeMilliseconds(),
                MedLedger.Crypto.InsuranceClaimTokens.Token(org, "never-dispensed", 1)).Value,
        };
        var tx = MedLedger.Ledger.LedgerTransaction.Create("insurance.claim", rival.Id.ToString(), MedLedger.Ledger.LedgerTransaction.RandomNonce(),
            MedLedger.Ledger.LedgerTransaction.NowMs(), payload, rival.Client.Keys!.Signing.PrivateKey);
        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await rival.Client.GetAccessTokenAsync());
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/insurance/claims")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { transaction = new { transaction = tx.SigningBytes, signature = tx.Signature }, recordIds = Array.Empty<Guid>() }),
        };
        req.Headers.Add("Idempotency-Key", "rival-1");
        var res = await http.SendAsync(req);
        Assert.True(res.StatusCode == HttpStatusCode.NotFound, await res.Content.ReadAsStringAsync());
        Assert.Equal(0, await Db(db => db.Set<InsuranceClaim>().CountAsync()));
        Assert.Empty((await _patient.Client.MyClaimsAsync()).Claims);
    }

    [Fact]
    public async Task Bad_input_is_a_problem_and_changes_nothing()
    {
        await WorldAsync();
        var before = await Db(db => db.Set<InsuranceClaim>().CountAsync());
        // A future service date, a record the filer cannot attach, a bad status filter, a missing key.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => FileAsync(_pharmacist, "future", 10, on: Now.AddDays(5)))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _patient.Client.FileClaimAsync(_policy.Policy.Id, "doc", [new NewClaimLine("Outpatient", 10, Now)],
            documents: [(Guid.NewGuid(), 1)]))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _insurer.Client.InsurerClaimsAsync("lost"))).Status);
        var claim = await FileAsync(_pharmacist, "ok", 10, key: "k-1");
        // The same key for another claim is refused; a decision above the payable or without a reason is a 422; deciding twice a 409.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => FileAsync(_pharmacist, "other", 10, key: "k-1"))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _insurer.Client.DecideClaimAsync(claim.Id, [new ClaimLineDecision(11)]))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _insurer.Client.DecideClaimAsync(claim.Id, [new ClaimLineDecision(5)]))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Refused(() => _insurer.Client.DecideClaimAsync(claim.Id, []))).Status);
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _insurer.Client.PayOutClaimAsync(claim.Id))).Status);
        await _insurer.Client.DecideClaimAsync(claim.Id, [new ClaimLineDecision(10)]);
        Assert.Equal(HttpStatusCode.Conflict, (await Refused(() => _insurer.Client.DecideClaimAsync(claim.Id, [new ClaimLineDecision(0, "other")]))).Status);
        Assert.Equal(before + 1, await Db(db => db.Set<InsuranceClaim>().CountAsync()));
        Assert.Equal("approved", (await _insurer.Client.InsurerClaimAsync(claim.Id)).Status);
        Assert.Empty(await FindingsAsync());
    }

    [Fact]
    public async Task The_admin_dashboard_counts_claims_by_state_and_sums_amounts_per_insurer_from_the_claims_themselves()
    {
        await WorldAsync();
        var paid = await FileAsync(_pharmacist, "dispense-a", 30);
        var partly = await _pharmacist.Client.FileClaimAsync(_policy.Policy.Id, "dispense-b",
            [new NewClaimLine("Outpatient", 20, Now), new NewClaimLine("Outpatient", 10, Now)]);
        var duplicate = await FileAsync(_pharmacist, "dispense-a", 30);
        await FileAsync(_pharmacist, "dispense-c", 15);
        await _insurer.Client.ApproveClaimAsync(paid.Id);
        await _insurer.Client.PayOutClaimAsync(paid.Id);
        await _insurer.Client.DecideClaimAsync(partly.Id, [new ClaimLineDecision(20), new ClaimLineDecision(4, "not-medically-necessary")]);
        await _insurer.Client.ApproveClaimAsync(duplicate.Id);
        await _patient.Client.DisputeClaimAsync(paid.Id, "care-not-received");

        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await Admin.Client.GetAccessTokenAsync());
        var dashboard = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("/api/admin/dashboard")).RootElement;
        var row = Assert.Single(dashboard.GetProperty("insuranceClaims").EnumerateArray());
        Assert.StartsWith("Claims Mutual ", row.GetProperty("insurer").GetString());
        var f = row.GetProperty("figures");
        int N(string name) => f.GetProperty(name).GetInt32();
        long M(string name) => f.GetProperty(name).GetInt64();
        // What the insurer's own list says, claim by claim.
        var claims = await _insurer.Client.InsurerClaimsAsync();
        Assert.Equal(claims.Count, N("claims"));
        Assert.Equal((4, 1, 1, 1, 1, 1), (N("claims"), N("awaitingDecision"), N("paid"), N("partlyApproved"), N("rejected"), N("disputed")));
        Assert.Equal(claims.Sum(c => c.Lines.Sum(l => l.AmountMinor)), M("claimedMinor"));
        Assert.Equal((30 + 24, 30L), (M("approvedMinor"), M("paidMinor")));
        // Decided: paid (approved), partly approved, rejected duplicate: two of three approved.
        Assert.Equal(2.0 / 3, f.GetProperty("approvalRate").GetDouble(), 6);
        Assert.Equal("EUR", f.GetProperty("currency").GetString());
        // Only counts and amounts: no tag, token or category leaves the Claims feature this way.
        var text = row.GetRawText();
        Assert.DoesNotContain("Outpatient", text, StringComparison.Ordinal);
        Assert.DoesNotContain(_policy.Card.Tags["Outpatient"], text, StringComparison.Ordinal);
    }
}

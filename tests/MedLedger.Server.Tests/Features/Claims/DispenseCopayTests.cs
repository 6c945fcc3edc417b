using System.Net;
using MedLedger.Client;
using MedLedger.Crypto;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Claims;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Tests.Features.Dispensing;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Claims;

/// <summary>
/// Issue 17 items 4-5, the pharmacy co-pay flow: the patient pays with insurance, the pharmacy's client claims the dispense (the
/// claim names it, the contract checks it is that pharmacy's fill for that patient), the patient pays only the co-pay, the insurer
/// pays the share out to the pharmacy once. A pharmacy claiming another's dispense is refused; a dispense is claimed once.
/// </summary>
public sealed class DispenseCopayTests : RecordTestBase
{
    private SdkUser _insurer = null!, _patient = null!, _doctor = null!, _pharmacist = null!, _rival = null!;
    private VerifiedPolicy _policy = null!;
    private Guid _medicine;

    /// <summary>An active policy whose Pharmacy benefit pays 80 % up to 500.00, shared with a pharmacist and a rival pharmacy's pharmacist.</summary>
    private async Task WorldAsync()
    {
        _insurer = await World.VerifiedAsync(Admin, Role.InsurerStaff, OrganizationKind.Insurer, "Copay Mutual " + Guid.NewGuid().ToString("N")[..6]);
        var plan = await _insurer.Client.CreateInsurancePlanAsync(new NewInsurancePlan("Pharmacy 80 " + Guid.NewGuid().ToString("N")[..6], null, "EUR", 2900, PremiumInterval.Monthly,
            100_000, DependantsAllowed: false, [new PlanBenefit(CoverCategory.Pharmacy, 80, null, 50_000, 0)]));
        var (staff, doctors) = await World.HospitalAsync(Admin, "Copay General", 1);
        _doctor = doctors[0];
        _patient = await World.RegisterAsync(Role.Patient);
        await _patient.Client.RegisterWithHospitalAsync(staff.OrganizationId!.Value);
        await staff.Client.AssignDoctorAsync(_doctor.Id, _patient.Id);
        var application = await _patient.Client.ApplyForInsuranceAsync(plan.Id, DateOnly.FromDateTime(Host.Clock.GetUtcNow().UtcDateTime));
        var accepted = await _insurer.Client.AcceptApplicationAsync(application.Id);
        var premium = Assert.Single(await _patient.Client.MyPayablesAsync(), p => p.ReferenceId == accepted.Policy.Id);
        await _patient.Client.TopUpAsync(premium.Amount, "EUR", "card-auth-" + Guid.NewGuid().ToString("N")[..8]);
        await _patient.Client.PayAsync(premium.Id);
        _policy = await _patient.Client.MyPolicyAsync(accepted.Policy.Id);
        Assert.Equal("active", _policy.Policy.Status);
        _pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Copay Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        _medicine = await DispensingTests.StockAsync(_pharmacist);
        _rival = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rival Copay Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        await _patient.Client.SharePolicyCardAsync(_policy.Policy.Id, _pharmacist.Id);
        await _patient.Client.SharePolicyCardAsync(_policy.Policy.Id, _rival.Id);
    }

    /// <summary>A prescription the pharmacist dispenses (fill 1); returns its id.</summary>
    private async Task<Guid> DispensedAsync()
    {
        var rx = (await _doctor.Client.WritePrescriptionAsync(DispensingTests.MedicationRequest(quantity: 30, repeats: 0), _patient.Id)).Info;
        await DispensingTests.ShareAsync(_patient, _pharmacist);
        Assert.Equal(1, (await _pharmacist.Client.DispenseAsync(rx.PrescriptionId, _medicine, 30)).FillsMade);
        return rx.PrescriptionId;
    }

    private Task<long> BalanceAsync(string kind, Guid owner) =>
        Db(db => db.Set<PaymentAccount>().Where(a => a.Kind == kind && a.OwnerId == owner && a.Currency == "EUR").Select(a => a.Balance).FirstOrDefaultAsync());

    /// <summary>An insurance.claim file for a dispense signed by <paramref name="signer"/> for <paramref name="provider"/>, built by hand (no SDK check in the way).</summary>
    private LedgerTransaction DispenseClaim(SdkUser signer, Guid provider, Guid prescriptionId, long amount = 2000)
    {
        var dispense = InsuranceClaimContract.DispenseReference(prescriptionId, 1);
        var payload = new Dictionary<string, string>
        {
            ["action"] = "file", ["claimId"] = Guid.NewGuid().ToString(), ["policyId"] = _policy.Policy.Id.ToString(), ["patientId"] = _patient.Id.ToString(),
            ["insurerId"] = _insurer.OrganizationId!.Value.ToString(), ["providerOrgId"] = provider.ToString(), ["payeeKind"] = "organization", ["payeeId"] = provider.ToString(),
            ["currency"] = "EUR", ["dispense"] = dispense, ["lineCount"] = "1",
            ["line.1"] = new InsuranceClaimContract.ClaimLine(1, _policy.Card.Tags["Pharmacy"], amount, Host.Clock.GetUtcNow().ToUnixTimeMilliseconds(),
                InsuranceClaimTokens.Token(provider, dispense, 1)).Value,
        };
        return LedgerTransaction.Create(InsuranceClaimContract.TypeName, signer.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(), payload,
            signer.Client.Keys!.Signing.PrivateKey);
    }

    private async Task<HttpResponseMessage> PostClaimAsync(SdkUser caller, LedgerTransaction tx, string key)
    {
        using var http = Host.CreateClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", await caller.Client.GetAccessTokenAsync());
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/insurance/claims")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { transaction = new { transaction = tx.SigningBytes, signature = tx.Signature }, recordIds = Array.Empty<Guid>() }),
        };
        req.Headers.Add("Idempotency-Key", key);
        return await http.SendAsync(req);
    }

    [Fact]
    public async Task The_patient_pays_only_the_co_pay_and_the_insurer_pays_its_share_to_the_pharmacy_once()
    {
        await WorldAsync();
        var rx = await DispensedAsync();
        var pharmacy = _pharmacist.OrganizationId!.Value;

        // The patient chose to pay with insurance: the pharmacy's client claims the dispense (price 20.00, 80 % covered).
        var claim = await _pharmacist.Client.FileDispenseClaimAsync(rx, 1, _policy.Policy.Id, 2000);
        Assert.Equal(($"{rx}/1", "eligible", 1600L), (claim.Dispense, claim.Lines[0].Outcome, claim.Lines[0].PayableMinor));
        Assert.Equal((400L, (Guid?)claim.Id), (claim.CopayMinor, claim.CopayPayableId));

        // The patient's payable is the co-pay only, to the pharmacy, paid through the ordinary wallet payment.
        var copay = Assert.Single(await _patient.Client.MyPayablesAsync(), p => p.ReferenceKind == ClaimProgress.CopayKind);
        Assert.Equal((claim.Id, 400L, pharmacy), (copay.ReferenceId, copay.Amount, copay.PayeeOrganizationId));
        await _patient.Client.TopUpAsync(400, "EUR", "card-auth-copay");
        await _patient.Client.PayAsync(copay.Id);
        Assert.True(Assert.Single((await _patient.Client.MyClaimsAsync()).Claims).Verified);

        // The insurer approves and pays the share out to the pharmacy; a second payout changes nothing.
        var decided = await _insurer.Client.ApproveClaimAsync(claim.Id);
        Assert.Equal(("approved", 1600L), (decided.Status, decided.ApprovedMinor));
        Assert.Equal("paid", (await _insurer.Client.PayOutClaimAsync(claim.Id)).Status);
        Assert.Equal("paid", (await _insurer.Client.PayOutClaimAsync(claim.Id)).Status);
        Assert.Equal(1, await Db(db => db.Set<JournalEntry>().CountAsync(e => e.Kind == InsurancePayouts.EntryKind && e.Reference == claim.Id)));

        // The amounts add up: the pharmacy got 4.00 from the patient and 16.00 from the insurer, the price of the dispense.
        var fromPatient = await BalanceAsync(AccountKinds.PharmacyRevenue, pharmacy);
        var fromInsurer = await BalanceAsync(AccountKinds.ProviderInsuranceIncome, pharmacy);
        Assert.Equal((400L, 1600L, 2000L), (fromPatient, fromInsurer, fromPatient + fromInsurer));
        Assert.Equal(-1600, await BalanceAsync(AccountKinds.InsurerPayouts, _insurer.OrganizationId!.Value));
        Assert.Equal(0, await BalanceAsync(AccountKinds.PatientWallet, _patient.Id));
        Assert.Equal(0, await Db(db => db.Set<PaymentAccount>().SumAsync(a => a.Balance)));
        Assert.Empty(await Db(db => LedgerRowAudit.RunAsync(db, Host.Service<LedgerGateway>().Peer.Store, default)));
    }

    [Fact]
    public async Task A_share_over_the_limit_leaves_the_patient_owing_the_full_price()
    {
        await WorldAsync();
        var rx = await DispensedAsync();
        // 80 % of 1000.00 is over the benefit's 500.00: not eligible, so the co-pay is the whole price.
        var claim = await _pharmacist.Client.FileDispenseClaimAsync(rx, 1, _policy.Policy.Id, 100_000);
        Assert.Equal(("limit-exceeded", 0L, 100_000L), (claim.Lines[0].Outcome, claim.ReservedMinor, claim.CopayMinor));
        Assert.Equal(100_000, Assert.Single(await _patient.Client.MyPayablesAsync(), p => p.ReferenceKind == ClaimProgress.CopayKind).Amount);
    }

    [Fact]
    public async Task A_pharmacy_filing_for_a_dispense_it_did_not_make_is_refused_by_the_server_and_by_the_contract()
    {
        await WorldAsync();
        var rx = await DispensedAsync();
        var rival = _rival.OrganizationId!.Value;

        // The rival holds the patient's card, and signs a well-formed claim for the other pharmacy's fill as its own.
        var answer = await PostClaimAsync(_rival, DispenseClaim(_rival, rival, rx), "rival-dispense");
        Assert.True(answer.StatusCode == HttpStatusCode.NotFound, await answer.Content.ReadAsStringAsync());
        Assert.Equal(0, await Db(db => db.Set<InsuranceClaim>().CountAsync()));

        // Straight to the ledger peer, with no server check in the way: the contract finds the fill is not the rival's.
        var refused = await Assert.ThrowsAsync<LedgerRejectedException>(() => Host.Service<LedgerGateway>().Peer.SubmitAsync(DispenseClaim(_rival, rival, rx)));
        Assert.Equal(LedgerRejectionKind.Forbidden, refused.Kind);
        // Nor for a fill that was never made (fill 2), even by the pharmacy that made fill 1.
        var unmade = DispenseClaim(_pharmacist, _pharmacist.OrganizationId!.Value, rx);
        var fill2 = LedgerTransaction.Create(unmade.Type, unmade.ActorId, LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            new Dictionary<string, string>(unmade.Payload)
            {
                ["dispense"] = $"{rx}/2",
                ["line.1"] = unmade.Get("line.1")![..unmade.Get("line.1")!.LastIndexOf(':')] + ":" + InsuranceClaimTokens.Token(_pharmacist.OrganizationId!.Value, $"{rx}/2", 1),
            }, _pharmacist.Client.Keys!.Signing.PrivateKey);
        Assert.Equal(LedgerRejectionKind.Forbidden, (await Assert.ThrowsAsync<LedgerRejectedException>(() => Host.Service<LedgerGateway>().Peer.SubmitAsync(fill2))).Kind);
        Assert.Empty((await _patient.Client.MyClaimsAsync()).Claims);
    }

    [Fact]
    public async Task A_dispense_claimed_twice_is_a_409_at_the_server_and_a_duplicate_on_the_ledger()
    {
        await WorldAsync();
        var rx = await DispensedAsync();
        var pharmacy = _pharmacist.OrganizationId!.Value;
        var first = await _pharmacist.Client.FileDispenseClaimAsync(rx, 1, _policy.Policy.Id, 2000);
        Assert.Equal("eligible", first.Lines[0].Outcome);

        // Under another key (a new claim id, the same dispense): the server answers 409 and files nothing.
        var again = await PostClaimAsync(_pharmacist, DispenseClaim(_pharmacist, pharmacy, rx), "second-key");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("dispense-claimed", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Past the server, the ledger has seen the dispense's token: the line is a duplicate and reserves nothing.
        var direct = DispenseClaim(_pharmacist, pharmacy, rx);
        await Host.Service<LedgerGateway>().Peer.SubmitAsync(direct);
        var line = await Host.Service<LedgerGateway>().Peer.Queries.GetStateAsync(InsuranceClaimKeys.Line(direct.Get("claimId")!, 1), default);
        Assert.StartsWith("duplicate:0:", line, StringComparison.Ordinal);
        Assert.Equal("1600", await Host.Service<LedgerGateway>().Peer.Queries.GetStateAsync(InsurancePolicyKeys.Used(_policy.Policy.Id.ToString()), default));
        Assert.Equal(1, await Db(db => db.Set<Payable>().CountAsync(p => p.ReferenceKind == ClaimProgress.CopayKind)));
    }

    [Fact]
    public async Task Eight_concurrent_pay_with_insurance_for_one_dispense_make_one_claim_and_one_co_pay()
    {
        await WorldAsync();
        var rx = await DispensedAsync();
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _pharmacist.Client.FileDispenseClaimAsync(rx, 1, _policy.Policy.Id, 2000)));
        Assert.Single(claims.Select(c => c.Id).Distinct());
        Assert.Equal(1, await Db(db => db.Set<InsuranceClaim>().CountAsync()));
        var claim = await _pharmacist.Client.ClaimAsync(claims[0].Id);
        Assert.Equal(("filed", 400L), (claim.Status, claim.CopayMinor));
        Assert.Equal(1, await Db(db => db.Set<Payable>().CountAsync(p => p.ReferenceKind == ClaimProgress.CopayKind)));
        Assert.Single(await _patient.Client.MyLedgerEntriesAsync(500), e => e.Type == InsuranceClaimContract.TypeName);
    }
}

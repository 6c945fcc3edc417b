using System.Globalization;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>insurance.claim against a real SQLite-backed peer: every automatic outcome, reservations under concurrency, decide/reverse/payout once, disputes, signers.</summary>
public sealed class InsuranceClaimContractTests : PharmacyPeerTestBase
{
    private const long Day = 24L * 60 * 60 * 1000;
    // TestUser.Tx stamps 2023-11-14, so the policy year is 2023.
    private static readonly long Start = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly string _insurer = Guid.NewGuid().ToString(), _plan = Guid.NewGuid().ToString();
    private TestUser _staff = null!;
    private PolicyCard _card = null!;
    private string _policy = null!;

    private protected override IEnumerable<ILedgerContract> AreaContracts => [new InsurancePolicyContract(), new InsuranceClaimContract()];

    private string Outpatient => _card.Tags["Outpatient"];
    private string Maternity => _card.Tags["Maternity"];

    /// <summary>An active policy from Start + 1 day: Outpatient 100 % up to 100 (no wait), Maternity 80 % up to 100 000 after 30 days; overall 100 000.</summary>
    private async Task PolicyAsync(long outpatientLimit = 100, string status = "active")
    {
        _staff = await UserAsync(IdentityRoles.InsurerStaff, verified: true);
        _policy = Guid.NewGuid().ToString();
        _card = PolicyCard.New(Guid.Parse(_policy), Guid.Parse(_plan), ["Maternity", "Outpatient"]);
        var p = new Dictionary<string, string>
        {
            ["action"] = InsurancePolicyContract.Issue, ["policyId"] = _policy, ["insurerId"] = _insurer, ["patientId"] = _patient.Id, ["planId"] = _plan,
            ["planRevision"] = "1", ["termsHash"] = new string('a', 64), ["periodStartMs"] = N(Start), ["periodEndMs"] = N(Start + 365 * Day), ["currency"] = "EUR",
            ["premiumMinor"] = "2900", ["annualLimitMinor"] = "100000",
            [InsurancePolicyContract.BenefitPrefix + Maternity] = InsurancePolicyContract.BenefitTerms(80, null, 100000, 30),
            [InsurancePolicyContract.BenefitPrefix + Outpatient] = InsurancePolicyContract.BenefitTerms(100, null, outpatientLimit, 0),
        };
        await _peer.SubmitAsync(_staff.Tx(InsurancePolicyContract.TypeName, p));
        if (status != "pending")
        {
            await _peer.SubmitAsync(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, new Dictionary<string, string>
                { ["action"] = "activate", ["policyId"] = _policy, ["coverStartMs"] = N(Start + Day + 5 * 60 * 60 * 1000) }));
        }
    }

    private Dictionary<string, string> Claim(IEnumerable<(string Tag, long Amount, long ServiceMs, string Reference)> lines, string? claimId = null, bool byPatient = false)
    {
        var filer = byPatient ? Guid.Parse(_patient.Id) : Guid.Parse(_pharmacy);
        var p = new Dictionary<string, string>
        {
            ["action"] = InsuranceClaimContract.File, ["claimId"] = claimId ?? Guid.NewGuid().ToString(), ["policyId"] = _policy, ["patientId"] = _patient.Id,
            ["insurerId"] = _insurer, ["payeeKind"] = byPatient ? "patient" : "organization", ["payeeId"] = byPatient ? _patient.Id : _pharmacy, ["currency"] = "EUR",
        };
        if (!byPatient)
        {
            p["providerOrgId"] = _pharmacy;
        }
        var n = 0;
        foreach (var (tag, amount, service, reference) in lines)
        {
            n++;
            p[InsuranceClaimContract.LinePrefix + n] = new InsuranceClaimContract.ClaimLine(n, tag, amount, service, InsuranceClaimTokens.Token(filer, reference, n)).Value;
        }
        p["lineCount"] = N(n);
        return p;
    }

    private static Dictionary<string, string> Change(string claimId, string action, params (string Key, string Value)[] extra)
    {
        var p = new Dictionary<string, string> { ["action"] = action, ["claimId"] = claimId };
        foreach (var (k, v) in extra)
        {
            p[k] = v;
        }
        return p;
    }

    private Task<string?> State(string key) => _peer.Queries.GetStateAsync(key);

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static long On(int day) => Start + day * Day + 12 * 60 * 60 * 1000;

    [Fact]
    public async Task Each_line_gets_its_automatic_outcome_and_only_eligible_shares_are_reserved()
    {
        await PolicyAsync();
        var unknownTag = new string('b', 64);
        var p = Claim([
            (Outpatient, 40, On(10), "enc-1"),      // eligible, 100 %
            (Maternity, 1000, On(10), "enc-1"),     // waiting period (30 days from the cover start's day)
            (Maternity, 1000, On(40), "enc-1"),     // eligible, 80 % = 800
            (unknownTag, 50, On(40), "enc-1"),      // not covered
            (Outpatient, 20, Start - Day, "enc-1"), // before the period: outside cover
            (Outpatient, 80, On(11), "enc-1"),      // 40 + 80 > 100: limit exceeded
        ]);
        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, p))).Valid);
        var id = p["claimId"];
        string[] expected = [$"eligible:40:{Outpatient}", $"waiting-period:0:{Maternity}", $"eligible:800:{Maternity}", $"not-covered:0:{unknownTag}",
            $"outside-cover:0:{Outpatient}", $"limit-exceeded:0:{Outpatient}"];
        for (var n = 1; n <= expected.Length; n++)
        {
            Assert.Equal(expected[n - 1], await State(InsuranceClaimKeys.Line(id, n)));
        }
        Assert.Equal("filed", await State(InsuranceClaimKeys.Status(id)));
        Assert.Equal("840", await State(InsurancePolicyKeys.Used(_policy)));
        Assert.Equal("40", await State(InsurancePolicyKeys.BenefitUsed(_policy, Outpatient)));
        Assert.Equal("800", await State(InsurancePolicyKeys.BenefitUsed(_policy, Maternity)));
        // The cover starts on the cover start's day, even earlier that day than the payment.
        var sameDay = Claim([(Outpatient, 10, Start + Day + 60 * 1000, "enc-2")]);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, sameDay));
        Assert.StartsWith("eligible:10:", await State(InsuranceClaimKeys.Line(sameDay["claimId"], 1)), StringComparison.Ordinal);
        // No names: the payload holds ids, tags, amounts, dates and tokens only.
        Assert.DoesNotContain(p.Keys.Concat(p.Values), s => s.Contains("Maternity", StringComparison.OrdinalIgnoreCase) || s.Contains("Outpatient", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_identical_resubmission_is_all_duplicate_and_reserves_nothing()
    {
        await PolicyAsync();
        var lines = new[] { (Outpatient, 30L, On(10), "dispense-1"), (Outpatient, 20L, On(10), "dispense-1") };
        var first = Claim(lines);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, first));
        var again = Claim(lines);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, again));
        Assert.Equal($"duplicate:0:{Outpatient}", await State(InsuranceClaimKeys.Line(again["claimId"], 1)));
        Assert.Equal($"duplicate:0:{Outpatient}", await State(InsuranceClaimKeys.Line(again["claimId"], 2)));
        Assert.Equal("50", await State(InsurancePolicyKeys.Used(_policy)));
        // The same token twice within one claim is malformed.
        var twice = Claim(lines);
        twice["line.2"] = twice["line.1"];
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, twice)));
    }

    [Fact]
    public async Task Ten_concurrent_claims_of_30_against_a_remaining_100_leave_exactly_3_eligible()
    {
        await PolicyAsync(outpatientLimit: 100);
        var claims = Enumerable.Range(0, 10).Select(i => Claim([(Outpatient, 30, On(20), $"visit-{i}")])).ToList();
        await Task.WhenAll(claims.Select(c => _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, c))));
        var outcomes = new List<string>();
        foreach (var c in claims)
        {
            outcomes.Add((await State(InsuranceClaimKeys.Line(c["claimId"], 1)))!.Split(':')[0]);
        }
        Assert.Equal(3, outcomes.Count(o => o == "eligible"));
        Assert.Equal(7, outcomes.Count(o => o == "limit-exceeded"));
        Assert.Equal("90", await State(InsurancePolicyKeys.BenefitUsed(_policy, Outpatient)));
    }

    [Fact]
    public async Task A_pending_or_suspended_policy_covers_nothing()
    {
        await PolicyAsync(status: "pending");
        var p = Claim([(Outpatient, 10, On(10), "enc-1")]);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, p));
        Assert.Equal($"outside-cover:0:{Outpatient}", await State(InsuranceClaimKeys.Line(p["claimId"], 1)));
        Assert.Equal("0", await State(InsurancePolicyKeys.Used(_policy)));
    }

    [Fact]
    public async Task Decide_releases_the_unapproved_part_and_payout_happens_exactly_once()
    {
        await PolicyAsync(outpatientLimit: 1000);
        var p = Claim([(Outpatient, 100, On(10), "enc-1"), (Outpatient, 50, On(10), "enc-1"), (new string('c', 64), 10, On(10), "enc-1")]);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, p));
        var id = p["claimId"];
        Assert.Equal("150", await State(InsurancePolicyKeys.Used(_policy)));
        // Above the payable, a missing reason, a line missing, the wrong signer: refused.
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "decide", ("decision.1", "101:-"), ("decision.2", "50:-"), ("decision.3", "0:not-covered")))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "decide", ("decision.1", "60:-"), ("decision.2", "50:-"), ("decision.3", "0:not-covered")))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "decide", ("decision.1", "100:-"), ("decision.2", "50:-")))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "decide", ("decision.1", "100:-"), ("decision.2", "50:-"), ("decision.3", "0:pregnant")))));
        var decision = Change(id, "decide", ("decision.1", "60:not-medically-necessary"), ("decision.2", "50:-"), ("decision.3", "0:not-covered"));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, decision)));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(InsuranceClaimContract.TypeName, decision)));
        await _peer.SubmitAsync(_staff.Tx(InsuranceClaimContract.TypeName, decision));
        Assert.Equal(("partly-approved", "110", "110"), (await State(InsuranceClaimKeys.Status(id)), await State(InsuranceClaimKeys.Approved(id)), await State(InsurancePolicyKeys.Used(_policy))));
        Assert.Equal("partly-approved:60:not-medically-necessary", await State(InsuranceClaimKeys.LineDecision(id, 1)));
        Assert.Equal("approved:50:-", await State(InsuranceClaimKeys.LineDecision(id, 2)));
        Assert.Equal("rejected:0:not-covered", await State(InsuranceClaimKeys.LineDecision(id, 3)));
        // Decided: a second decision is a conflict.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, decision)));

        // Payout: the approved total exactly, insurer staff, once (even when two race).
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "payout", ("amountMinor", "150")))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, Change(id, "payout", ("amountMinor", "110")))));
        var payouts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            try
            {
                return (await _peer.SubmitAsync(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "payout", ("amountMinor", "110"))))).Valid;
            }
            catch (LedgerRejectedException e) when (e.Kind == LedgerRejectionKind.Conflict)
            {
                return false;
            }
        }));
        Assert.Single(payouts, v => v);
        Assert.Equal(("paid", "110"), (await State(InsuranceClaimKeys.Status(id)), await State(InsuranceClaimKeys.Paid(id))));
        // Paid out: no reversal.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "reverse", ("reason", "other")))));
    }

    [Fact]
    public async Task A_reversal_releases_every_approved_amount_and_frees_the_tokens()
    {
        await PolicyAsync(outpatientLimit: 1000);
        var lines = new[] { (Outpatient, 100L, On(10), "enc-9") };
        var p = Claim(lines);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, p));
        var id = p["claimId"];
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "reverse", ("reason", "other")))));
        await _peer.SubmitAsync(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "decide", ("decision.1", "100:-"))));
        Assert.Equal("approved", await State(InsuranceClaimKeys.Status(id)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "reverse", ("reason", "because")))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, Change(id, "reverse", ("reason", "other")))));
        await _peer.SubmitAsync(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "reverse", ("reason", "documents-missing"))));
        Assert.Equal(("reversed", "0"), (await State(InsuranceClaimKeys.Status(id)), await State(InsurancePolicyKeys.Used(_policy))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "payout", ("amountMinor", "100")))));
        // The same care may be claimed again (corrected): its token is free.
        var again = Claim(lines);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, again));
        Assert.StartsWith("eligible:100:", await State(InsuranceClaimKeys.Line(again["claimId"], 1)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_the_claims_patient_disputes_once_and_insurer_staff_dismiss()
    {
        await PolicyAsync();
        var p = Claim([(Outpatient, 10, On(10), "enc-1")]);
        await _peer.SubmitAsync(_pharmacist.Tx(InsuranceClaimContract.TypeName, p));
        var id = p["claimId"];
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(InsuranceClaimContract.TypeName, Change(id, "dispute", ("reason", "care-not-received")))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(InsuranceClaimContract.TypeName, Change(id, "dispute", ("reason", "I was never there")))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "dismiss-dispute", ("reason", "other")))));
        await _peer.SubmitAsync(_patient.Tx(InsuranceClaimContract.TypeName, Change(id, "dispute", ("reason", "care-not-received"))));
        Assert.Equal("open:care-not-received", await State(InsuranceClaimKeys.Dispute(id)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(InsuranceClaimContract.TypeName, Change(id, "dispute", ("reason", "other")))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(InsuranceClaimContract.TypeName, Change(id, "dismiss-dispute", ("reason", "other")))));
        await _peer.SubmitAsync(_staff.Tx(InsuranceClaimContract.TypeName, Change(id, "dismiss-dispute", ("reason", "other"))));
        Assert.Equal("dismissed:other", await State(InsuranceClaimKeys.Dispute(id)));
    }

    [Fact]
    public async Task Filers_are_the_providers_verified_staff_or_the_patient_for_themself()
    {
        await PolicyAsync();
        var unverified = await UserAsync(IdentityRoles.Pharmacist, verified: false);
        var insurerStaff = _staff;
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(unverified.Tx(InsuranceClaimContract.TypeName, Claim([(Outpatient, 10, On(10), "a")]))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(insurerStaff.Tx(InsuranceClaimContract.TypeName, Claim([(Outpatient, 10, On(10), "a")]))));
        // Another patient filing "for themself" under this patient's policy; a patient paying themself a provider's claim.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(InsuranceClaimContract.TypeName, Claim([(Outpatient, 10, On(10), "a")], byPatient: true))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(InsuranceClaimContract.TypeName, Claim([(Outpatient, 10, On(10), "a")]))));
        // A provider paying itself another organization's money.
        var elsewhere = Claim([(Outpatient, 10, On(10), "a")]);
        elsewhere["payeeId"] = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, elsewhere)));
        // Wrong insurer, wrong currency, a future service date, a category name in place of a tag: refused.
        var wrongInsurer = Claim([(Outpatient, 10, On(10), "a")]);
        wrongInsurer["insurerId"] = Guid.NewGuid().ToString();
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, wrongInsurer)));
        var wrongCurrency = Claim([(Outpatient, 10, On(10), "a")]);
        wrongCurrency["currency"] = "USD";
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, wrongCurrency)));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, Claim([(Outpatient, 10, 1_700_000_000_000 + 3 * Day, "a")]))));
        var named = Claim([(Outpatient, 10, On(10), "a")]);
        named["line.1"] = "Maternity:10:" + N(On(10)) + ":" + new string('d', 64);
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, named)));
        var text = Claim([(Outpatient, 10, On(10), "a")]);
        text["note"] = "flu";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_pharmacist.Tx(InsuranceClaimContract.TypeName, text)));

        // The patient files for themself, paid to themself.
        var own = Claim([(Outpatient, 10, On(10), "receipt-1")], byPatient: true);
        Assert.True((await _peer.SubmitAsync(_patient.Tx(InsuranceClaimContract.TypeName, own))).Valid);
        Assert.Equal($"patient:{_patient.Id}", await State(InsuranceClaimKeys.Payee(own["claimId"])));
        // The same claim id again is a conflict.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(InsuranceClaimContract.TypeName, Claim([(Outpatient, 10, On(10), "receipt-2")], claimId: own["claimId"], byPatient: true))));
    }
}

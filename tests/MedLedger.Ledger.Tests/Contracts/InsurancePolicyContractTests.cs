using System.Globalization;
using System.Security.Cryptography;
using MedLedger.Crypto;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>insurance.policy against a real SQLite-backed peer: issue once per slot, signers, the state machine, and no category names.</summary>
public sealed class InsurancePolicyContractTests : PharmacyPeerTestBase
{
    private const long Day = 24L * 60 * 60 * 1000;
    private static readonly long Start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private readonly string _insurer = Guid.NewGuid().ToString(), _plan = Guid.NewGuid().ToString();

    private protected override IEnumerable<ILedgerContract> AreaContracts => [new InsurancePolicyContract(), new PaymentPayContract()];

    private Dictionary<string, string> Issue(TestUser patient, long start = 0, string? policyId = null, string? previous = null)
    {
        var id = policyId ?? Guid.NewGuid().ToString();
        var s = start == 0 ? Start : start;
        var card = PolicyCard.New(Guid.Parse(id), Guid.Parse(_plan), ["Maternity", "Outpatient"]);
        var p = new Dictionary<string, string>
        {
            ["action"] = previous is null ? InsurancePolicyContract.Issue : InsurancePolicyContract.Renew, ["policyId"] = id, ["insurerId"] = _insurer,
            ["patientId"] = patient.Id, ["planId"] = _plan, ["planRevision"] = "1", ["termsHash"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
            ["periodStartMs"] = N(s), ["periodEndMs"] = N(s + 365 * Day), ["currency"] = "EUR", ["premiumMinor"] = "2900", ["annualLimitMinor"] = "100000",
            [InsurancePolicyContract.BenefitPrefix + card.Tags["Maternity"]] = InsurancePolicyContract.BenefitTerms(100, null, 80000, 30),
            [InsurancePolicyContract.BenefitPrefix + card.Tags["Outpatient"]] = InsurancePolicyContract.BenefitTerms(null, 500, 100000, 0),
        };
        if (previous is not null)
        {
            p["previousPolicyId"] = previous;
        }
        return p;
    }

    private static Dictionary<string, string> Change(string policyId, string action, string? extraKey = null, string? extra = null)
    {
        var p = new Dictionary<string, string> { ["action"] = action, ["policyId"] = policyId };
        if (extraKey is not null)
        {
            p[extraKey] = extra!;
        }
        return p;
    }

    private static string N(long v) => v.ToString(CultureInfo.InvariantCulture);

    private Task<string?> Status(string id) => _peer.Queries.GetStateAsync(InsurancePolicyKeys.Status(id));

    [Fact]
    public async Task A_policy_is_issued_by_verified_insurer_staff_with_tags_in_place_of_category_names()
    {
        var staff = await UserAsync(IdentityRoles.InsurerStaff, verified: true);
        var unverified = await UserAsync(IdentityRoles.InsurerStaff, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(unverified.Tx(InsurancePolicyContract.TypeName, Issue(_patient))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(InsurancePolicyContract.TypeName, Issue(_patient))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(InsurancePolicyContract.TypeName, Issue(_patient))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Issue(_pharmacist))));
        // A category named in the clear is not a payload the contract takes.
        var named = Issue(_patient);
        named["benefit.Maternity"] = InsurancePolicyContract.BenefitTerms(100, null, 80000, 30);
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(staff.Tx(InsurancePolicyContract.TypeName, named)));
        var overLimit = Issue(_patient);
        overLimit[overLimit.Keys.First(k => k.StartsWith(InsurancePolicyContract.BenefitPrefix, StringComparison.Ordinal))] = InsurancePolicyContract.BenefitTerms(50, null, 100001, 0);
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(staff.Tx(InsurancePolicyContract.TypeName, overLimit)));
        var system = Issue(_patient);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, system)));

        var p = Issue(_patient);
        Assert.True((await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, p))).Valid);
        var id = p["policyId"];
        Assert.Equal("pending", await Status(id));
        Assert.Equal(id, await _peer.Queries.GetStateAsync(InsurancePolicyKeys.Slot(_patient.Id, _plan, Start)));
        Assert.Equal("0", await _peer.Queries.GetStateAsync(InsurancePolicyKeys.Used(id)));
        var tag = p.Keys.Single(k => k.StartsWith(InsurancePolicyContract.BenefitPrefix, StringComparison.Ordinal) && p[k].StartsWith("percent", StringComparison.Ordinal))[InsurancePolicyContract.BenefitPrefix.Length..];
        Assert.Equal("percent:100:80000:30", await _peer.Queries.GetStateAsync(InsurancePolicyKeys.Benefit(id, tag)));
        Assert.Equal("0", await _peer.Queries.GetStateAsync(InsurancePolicyKeys.BenefitUsed(id, tag)));
        Assert.DoesNotContain(p.Keys.Concat(p.Values), s => s.Contains("Maternity", StringComparison.OrdinalIgnoreCase) || s.Contains("Outpatient", StringComparison.OrdinalIgnoreCase));
        // The same policy id again is a conflict.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Issue(_other, policyId: id))));
    }

    [Fact]
    public async Task Of_two_issues_racing_for_one_patient_plan_and_period_exactly_one_is_committed()
    {
        var staff = await UserAsync(IdentityRoles.InsurerStaff, verified: true);
        var colleague = await UserAsync(IdentityRoles.InsurerStaff, verified: true);
        var attempts = Enumerable.Range(0, 8).Select(i => (i % 2 == 0 ? staff : colleague).Tx(InsurancePolicyContract.TypeName, Issue(_patient))).ToList();
        var results = await Task.WhenAll(attempts.Select(async tx =>
        {
            try
            {
                return (await _peer.SubmitAsync(tx)).Valid;
            }
            catch (LedgerRejectedException e) when (e.Kind == LedgerRejectionKind.Conflict)
            {
                return false;
            }
        }));
        Assert.Single(results, r => r);
        var winner = attempts[Array.IndexOf(results, true)].Get("policyId");
        Assert.Equal(winner, await _peer.Queries.GetStateAsync(InsurancePolicyKeys.Slot(_patient.Id, _plan, Start)));
        // Another period of the same plan is another slot.
        Assert.True((await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, Issue(_patient, start: Start + 365 * Day)))).Valid);
    }

    [Fact]
    public async Task The_policy_state_machine_holds_for_insurer_staff_and_the_platform()
    {
        var staff = await UserAsync(IdentityRoles.InsurerStaff, verified: true);
        var p = Issue(_patient);
        await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, p));
        var id = p["policyId"];
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Suspend, "reason", "other"))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Activate, "coverStartMs", N(Start - 1)))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Activate, "coverStartMs", N(Start)))));
        Assert.True((await _peer.SubmitAsync(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Activate, "coverStartMs", N(Start + Day))))).Valid);
        Assert.Equal(("active", N(Start + Day)), (await Status(id), await _peer.Queries.GetStateAsync(InsurancePolicyKeys.CoverStart(id))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Activate, "coverStartMs", N(Start)))));

        // Suspend needs a reason code (never free text) and insurer staff; reinstate only from suspended.
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Suspend, "reason", "pregnant"))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Suspend, "reason", "other"))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Reinstate))));
        Assert.True((await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Suspend, "reason", "premium-unpaid")))).Valid);
        Assert.Equal("suspended", await Status(id));
        Assert.True((await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Reinstate)))).Valid);
        Assert.Equal("active", await Status(id));

        // Only a peer expires, and only once the period has ended (by the transaction's time).
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Expire))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Expire), Start + 10 * Day)));

        // Renewal: the next period, same patient and insurer; the previous one becomes renewed and cannot be renewed twice.
        var wrongStart = Issue(_patient, start: Start + 400 * Day, previous: id);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(staff.Tx(InsurancePolicyContract.TypeName, wrongStart)));
        var renewal = Issue(_patient, start: Start + 365 * Day, previous: id);
        Assert.True((await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, renewal))).Valid);
        Assert.Equal(("renewed", "pending"), (await Status(id), await Status(renewal["policyId"])));
        Assert.Equal(id, await _peer.Queries.GetStateAsync(InsurancePolicyKeys.Previous(renewal["policyId"])));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Issue(_patient, start: Start + 365 * Day, previous: id))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, Change(id, InsurancePolicyContract.Expire), Start + 366 * Day)));

        // A pending policy whose period passed unpaid expires.
        var unpaid = Issue(_other);
        await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, unpaid));
        Assert.True((await _peer.SubmitAsync(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, Change(unpaid["policyId"], InsurancePolicyContract.Expire), Start + 365 * Day))).Valid);
        Assert.Equal("expired", await Status(unpaid["policyId"]));
    }

    [Fact]
    public void A_benefit_tag_follows_from_policy_salt_and_category_and_a_card_round_trips_sealed()
    {
        var policy = Guid.NewGuid();
        var card = PolicyCard.New(policy, Guid.NewGuid(), ["Maternity", "Dental"]);
        Assert.Equal(PolicyCard.Tag(policy, card.CategorySalt, "Maternity"), card.Tags["Maternity"]);
        Assert.NotEqual(card.Tags["Maternity"], PolicyCard.New(policy, card.PlanId, ["Maternity"]).Tags["Maternity"]);
        var key = KeyBundle.Generate().Encryption;
        var opened = PolicyCard.Open(card.SealFor(key.PublicKey), key, policy);
        Assert.Equal(card.Tags.OrderBy(t => t.Key), opened.Tags.OrderBy(t => t.Key));
        Assert.ThrowsAny<Exception>(() => PolicyCard.Open(card.SealFor(key.PublicKey), key, Guid.NewGuid()));
    }

    private Dictionary<string, string> PremiumPayment(string policyId) => new()
    {
        ["paymentId"] = Guid.NewGuid().ToString(), ["payerId"] = _patient.Id, ["payeeOrganizationId"] = _insurer, ["referenceKind"] = InsurancePolicyContract.PremiumReferenceKind,
        ["referenceId"] = policyId, ["amount"] = "2900", ["currency"] = "EUR", ["token"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
    };

    [Fact]
    public async Task Of_a_wallet_premium_payment_and_the_insurers_mark_only_the_first_settles_the_premium()
    {
        var staff = await UserAsync(IdentityRoles.InsurerStaff, verified: true);
        // Marked first: the mark takes the premium's payment reference, so the wallet can no longer pay it.
        var marked = Issue(_patient);
        await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, marked));
        Assert.True((await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, Change(marked["policyId"], InsurancePolicyContract.Activate, "coverStartMs", N(Start))))).Valid);
        Assert.StartsWith("marked-paid:", await _peer.Queries.GetStateAsync(PaymentKeys.Reference(InsurancePolicyContract.PremiumReferenceKind, marked["policyId"])));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(PaymentPayContract.TypeName, PremiumPayment(marked["policyId"]))));

        // Paid from the wallet first: the insurer's mark is refused (the platform's activation follows the payment instead).
        var paid = Issue(_patient, start: Start + 365 * Day);
        await _peer.SubmitAsync(staff.Tx(InsurancePolicyContract.TypeName, paid));
        Assert.True((await _peer.SubmitAsync(_patient.Tx(PaymentPayContract.TypeName, PremiumPayment(paid["policyId"])))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(staff.Tx(InsurancePolicyContract.TypeName, Change(paid["policyId"], InsurancePolicyContract.Activate, "coverStartMs", N(Start + 365 * Day)))));
        Assert.True((await _peer.SubmitAsync(_peer.CreateSystemTransaction(InsurancePolicyContract.TypeName, Change(paid["policyId"], InsurancePolicyContract.Activate, "coverStartMs", N(Start + 365 * Day))))).Valid);
        Assert.Equal("active", await Status(paid["policyId"]));
    }
}

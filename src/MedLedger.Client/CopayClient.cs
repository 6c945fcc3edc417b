using MedLedger.Ledger.Contracts;

namespace MedLedger.Client;

/// <summary>
/// A co-pay as the patient's client checked it (docs/insurance.md "The patient's check of the co-pay"): the price is the claim's
/// lines on its verified file receipt, <see cref="ShareMinor"/> the insurer's share the contract's formula gives under the benefit
/// terms on the policy's verified issue receipt, for the lines the claim shows eligible. <see cref="OwedMinor"/> = price − share.
/// <see cref="NotEligibleReason"/>: the automatic outcome of a line that is not eligible (the patient owes its full price).
/// </summary>
public sealed record CheckedCopay(ClaimView Claim, long PriceMinor, long ShareMinor, long OwedMinor, string? NotEligibleReason, IReadOnlyList<string> Problems)
{
    public bool Verified => Problems.Count == 0;
}

public sealed partial class MedLedgerClient
{
    /// <summary>The reference kind of a co-pay payable (the server's ClaimProgress.CopayKind): its reference id is the claim.</summary>
    public const string CopayKind = "copay";

    /// <summary>
    /// Patient: checks a pharmacy's dispense claim in your name and what it leaves you to pay. The claim's file receipt must verify
    /// and match (as in <see cref="MyClaimsAsync"/>); each line the server shows eligible must carry exactly the share
    /// <see cref="InsuranceClaimContract.Share"/> gives under your policy's benefit terms for the line's tag (from the policy's verified
    /// issue receipt), and the co-pay the server states must be the price less those shares. Still the server's word: whether a line
    /// is eligible at all (ledger state: the remaining limit, cover start); a line shown not eligible leaves its full price owed.
    /// </summary>
    public async Task<CheckedCopay> CheckCopayAsync(Guid claimId, CancellationToken ct = default)
    {
        var me = Tokens?.User ?? throw new InvalidOperationException("Sign in first.");
        var claim = await ClaimAsync(claimId, ct);
        var problems = new List<string>(await ClaimProblemsAsync(claim, me.Id, ct));
        if (claim.Id != claimId)
        {
            problems.Add($"Asked for claim {claimId}, the server answered with {claim.Id}.");
        }
        if (claim.Dispense is null)
        {
            problems.Add($"Claim {claimId} is not a pharmacy's claim for a dispense: it bills no co-pay.");
        }
        var price = claim.Lines.Sum(l => l.AmountMinor);
        long share = 0;
        string? notEligible = null;
        var policy = await MyPolicyAsync(claim.PolicyId, ct);
        foreach (var line in claim.Lines)
        {
            if (line.Outcome != InsuranceClaimContract.Eligible)
            {
                notEligible ??= line.Outcome ?? "not decided yet";
                continue;
            }
            if (!InsurancePolicyContract.TryParseBenefit(policy.Issue.Get(InsurancePolicyContract.BenefitPrefix + line.Tag), out var percent, out var copay, out _, out _))
            {
                problems.Add($"Claim {claimId} line {line.Line} is shown eligible, but your policy on the ledger has no benefit {line.Tag[..8]}….");
                continue;
            }
            var expected = InsuranceClaimContract.Share(line.AmountMinor, percent, copay);
            if (line.PayableMinor != expected)
            {
                problems.Add($"Claim {claimId} line {line.Line}: the insurer's share shown is {line.PayableMinor}, your policy's terms on the ledger give {expected}.");
            }
            share += expected;
        }
        var owed = price - share;
        if (claim.CopayMinor != owed)
        {
            problems.Add($"Claim {claimId}: the co-pay shown is {claim.CopayMinor}, the price {price} less the insurer's share {share} is {owed}.");
        }
        return new CheckedCopay(claim, price, share, owed, notEligible, problems);
    }

    /// <summary>A co-pay payable must be exactly what its checked claim leaves owed, to the pharmacy that filed it, in its currency.</summary>
    private async Task CheckCopayPayableAsync(PayableInfo payable, CancellationToken ct)
    {
        var copay = await CheckCopayAsync(payable.ReferenceId, ct);
        if (!copay.Verified)
        {
            throw new PaymentCheckException($"Co-pay {payable.Id} does not check out: {string.Join(" ", copay.Problems)}");
        }
        if (payable.Amount != copay.OwedMinor || payable.Currency != copay.Claim.Currency || payable.PayeeOrganizationId != copay.Claim.ProviderOrganizationId)
        {
            throw new PaymentCheckException(
                $"Co-pay {payable.Id} asks {payable.Amount} {payable.Currency} for {payable.PayeeOrganizationId}; the claim on the ledger leaves {copay.OwedMinor} {copay.Claim.Currency} owed to {copay.Claim.ProviderOrganizationId}.");
        }
    }
}

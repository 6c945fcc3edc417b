using System.Security.Cryptography;
using MedLedger.Ledger.Contracts;

namespace MedLedger.Ledger.Tests;

/// <summary>payments.pay and payments.refund against a real SQLite-backed peer (its own registry: only identity and payments).</summary>
public sealed class PaymentContractTests : PharmacyPeerTestBase
{
    private protected override IEnumerable<ILedgerContract> AreaContracts => [new PaymentPayContract(), new PaymentRefundContract()];

    private Dictionary<string, string> Pay(TestUser payer, string amount = "500", string? token = null, string? referenceId = null) => new()
    {
        ["paymentId"] = Guid.NewGuid().ToString(), ["payerId"] = payer.Id, ["payeeOrganizationId"] = _pharmacy, ["referenceKind"] = "counter",
        ["referenceId"] = referenceId ?? Guid.NewGuid().ToString(), ["amount"] = amount, ["currency"] = "EUR",
        ["token"] = token ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)),
    };

    private Dictionary<string, string> Refund(string paymentId, string amount, string? payee = null) => new()
    {
        ["refundId"] = Guid.NewGuid().ToString(), ["paymentId"] = paymentId, ["payeeOrganizationId"] = payee ?? _pharmacy, ["amount"] = amount,
    };

    [Fact]
    public async Task A_payment_is_signed_by_its_patient_payer_and_a_token_or_reference_is_spent_once()
    {
        // Someone else signing for the payer, a pharmacist paying, malformed amounts and extra fields.
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_other.Tx(PaymentPayContract.TypeName, Pay(_patient))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_pharmacist.Tx(PaymentPayContract.TypeName, Pay(_pharmacist))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(PaymentPayContract.TypeName, Pay(_patient, amount: "0"))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(PaymentPayContract.TypeName, Pay(_patient, amount: "-5"))));
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(PaymentPayContract.TypeName, Pay(_patient, amount: "0500"))));
        var named = Pay(_patient);
        named["medicine"] = "oxycodone";
        Assert.Equal(LedgerRejectionKind.Malformed, await Refused(_patient.Tx(PaymentPayContract.TypeName, named)));

        var first = Pay(_patient);
        Assert.True((await _peer.SubmitAsync(_patient.Tx(PaymentPayContract.TypeName, first))).Valid);
        Assert.Equal("500", await _peer.Queries.GetStateAsync(PaymentKeys.Amount(first["paymentId"])));
        // The same token again (a new payment id and reference), and the same reference with a fresh token.
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(PaymentPayContract.TypeName, Pay(_patient, token: first["token"]))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_patient.Tx(PaymentPayContract.TypeName, Pay(_patient, referenceId: first["referenceId"]))));
    }

    [Fact]
    public async Task Refunds_of_a_payment_never_total_more_than_it_and_each_refund_id_counts_once()
    {
        var payment = Pay(_patient, amount: "1000");
        await _peer.SubmitAsync(_patient.Tx(PaymentPayContract.TypeName, payment));
        var id = payment["paymentId"];
        // Only a verified pharmacist, for the payee named on the payment.
        var unverified = await UserAsync(IdentityRoles.Pharmacist, verified: false);
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(unverified.Tx(PaymentRefundContract.TypeName, Refund(id, "100"))));
        Assert.Equal(LedgerRejectionKind.Forbidden, await Refused(_patient.Tx(PaymentRefundContract.TypeName, Refund(id, "100"))));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(PaymentRefundContract.TypeName, Refund(id, "100", payee: Guid.NewGuid().ToString()))));

        var partial = Refund(id, "400");
        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(PaymentRefundContract.TypeName, partial))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(PaymentRefundContract.TypeName, partial)));
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(PaymentRefundContract.TypeName, Refund(id, "601"))));
        Assert.True((await _peer.SubmitAsync(_pharmacist.Tx(PaymentRefundContract.TypeName, Refund(id, "600")))).Valid);
        Assert.Equal(LedgerRejectionKind.Conflict, await Refused(_pharmacist.Tx(PaymentRefundContract.TypeName, Refund(id, "1"))));
        Assert.Equal("1000", await _peer.Queries.GetStateAsync(PaymentKeys.Refunded(id)));
    }

    [Fact]
    public async Task Two_full_refunds_racing_for_one_payment_commit_exactly_once()
    {
        var payment = Pay(_patient, amount: "700");
        await _peer.SubmitAsync(_patient.Tx(PaymentPayContract.TypeName, payment));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            try
            {
                return (await _peer.SubmitAsync(_pharmacist.Tx(PaymentRefundContract.TypeName, Refund(payment["paymentId"], "700")))).Valid;
            }
            catch (LedgerRejectedException)
            {
                return false;
            }
        }));
        Assert.Single(outcomes, o => o);
        Assert.Equal("700", await _peer.Queries.GetStateAsync(PaymentKeys.Refunded(payment["paymentId"])));
    }
}

using MedLedger.Client;

namespace MedLedger.Server.Tests.Cli;

/// <summary>
/// `serve --demo`'s insurance story (DemoWorld.Insurance.cs, docs/insurance.md "Demo"), read back through the SDK as the
/// patients and the insurer's clients see it: patient5's pharmacy co-pay claim (checked, paid, share paid out) and patient1's
/// claim with an invoice sealed for the insurer, which the insurer's staff open.
/// </summary>
public sealed partial class InsuranceCliTests
{
    private async Task<MedLedgerClient> SdkAsync(string prefix)
    {
        var account = _demo.Accounts.Single(a => a.Email == prefix + "@demo.medledger.local");
        var client = new MedLedgerClient(new HttpClient { BaseAddress = new Uri(_demo.Url) }, ownsHttp: true);
        await client.LoginWithDevOutboxAsync(account.Email, account.Password);
        return client;
    }

    [Fact]
    public async Task The_demo_has_a_checked_and_paid_pharmacy_co_pay_and_a_claim_whose_invoice_the_insurer_opens()
    {
        // One after another: the dev outbox is not safe for concurrent readers.
        using var patient5 = await SdkAsync("patient5");
        using var patient1 = await SdkAsync("patient1");
        using var insurer = await SdkAsync("insurer");
        using var pharmacist = await SdkAsync("pharmacist");

        // The co-pay: the Amoxicillin fill claimed at 12.90 under Chronic Prescriptions (5.00 co-pay), checked on patient5's device.
        var copayClaim = Assert.Single((await patient5.MyClaimsAsync()).Claims, c => c.Claim.Dispense is not null);
        Assert.True(copayClaim.Verified, string.Join(" ", copayClaim.Problems));
        var copay = await patient5.CheckCopayAsync(copayClaim.Claim.Id);
        Assert.True(copay.Verified, string.Join(" ", copay.Problems));
        Assert.Equal((1290L, 790L, 500L, "paid"), (copay.PriceMinor, copay.ShareMinor, copay.OwedMinor, copay.Claim.Status));
        Assert.Equal(pharmacist.Tokens!.User.OrganizationId, copay.Claim.ProviderOrganizationId);
        var payable = Assert.Single(await patient5.MyPayablesAsync(), p => p.ReferenceKind == MedLedgerClient.CopayKind);
        Assert.Equal((500L, copay.Claim.Id), (payable.Amount, payable.ReferenceId));
        Assert.NotNull(payable.PaymentId);
        Assert.Equal(790, (await insurer.InsurerClaimAsync(copay.Claim.Id)).PaidMinor);

        // The claim with a document: filed by patient1 with an invoice record, sealed for the insurer's staff, who open it.
        // (Other tests on this shared demo server may attach documents too: the demo's is the one holding the invoice.)
        var withDocuments = (await patient1.MyClaimsAsync()).Claims.Where(c => c.Claim.RecordIds.Count == 1).ToList();
        Assert.NotEmpty(withDocuments);
        Assert.All(withDocuments, c => Assert.True(c.Verified, string.Join(" ", c.Problems)));
        var opened = new List<string>();
        foreach (var c in withDocuments)
        {
            opened.Add(System.Text.Encoding.UTF8.GetString((await insurer.OpenRecordAsync(c.Claim.RecordIds[0])).Content));
        }
        Assert.Contains(opened, text => text.Contains("Invoice 0412", StringComparison.Ordinal));
    }
}

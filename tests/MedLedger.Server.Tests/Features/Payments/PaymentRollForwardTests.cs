using MedLedger.Client;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Tests.Features.Ledger;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;

namespace MedLedger.Server.Tests.Features.Payments;

/// <summary>
/// Payments across a crash, and what `ledger verify` says about them: a payment or refund the ledger committed just before the
/// process died is settled at the next start; money held for a payment the ledger never saw goes back to the wallet; a
/// journal or payment row that disagrees with the ledger is reported.
/// </summary>
public sealed class PaymentRollForwardTests : RollForwardHarness
{
    private async Task<(SdkUser Pharmacist, SdkUser Patient)> WalletWorldAsync()
    {
        var pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Crash Wallet Pharmacy");
        var patient = await World.RegisterAsync(Role.Patient);
        await patient.Client.TopUpAsync(5000, "EUR", "card-auth-crash");
        return (pharmacist, patient);
    }

    private static async Task<long> EurAsync(SdkUser patient) => (await patient.Client.WalletBalancesAsync()).Single(b => b.Currency == "EUR").Balance;

    [Fact]
    public async Task A_payment_and_a_refund_committed_before_crashes_are_settled_at_the_next_start_and_verify_is_clean()
    {
        var (pharmacist, patient) = await WalletWorldAsync();
        var payable = await pharmacist.Client.CreatePayableAsync(patient.Id, 1200, "EUR");

        await CrashDuring(PaymentPayContract.TypeName, () => patient.Client.PayAsync(payable.Id));
        var pay = Assert.Single(await CommittedAbout(patient.Id, PaymentPayContract.TypeName));
        var paymentId = pay.Get("paymentId")!;
        var behind = await AuditAsync();
        Assert.Contains(behind, f => f.Contains($"payment {paymentId}: committed on the ledger ({pay.Id}) but the row says pending", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        (pharmacist, patient) = (await Again(pharmacist), await Again(patient));
        Assert.Equal(3800, await EurAsync(patient));
        var paid = Assert.Single((await patient.Client.WalletHistoryAsync()).Payments);
        Assert.Equal(("paid", Guid.Parse(paymentId)), (paid.Status, paid.Id));

        await CrashDuring(PaymentRefundContract.TypeName, () => pharmacist.Client.RefundPaymentAsync(paid.Id, 500));
        var refund = Assert.Single(await CommittedAbout(Guid.Parse(paymentId), PaymentRefundContract.TypeName));
        Assert.Contains(await AuditAsync(), f => f.Contains($"refund {refund.Get("refundId")}: on the ledger ({refund.Id}) but no row (missing)", StringComparison.Ordinal));

        await RestartAsync();
        Assert.Empty(await AuditAsync());
        patient = await Again(patient);
        Assert.Equal(4300, await EurAsync(patient));
        Assert.Equal(500, Assert.Single(Assert.Single((await patient.Client.WalletHistoryAsync()).Payments).Refunds).Amount);
    }

    [Fact]
    public async Task Money_held_for_a_payment_the_ledger_never_saw_goes_back_to_the_wallet_at_the_next_start()
    {
        var (pharmacist, patient) = await WalletWorldAsync();
        var payable = await pharmacist.Client.CreatePayableAsync(patient.Id, 2000, "EUR");
        var intent = await patient.Client.PreparePaymentAsync(payable.Id);
        // What PaymentService's first step leaves when the process dies before the payment reaches the ledger: the pending
        // payment and its hold (wallet −2000, pending +2000).
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<MedLedgerDbContext>();
            var journal = scope.ServiceProvider.GetRequiredService<Journal>();
            var wallet = (await journal.FindAsync(AccountKinds.PatientWallet, patient.Id, "EUR", CancellationToken.None))!.Value;
            var pending = await journal.AccountAsync(AccountKinds.PaymentsPending, Guid.Empty, "EUR", CancellationToken.None);
            db.Add(new Payment
            {
                Id = intent.PaymentId, PayableId = payable.Id, PayerId = patient.Id, PayeeOrganizationId = payable.PayeeOrganizationId, Amount = 2000,
                Currency = "EUR", TransactionId = new string('f', 64), Status = PaymentStatus.Pending, CreatedAt = DateTimeOffset.UtcNow,
            });
            await db.SaveChangesAsync();
            await journal.PostAsync("payment-hold", intent.PaymentId, [(wallet, -2000), (pending, 2000)], CancellationToken.None);
        }
        Assert.Equal(3000, await EurAsync(patient));
        // A pending payment the ledger does not hold is not a disagreement: the next start releases it.
        Assert.Empty(await AuditAsync());

        await RestartAsync();
        (pharmacist, patient) = (await Again(pharmacist), await Again(patient));
        Assert.Equal(5000, await EurAsync(patient));
        Assert.Equal(PaymentStatus.Failed, await Db(db => db.Set<Payment>().Where(p => p.Id == intent.PaymentId).Select(p => p.Status).SingleAsync()));
        Assert.Null(Assert.Single(await pharmacist.Client.PharmacyPayablesAsync()).PaymentId);
        Assert.Empty(await AuditAsync());
        // The payable is still open and can be paid for real.
        Assert.Equal("paid", (await patient.Client.PayAsync(payable.Id)).Status);
        Assert.Equal(3000, await EurAsync(patient));
        Assert.Empty(await AuditAsync());
    }

    [Fact]
    public async Task Verify_reports_a_payment_row_changed_behind_the_ledger_and_a_journal_that_does_not_add_up()
    {
        var (pharmacist, patient) = await WalletWorldAsync();
        var paid = await patient.Client.PayAsync((await pharmacist.Client.CreatePayableAsync(patient.Id, 900, "EUR")).Id);
        Assert.Empty(await AuditAsync());

        // An operator rewrites the amount of the payment row and bumps a wallet without a posting.
        await Db(db => db.Set<Payment>().Where(p => p.Id == paid.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.Amount, 90)));
        await Db(db => db.Set<PaymentAccount>().Where(a => a.Kind == AccountKinds.PatientWallet && a.OwnerId == patient.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, a => a.Balance + 810)));

        var findings = await AuditAsync();
        Assert.Contains(findings, f => f.StartsWith($"payment {paid.Id}: the row (", StringComparison.Ordinal) && f.Contains("90 EUR", StringComparison.Ordinal)
                                       && f.Contains("900 EUR", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.StartsWith($"account {AccountKinds.PatientWallet} {patient.Id} EUR: balance 4910, its postings sum to 4100", StringComparison.Ordinal));
    }
}

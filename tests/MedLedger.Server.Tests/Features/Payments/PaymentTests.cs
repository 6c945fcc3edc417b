using System.Net;
using MedLedger.Client;
using MedLedger.Ledger;
using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Ledger;
using MedLedger.Server.Features.Payments;
using MedLedger.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Role = MedLedger.Client.Role;
using WalletBalance = MedLedger.Client.WalletBalance;

namespace MedLedger.Server.Tests.Features.Payments;

/// <summary>Issue 16 item 5: wallet, double-entry journal, patient-signed payments, Idempotency-Key and refunds, through the real pipeline and the C# SDK.</summary>
public sealed class PaymentTests : RecordTestBase
{
    private SdkUser _pharmacist = null!, _patient = null!;

    private async Task WorldAsync()
    {
        _pharmacist = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Wallet Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        _patient = await World.RegisterAsync(Role.Patient);
    }

    private static long Eur(IReadOnlyList<WalletBalance> balances) => balances.Single(b => b.Currency == "EUR").Balance;

    /// <summary>Every entry's postings sum to zero and every balance is the sum of its postings, never negative where it may not be.</summary>
    private async Task AssertJournalBalancesAsync()
    {
        var unbalanced = await Db(db => db.Set<JournalPosting>().GroupBy(p => p.EntryId).Where(g => g.Sum(p => p.Amount) != 0).CountAsync());
        Assert.Equal(0, unbalanced);
        var accounts = await Db(db => db.Set<PaymentAccount>().AsNoTracking().ToListAsync());
        var sums = await Db(db => db.Set<JournalPosting>().GroupBy(p => p.AccountId).Select(g => new { g.Key, Sum = g.Sum(p => p.Amount) }).ToListAsync());
        foreach (var a in accounts)
        {
            Assert.Equal(sums.SingleOrDefault(s => s.Key == a.Id)?.Sum ?? 0, a.Balance);
            Assert.True(a.AllowNegative || a.Balance >= 0, $"{a.Kind} {a.OwnerId} is at {a.Balance}");
        }
        Assert.Equal(0, accounts.Sum(a => a.Balance));
    }

    [Fact]
    public async Task A_patient_tops_up_pays_a_counter_payable_and_sees_the_payment_with_a_verified_receipt()
    {
        await WorldAsync();
        var payable = await _pharmacist.Client.CreatePayableAsync(_patient.Id, 1250, "EUR");
        Assert.Equal(2000, (await _patient.Client.TopUpAsync(2000, "EUR", "card-auth-4711")).Balance);

        var paid = await _patient.Client.PayAsync(payable.Id);

        Assert.Equal(("paid", 1250L), (paid.Status, paid.Amount));
        Assert.Equal(750, Eur(await _patient.Client.WalletBalancesAsync()));
        Assert.Equal(paid.Id, Assert.Single(await _pharmacist.Client.PharmacyPayablesAsync()).PaymentId);
        var history = await _patient.Client.WalletHistoryAsync();
        Assert.Equal(paid.Id, Assert.Single(history.Payments).Id);
        Assert.Equal("card-auth-4711", Assert.Single(history.TopUps).ExternalReference);
        // The ledger carries ids, amounts and a token only.
        var onLedger = Assert.Single(await LedgerAbout(_patient.Id), t => t.Type == PaymentPayContract.TypeName);
        Assert.Equal(new[] { "amount", "currency", "payeeOrganizationId", "payerId", "paymentId", "referenceId", "referenceKind", "token" }, onLedger.Payload.Keys.Order(StringComparer.Ordinal));
        // A paid payable is not paid again.
        var again = await Assert.ThrowsAsync<PaymentCheckException>(() => _patient.Client.PayAsync(payable.Id));
        Assert.Contains("not an open payable", again.Message, StringComparison.Ordinal);
        await AssertJournalBalancesAsync();
    }

    [Fact]
    public async Task Concurrent_payments_from_one_wallet_succeed_exactly_as_far_as_the_money_goes_and_every_entry_balances()
    {
        await WorldAsync();
        await _patient.Client.TopUpAsync(1000, "EUR", "card-auth-1");
        var intents = new List<PaymentIntent>();
        for (var i = 0; i < 8; i++)
        {
            var payable = await _pharmacist.Client.CreatePayableAsync(_patient.Id, 300, "EUR");
            intents.Add(await _patient.Client.PreparePaymentAsync(payable.Id));
        }

        var outcomes = await Task.WhenAll(intents.Select(async intent =>
        {
            try
            {
                return (await _patient.Client.SubmitPaymentAsync(intent)).Status;
            }
            catch (MedLedgerApiException e) when (e.Status == HttpStatusCode.Conflict)
            {
                return e.ProblemType;
            }
        }));

        Assert.Equal(3, outcomes.Count(o => o == "paid"));
        Assert.Equal(5, outcomes.Count(o => o is not null && o.EndsWith("insufficient-funds", StringComparison.Ordinal)));
        Assert.Equal(100, Eur(await _patient.Client.WalletBalancesAsync()));
        Assert.Equal(3, (await _patient.Client.WalletHistoryAsync()).Payments.Count(p => p.Status == "paid"));
        await AssertJournalBalancesAsync();
    }

    [Fact]
    public async Task An_overdraw_is_refused_and_nothing_reaches_the_ledger()
    {
        await WorldAsync();
        await _patient.Client.TopUpAsync(100, "EUR", "card-auth-2");
        var payable = await _pharmacist.Client.CreatePayableAsync(_patient.Id, 101, "EUR");
        var e = await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.PayAsync(payable.Id));
        Assert.Equal(HttpStatusCode.Conflict, e.Status);
        Assert.DoesNotContain(await LedgerAbout(_patient.Id), t => t.Type == PaymentPayContract.TypeName);
        Assert.Equal(100, Eur(await _patient.Client.WalletBalancesAsync()));
        // In another currency the patient holds nothing at all.
        var dollars = await _pharmacist.Client.CreatePayableAsync(_patient.Id, 1, "USD");
        Assert.Equal(HttpStatusCode.Conflict, (await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.PayAsync(dollars.Id))).Status);
        await AssertJournalBalancesAsync();
    }

    [Fact]
    public async Task A_payment_retried_with_the_same_key_charges_once_even_when_the_retries_are_concurrent()
    {
        await WorldAsync();
        await _patient.Client.TopUpAsync(5000, "EUR", "card-auth-3");
        var payable = await _pharmacist.Client.CreatePayableAsync(_patient.Id, 400, "EUR");
        var intent = await _patient.Client.PreparePaymentAsync(payable.Id);

        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _patient.Client.SubmitPaymentAsync(intent)));
        Assert.All(answers, a => Assert.Equal(intent.PaymentId, a.Id));
        // A later retry gets the settled first result.
        var retried = await _patient.Client.SubmitPaymentAsync(intent);
        Assert.Equal((intent.PaymentId, "paid"), (retried.Id, retried.Status));

        Assert.Equal(4600, Eur(await _patient.Client.WalletBalancesAsync()));
        Assert.Single(await LedgerAbout(_patient.Id), t => t.Type == PaymentPayContract.TypeName);
        Assert.Equal(1, await Db(db => db.Set<JournalEntry>().CountAsync(e => e.Kind == "payment-hold" && e.Reference == intent.PaymentId)));
        // The same key with a different request is refused; the same signed payment under a fresh key is refused too.
        var other = await _patient.Client.PreparePaymentAsync((await _pharmacist.Client.CreatePayableAsync(_patient.Id, 10, "EUR")).Id);
        var reused = await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.SubmitPaymentAsync(other with { IdempotencyKey = intent.IdempotencyKey }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);
        Assert.Equal(HttpStatusCode.Conflict, (await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.SubmitPaymentAsync(intent with { IdempotencyKey = "fresh-key" }))).Status);
        Assert.Equal(4600, Eur(await _patient.Client.WalletBalancesAsync()));
        await AssertJournalBalancesAsync();
    }

    [Fact]
    public async Task A_top_up_retried_with_the_same_key_is_recorded_once_even_when_the_retries_are_concurrent()
    {
        await WorldAsync();
        var answers = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => _patient.Client.TopUpAsync(700, "EUR", "card-auth-5", idempotencyKey: "top-up-1")));
        Assert.Single(answers.Select(a => a.Id).Distinct());
        Assert.Equal(700, Eur(await _patient.Client.WalletBalancesAsync()));
        Assert.Single((await _patient.Client.WalletHistoryAsync()).TopUps);
        var reused = await Assert.ThrowsAsync<MedLedgerApiException>(() => _patient.Client.TopUpAsync(701, "EUR", "card-auth-5", idempotencyKey: "top-up-1"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);
        await AssertJournalBalancesAsync();
    }

    [Fact]
    public async Task A_payment_is_refunded_at_most_once_under_concurrent_refunds_and_partial_refunds_never_exceed_it()
    {
        await WorldAsync();
        await _patient.Client.TopUpAsync(1000, "EUR", "card-auth-6");
        var first = await _patient.Client.PayAsync((await _pharmacist.Client.CreatePayableAsync(_patient.Id, 500, "EUR")).Id);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 5).Select(async _ =>
        {
            try
            {
                await _pharmacist.Client.RefundPaymentAsync(first.Id, 500);
                return HttpStatusCode.OK;
            }
            catch (MedLedgerApiException e)
            {
                return e.Status;
            }
        }));
        Assert.Single(outcomes, o => o == HttpStatusCode.OK);
        Assert.All(outcomes.Where(o => o != HttpStatusCode.OK), o => Assert.Equal(HttpStatusCode.Conflict, o));
        Assert.Equal(1000, Eur(await _patient.Client.WalletBalancesAsync()));

        var second = await _patient.Client.PayAsync((await _pharmacist.Client.CreatePayableAsync(_patient.Id, 300, "EUR")).Id);
        await _pharmacist.Client.RefundPaymentAsync(second.Id, 100);
        Assert.Equal(300, (await _pharmacist.Client.RefundPaymentAsync(second.Id, 200)).Refunded);
        Assert.Equal(HttpStatusCode.Conflict, (await Assert.ThrowsAsync<MedLedgerApiException>(() => _pharmacist.Client.RefundPaymentAsync(second.Id, 1))).Status);
        var history = await _patient.Client.WalletHistoryAsync();
        Assert.Equal(500, history.Payments.Single(p => p.Id == first.Id).Refunded);
        Assert.Equal(2, history.Payments.Single(p => p.Id == second.Id).Refunds.Count);
        Assert.Equal(1000, Eur(history.Balances));
        await AssertJournalBalancesAsync();
    }

    [Fact]
    public async Task A_patient_cannot_pay_another_patients_payable_nor_the_server_charge_a_patient_who_did_not_sign()
    {
        await WorldAsync();
        var other = await World.RegisterAsync(Role.Patient);
        await other.Client.TopUpAsync(1000, "EUR", "card-auth-7");
        await _patient.Client.TopUpAsync(1000, "EUR", "card-auth-8");
        var payable = await _pharmacist.Client.CreatePayableAsync(_patient.Id, 200, "EUR");
        var intent = await _patient.Client.PreparePaymentAsync(payable.Id);

        // Not listed to the other patient, and refused when they send the payer's signed payment or one of their own.
        Assert.Empty(await other.Client.MyPayablesAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => other.Client.SubmitPaymentAsync(intent))).Status);
        var theirs = LedgerTransaction.Create(PaymentPayContract.TypeName, other.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            LedgerTransaction.FromSigningBytes(intent.Transaction.Transaction, intent.Transaction.Signature).Payload.ToDictionary(kv => kv.Key, kv => kv.Key == "payerId" ? other.Id.ToString() : kv.Value),
            other.Client.Keys!.Signing.PrivateKey);
        var forged = intent with { Transaction = new SignedTransaction(theirs.SigningBytes, theirs.Signature) };
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => other.Client.SubmitPaymentAsync(forged))).Status);
        // A signature that is not the payer's own is refused by the ledger even if the server submitted it.
        var unsigned = LedgerTransaction.Create(PaymentPayContract.TypeName, _patient.Id.ToString(), LedgerTransaction.RandomNonce(), LedgerTransaction.NowMs(),
            theirs.Payload.ToDictionary(kv => kv.Key, kv => kv.Key == "payerId" ? _patient.Id.ToString() : kv.Value), other.Client.Keys!.Signing.PrivateKey);
        await Assert.ThrowsAsync<LedgerRejectedException>(() => Host.Service<LedgerGateway>().Peer.SubmitAsync(unsigned));
        Assert.Equal(1000, Eur(await _patient.Client.WalletBalancesAsync()));
        Assert.Equal(1000, Eur(await other.Client.WalletBalancesAsync()));
        await AssertJournalBalancesAsync();
    }

    [Fact]
    public async Task A_pharmacist_of_another_pharmacy_cannot_refund_and_a_pharmacist_sees_only_their_own_payables()
    {
        await WorldAsync();
        var rival = await World.VerifiedAsync(Admin, Role.Pharmacist, OrganizationKind.Pharmacy, "Rival Pharmacy " + Guid.NewGuid().ToString("N")[..6]);
        await _patient.Client.TopUpAsync(1000, "EUR", "card-auth-9");
        var paid = await _patient.Client.PayAsync((await _pharmacist.Client.CreatePayableAsync(_patient.Id, 250, "EUR")).Id);

        Assert.Empty(await rival.Client.PharmacyPayablesAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await Assert.ThrowsAsync<MedLedgerApiException>(() => rival.Client.RefundPaymentAsync(paid.Id, 250))).Status);
        Assert.Equal(750, Eur(await _patient.Client.WalletBalancesAsync()));
        // A payable for someone who is not a patient is refused.
        Assert.Equal(HttpStatusCode.NotFound, (await Assert.ThrowsAsync<MedLedgerApiException>(() => _pharmacist.Client.CreatePayableAsync(rival.Id, 10, "EUR"))).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await Assert.ThrowsAsync<MedLedgerApiException>(() => _pharmacist.Client.CreatePayableAsync(_patient.Id, 0, "eur"))).Status);
    }

    [Fact]
    public async Task A_payee_the_admin_has_not_verified_is_not_paid()
    {
        var unverified = await World.RegisterAsync(Role.Pharmacist, newOrganization: new NewOrganization(OrganizationKind.Pharmacy, "Unverified Pharmacy", "3 Side Road", 52.5, 13.4, null, null, "HRB 1012"));
        _patient = await World.RegisterAsync(Role.Patient);
        await _patient.Client.TopUpAsync(1000, "EUR", "card-auth-10");
        // The server's own rows say the payable exists; the client still refuses to sign for an unverified payee.
        var payableId = Guid.NewGuid();
        await using (var scope = Host.App.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<PayableService>().IssueAsync(payableId, unverified.OrganizationId!.Value, _patient.Id, "counter", payableId, 100, "EUR", unverified.Id, CancellationToken.None);
        }
        var refused = await Assert.ThrowsAsync<PaymentCheckException>(() => _patient.Client.PayAsync(payableId));
        Assert.Contains(CheckedOrganization.NotVerifiedLabel, refused.Message, StringComparison.Ordinal);
        Assert.Equal(1000, Eur(await _patient.Client.WalletBalancesAsync()));
    }
}

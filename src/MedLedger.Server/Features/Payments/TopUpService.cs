using MedLedger.Ledger.Contracts;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>
/// A patient tops up their wallet with money paid outside (the card side is out of scope; the external reference names it).
/// The top-up, its journal entry (clearing −amount, wallet +amount) and the Idempotency-Key record commit together.
/// </summary>
public sealed class TopUpService(MedLedgerDbContext db, Journal journal, IdempotencyKeys keys, TimeProvider clock)
{
    public const string Operation = "top-up";

    public async Task<TopUpResponse> TopUpAsync(Caller patient, string? idempotencyKey, TopUpRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var key = IdempotencyKeys.Require(idempotencyKey);
        var errors = new Dictionary<string, string[]>();
        if (r.Amount is < 1 or > PaymentPayContract.MaxAmount)
        {
            errors["amount"] = [$"A top-up is 1 to {PaymentPayContract.MaxAmount} minor units."];
        }
        if (!PaymentPayContract.IsCurrency(r.Currency))
        {
            errors["currency"] = ["An ISO 4217 code: three capital letters."];
        }
        if (r.ExternalReference is not { Length: >= 1 and <= PaymentLimits.ExternalReference } || r.ExternalReference.Any(char.IsControl))
        {
            errors["externalReference"] = [$"The outside payment's reference: 1 to {PaymentLimits.ExternalReference} characters."];
        }
        if (errors.Count > 0)
        {
            throw ProblemException.Invalid(errors);
        }
        var fingerprint = IdempotencyKeys.Fingerprint(r.Amount.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Currency, r.ExternalReference);
        if (await keys.FindAsync(patient.Id, key, Operation, fingerprint, ct) is { } done)
        {
            return await ReadAsync(patient.Id, done, ct);
        }
        var wallet = await journal.AccountAsync(AccountKinds.PatientWallet, patient.Id, r.Currency, ct);
        var clearing = await journal.AccountAsync(AccountKinds.TopUpClearing, Guid.Empty, r.Currency, ct);
        var topUp = new WalletTopUp { Id = Guid.NewGuid(), PatientId = patient.Id, Amount = r.Amount, Currency = r.Currency, ExternalReference = r.ExternalReference, At = clock.GetUtcNow() };
        try
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // The key first: a concurrent retry's insert fails here, before anything is posted.
            keys.Add(patient.Id, key, Operation, fingerprint, topUp.Id, topUp.At);
            db.Add(topUp);
            await db.SaveChangesAsync(ct);
            await journal.PostAsync("top-up", topUp.Id, [(clearing, -r.Amount), (wallet, r.Amount)], ct);
            await transaction.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            // A concurrent request with the same key committed first: answer with its top-up.
            return await keys.FindAsync(patient.Id, key, Operation, fingerprint, ct) is { } first
                ? await ReadAsync(patient.Id, first, ct)
                : throw ProblemException.Conflict("The top-up could not be recorded; retry with the same Idempotency-Key.");
        }
        db.ChangeTracker.Clear();
        return await ReadAsync(patient.Id, topUp.Id, ct);
    }

    private async Task<TopUpResponse> ReadAsync(Guid patientId, Guid topUpId, CancellationToken ct)
    {
        var t = await db.Set<WalletTopUp>().AsNoTracking().FirstAsync(x => x.Id == topUpId && x.PatientId == patientId, ct);
        var balance = await db.Set<PaymentAccount>().AsNoTracking()
            .Where(a => a.Kind == AccountKinds.PatientWallet && a.OwnerId == patientId && a.Currency == t.Currency).Select(a => a.Balance).FirstAsync(ct);
        return new TopUpResponse(t.Id, t.Amount, t.Currency, t.ExternalReference, t.At, balance);
    }
}

using MedLedger.Ledger.Contracts;
using MedLedger.Server.Features.Accounts;
using MedLedger.Server.Infrastructure.Auth;
using MedLedger.Server.Infrastructure.Data;
using MedLedger.Server.Infrastructure.Errors;
using Microsoft.EntityFrameworkCore;

namespace MedLedger.Server.Features.Payments;

/// <summary>
/// Payables: what a patient owes an organization, the amount fixed when it is made. A pharmacist makes a counter payable
/// (reference kind "counter", its own id); other features (orders, dispenses, insurers' shares) call <see cref="IssueAsync"/>
/// with their own reference kind and id, and the patient's client pays any of them the same way.
/// </summary>
public sealed class PayableService(MedLedgerDbContext db, Journal journal, AccountDirectory accounts, TimeProvider clock)
{
    public const string CounterKind = "counter";

    public async Task<PayableResponse> CreateCounterAsync(Caller pharmacist, CreatePayableRequest r, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(r);
        var id = Guid.NewGuid();
        return await IssueAsync(id, pharmacist.Organization, r.PatientId, CounterKind, id, r.Amount, r.Currency, pharmacist.Id, ct);
    }

    /// <summary>Makes a payable for (kind, referenceId); the payee's revenue and refund accounts are opened with it.</summary>
    public async Task<PayableResponse> IssueAsync(Guid payableId, Guid payeeOrganizationId, Guid patientId, string referenceKind, Guid referenceId, long amount, string currency,
        Guid createdBy, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        if (amount is < 1 or > PaymentPayContract.MaxAmount)
        {
            errors["amount"] = [$"An amount is 1 to {PaymentPayContract.MaxAmount} minor units."];
        }
        if (!PaymentPayContract.IsCurrency(currency))
        {
            errors["currency"] = ["An ISO 4217 code: three capital letters."];
        }
        if (!PaymentPayContract.IsKind(referenceKind))
        {
            errors["referenceKind"] = ["Lower-case letters only."];
        }
        if (errors.Count > 0)
        {
            throw ProblemException.Invalid(errors);
        }
        if (!await accounts.ExistsAsync(patientId, Role.Patient, ct))
        {
            throw ProblemException.NotFound($"Patient {patientId}");
        }
        await journal.AccountAsync(AccountKinds.PharmacyRevenue, payeeOrganizationId, currency, ct);
        await journal.AccountAsync(AccountKinds.PharmacyRefunds, payeeOrganizationId, currency, ct);
        var p = new Payable
        {
            Id = payableId, PayeeOrganizationId = payeeOrganizationId, PatientId = patientId, ReferenceKind = referenceKind, ReferenceId = referenceId,
            Amount = amount, Currency = currency, CreatedBy = createdBy, CreatedAt = clock.GetUtcNow(),
        };
        db.Add(p);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            throw ProblemException.Conflict($"{referenceKind} {referenceId} has a payable already.");
        }
        return ToResponse(p);
    }

    /// <summary>
    /// Makes the payable another feature's committed ledger transaction fixed (an accepted order: amount and parties come from
    /// the patient-signed orders.place). Called by row writers inside the roll-forward's transaction, which runs once per
    /// transaction, so it answers no problems: a payable that exists already for (kind, referenceId) is left as it is.
    /// </summary>
    public async Task IssueCommittedAsync(Guid payableId, Guid payeeOrganizationId, Guid patientId, string referenceKind, Guid referenceId, long amount, string currency,
        Guid createdBy, CancellationToken ct)
    {
        if (await db.Set<Payable>().AnyAsync(p => p.ReferenceKind == referenceKind && p.ReferenceId == referenceId, ct))
        {
            return;
        }
        await journal.AccountAsync(AccountKinds.PharmacyRevenue, payeeOrganizationId, currency, ct);
        await journal.AccountAsync(AccountKinds.PharmacyRefunds, payeeOrganizationId, currency, ct);
        db.Add(new Payable
        {
            Id = payableId, PayeeOrganizationId = payeeOrganizationId, PatientId = patientId, ReferenceKind = referenceKind, ReferenceId = referenceId,
            Amount = amount, Currency = currency, CreatedBy = createdBy, CreatedAt = clock.GetUtcNow(),
        });
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Whether the payable of (kind, referenceId) is paid (false when there is none): an order is collected only once paid.</summary>
    public Task<bool> IsPaidAsync(string referenceKind, Guid referenceId, CancellationToken ct) =>
        db.Set<Payable>().AsNoTracking().AnyAsync(p => p.ReferenceKind == referenceKind && p.ReferenceId == referenceId && p.PaymentId != null, ct);

    /// <summary>When the payable of (kind, referenceId) was paid (the payment's settlement), or null while unpaid: a policy's cover starts then.</summary>
    public async Task<DateTimeOffset?> PaidAtAsync(string referenceKind, Guid referenceId, CancellationToken ct) =>
        await (from p in db.Set<Payable>().AsNoTracking()
               join pay in db.Set<Payment>().AsNoTracking() on p.PaymentId equals pay.Id
               where p.ReferenceKind == referenceKind && p.ReferenceId == referenceId && pay.Status == PaymentStatus.Paid
               select pay.SettledAt).FirstOrDefaultAsync(ct);

    /// <summary>Pharmacist: their own pharmacy's payables, newest first.</summary>
    public async Task<IReadOnlyList<PayableResponse>> ListForPayeeAsync(Caller pharmacist, CancellationToken ct) =>
        (await db.Set<Payable>().AsNoTracking().Where(p => p.PayeeOrganizationId == pharmacist.Organization).ToListAsync(ct))
            .OrderByDescending(p => p.CreatedAt).Select(ToResponse).ToList();

    /// <summary>Patient: the payables made out to them, newest first.</summary>
    public async Task<IReadOnlyList<PayableResponse>> ListForPatientAsync(Caller patient, CancellationToken ct) =>
        (await db.Set<Payable>().AsNoTracking().Where(p => p.PatientId == patient.Id).ToListAsync(ct))
            .OrderByDescending(p => p.CreatedAt).Select(ToResponse).ToList();

    /// <summary>
    /// Closes the unpaid payable of (kind, referenceId) as settled outside the wallet, once (a conditional update): called by a row
    /// writer inside the roll-forward's transaction when the ledger committed that settlement (it took the reference, so a wallet
    /// payment of it is refused there and its hold released). A payable already paid or closed is left as it is; nothing is posted.
    /// </summary>
    public Task<int> CloseCommittedAsync(string referenceKind, Guid referenceId, string reason, DateTimeOffset at, CancellationToken ct) =>
        db.Set<Payable>().Where(p => p.ReferenceKind == referenceKind && p.ReferenceId == referenceId && p.PaymentId == null && p.ClosedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.ClosedAt, at).SetProperty(p => p.ClosedReason, reason), ct);

    internal static PayableResponse ToResponse(Payable p) =>
        new(p.Id, p.PayeeOrganizationId, p.PatientId, p.ReferenceKind, p.ReferenceId, p.Amount, p.Currency, p.CreatedAt, p.PaymentId, p.ClosedAt, p.ClosedReason);
}

using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace MedLedger.Server.Features.Payments;

/// <summary>The kinds of account the journal posts to (docs/payments.md, "Accounts").</summary>
public static class AccountKinds
{
    /// <summary>A patient's money on the platform; never below zero.</summary>
    public const string PatientWallet = "patient-wallet";
    /// <summary>What patients paid a pharmacy; never below zero.</summary>
    public const string PharmacyRevenue = "pharmacy-revenue";
    /// <summary>What a pharmacy refunded (a contra-revenue account: its balance is minus the refunds).</summary>
    public const string PharmacyRefunds = "pharmacy-refunds";
    /// <summary>Money that came in from outside (cards): minus every top-up, so the journal balances.</summary>
    public const string TopUpClearing = "platform-top-up-clearing";
    /// <summary>Money held for payments the ledger has not settled yet.</summary>
    public const string PaymentsPending = "platform-payments-pending";
    /// <summary>What an insurer paid out on claims: minus every payout (money the insurer funds from outside; its premiums sit in its revenue account).</summary>
    public const string InsurerPayouts = "insurer-payouts";
    /// <summary>What insurers paid a provider organization on its claims; never below zero.</summary>
    public const string ProviderInsuranceIncome = "provider-insurance-income";
}

/// <summary>One account per (kind, owner, currency); platform accounts are owned by <see cref="Guid.Empty"/>.</summary>
public sealed class PaymentAccount
{
    public Guid Id { get; set; }
    public required string Kind { get; set; }
    public Guid OwnerId { get; set; }
    public required string Currency { get; set; }
    /// <summary>Minor units; changed only by postings, with a conditional update (and a CHECK) that keeps it from going negative.</summary>
    public long Balance { get; set; }
    /// <summary>Clearing and contra accounts go negative by design; wallets, revenue and pending never do.</summary>
    public bool AllowNegative { get; set; }
}

/// <summary>One journal entry; its postings sum to zero. (Kind, Reference) is unique: each step of a payment is posted once.</summary>
public sealed class JournalEntry
{
    public Guid Id { get; set; }
    /// <summary>top-up, payment-hold, payment-settle, payment-release or refund.</summary>
    public required string Kind { get; set; }
    /// <summary>The top-up, payment or refund id.</summary>
    public Guid Reference { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>A signed amount on one account: positive raises its balance, negative lowers it.</summary>
public sealed class JournalPosting
{
    public Guid Id { get; set; }
    public Guid EntryId { get; set; }
    public Guid AccountId { get; set; }
    public long Amount { get; set; }
}

/// <summary>Money a patient put in from outside; the card side is out of scope, only its external reference is kept.</summary>
public sealed class WalletTopUp
{
    public Guid Id { get; set; }
    public Guid PatientId { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public required string ExternalReference { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// Something a patient owes an organization, with its amount fixed when it is created: a counter payable the pharmacist
/// makes, later an order, a dispense or an insurer's share. The reference (kind + id) is what payments.pay names.
/// </summary>
public sealed class Payable
{
    public Guid Id { get; set; }
    public Guid PayeeOrganizationId { get; set; }
    public Guid PatientId { get; set; }
    public required string ReferenceKind { get; set; }
    public Guid ReferenceId { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public Guid CreatedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The settled payment, once the ledger committed it.</summary>
    public Guid? PaymentId { get; set; }
    /// <summary>
    /// When the payable was settled outside the wallet (an insurer marking a premium paid, committed on the ledger): it can no longer
    /// be paid. No money moved on the platform, so nothing is posted.
    /// </summary>
    public DateTimeOffset? ClosedAt { get; set; }
    /// <summary>Why it closed: a code (<see cref="PayableClosings"/>).</summary>
    public string? ClosedReason { get; set; }
}

/// <summary>Why a payable closed without a wallet payment.</summary>
public static class PayableClosings
{
    /// <summary>The payee says it was paid outside the platform (an insurer's mark-paid of a premium).</summary>
    public const string PaidElsewhere = "paid-elsewhere";
}

/// <summary>Payment states: pending (wallet money held, ledger not settled), paid (committed), failed (refused; money back).</summary>
public static class PaymentStatus
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Failed = "failed";
}

/// <summary>One payments.pay; written (pending) with the wallet hold before the ledger sees it.</summary>
public sealed class Payment
{
    /// <summary>The payment id the signed transaction names.</summary>
    public Guid Id { get; set; }
    public Guid PayableId { get; set; }
    public Guid PayerId { get; set; }
    public Guid PayeeOrganizationId { get; set; }
    public long Amount { get; set; }
    public required string Currency { get; set; }
    public required string TransactionId { get; set; }
    public required string Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? SettledAt { get; set; }
}

/// <summary>One committed payments.refund.</summary>
public sealed class PaymentRefund
{
    /// <summary>The refund id the signed transaction names.</summary>
    public Guid Id { get; set; }
    public Guid PaymentId { get; set; }
    public Guid PharmacistId { get; set; }
    public long Amount { get; set; }
    public required string TransactionId { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// An Idempotency-Key a caller used: the first request's fingerprint and the resource it made. Inserted in the same
/// database transaction as that resource, so concurrent retries make it once.
/// </summary>
public sealed class IdempotencyRecord
{
    public Guid CallerId { get; set; }
    public required string Key { get; set; }
    /// <summary>top-up or pay.</summary>
    public required string Operation { get; set; }
    /// <summary>SHA-256 (hex) of what identifies the request, so the same key with another request is refused.</summary>
    public required string RequestHash { get; set; }
    public Guid ResultId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class PaymentAccountConfiguration : IEntityTypeConfiguration<PaymentAccount>
{
    public void Configure(EntityTypeBuilder<PaymentAccount> b)
    {
        b.ToTable("payment_accounts", t => t.HasCheckConstraint("ck_payment_accounts_balance", "\"Balance\" >= 0 OR \"AllowNegative\""));
        b.HasKey(x => x.Id);
        b.Property(x => x.Kind).HasMaxLength(32);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => new { x.Kind, x.OwnerId, x.Currency }).IsUnique();
    }
}

internal sealed class JournalEntryConfiguration : IEntityTypeConfiguration<JournalEntry>
{
    public void Configure(EntityTypeBuilder<JournalEntry> b)
    {
        b.ToTable("payment_journal_entries");
        b.HasKey(x => x.Id);
        b.Property(x => x.Kind).HasMaxLength(32);
        b.HasIndex(x => new { x.Kind, x.Reference }).IsUnique();
    }
}

internal sealed class JournalPostingConfiguration : IEntityTypeConfiguration<JournalPosting>
{
    public void Configure(EntityTypeBuilder<JournalPosting> b)
    {
        b.ToTable("payment_journal_postings");
        b.HasKey(x => x.Id);
        b.HasIndex(x => x.EntryId);
        b.HasIndex(x => x.AccountId);
    }
}

internal sealed class WalletTopUpConfiguration : IEntityTypeConfiguration<WalletTopUp>
{
    public void Configure(EntityTypeBuilder<WalletTopUp> b)
    {
        b.ToTable("payment_top_ups", t => t.HasCheckConstraint("ck_payment_top_ups_amount", "\"Amount\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.ExternalReference).HasMaxLength(PaymentLimits.ExternalReference);
        b.HasIndex(x => x.PatientId);
    }
}

internal sealed class PayableConfiguration : IEntityTypeConfiguration<Payable>
{
    public void Configure(EntityTypeBuilder<Payable> b)
    {
        b.ToTable("payment_payables", t => t.HasCheckConstraint("ck_payment_payables_amount", "\"Amount\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.ReferenceKind).HasMaxLength(32);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.ClosedReason).HasMaxLength(32);
        b.HasIndex(x => new { x.ReferenceKind, x.ReferenceId }).IsUnique();
        b.HasIndex(x => x.PatientId);
        b.HasIndex(x => x.PayeeOrganizationId);
    }
}

internal sealed class PaymentConfiguration : IEntityTypeConfiguration<Payment>
{
    public void Configure(EntityTypeBuilder<Payment> b)
    {
        b.ToTable("payment_payments", t => t.HasCheckConstraint("ck_payment_payments_amount", "\"Amount\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.Status).HasMaxLength(16);
        b.Property(x => x.TransactionId).HasMaxLength(64);
        b.HasIndex(x => x.TransactionId).IsUnique();
        b.HasIndex(x => x.PayerId);
        b.HasIndex(x => x.PayableId);
        b.HasIndex(x => x.Status);
    }
}

internal sealed class PaymentRefundConfiguration : IEntityTypeConfiguration<PaymentRefund>
{
    public void Configure(EntityTypeBuilder<PaymentRefund> b)
    {
        b.ToTable("payment_refunds", t => t.HasCheckConstraint("ck_payment_refunds_amount", "\"Amount\" > 0"));
        b.HasKey(x => x.Id);
        b.Property(x => x.TransactionId).HasMaxLength(64);
        b.HasIndex(x => x.PaymentId);
    }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("payment_idempotency_keys");
        b.HasKey(x => new { x.CallerId, x.Key });
        b.Property(x => x.Key).HasMaxLength(PaymentLimits.IdempotencyKey);
        b.Property(x => x.Operation).HasMaxLength(16);
        b.Property(x => x.RequestHash).HasMaxLength(64);
    }
}

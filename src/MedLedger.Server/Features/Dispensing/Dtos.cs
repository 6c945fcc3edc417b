using MedLedger.Ledger;
using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Dispensing;

/// <summary>A prescriber-signed prescriptions.issue (or prescriptions.cancel), or a pharmacist-signed pharmacy.dispense.</summary>
public sealed record SignedPrescriptionTransaction(SignedTransactionDto Transaction);

/// <summary>A pharmacist-signed pharmacy.dispense and the pharmacy's catalogue medicine it takes from stock (not on the ledger: it names the drug).</summary>
public sealed record DispenseRequest(SignedTransactionDto Transaction, Guid MedicineId);

/// <summary>One fill; <c>Receipt</c> is its pharmacy.dispense's receipt (served here: the ledger's receipt route shows a transaction only to those it names).</summary>
public sealed record FillResponse(Guid PrescriptionId, int FillNumber, int Quantity, Guid PharmacistId, Guid PharmacyId, string TransactionId, DateTimeOffset DispensedAt,
    LedgerReceipt Receipt);

/// <summary>A prescription's ledger limits and every fill at any pharmacy; clients check each against its ledger receipt.</summary>
public sealed record PrescriptionResponse(Guid PrescriptionId, Guid RecordId, int RecordVersion, Guid PatientId, Guid PrescriberId, string HeaderHash,
    int TotalUnits, int MaxFills, DateTimeOffset ValidUntil, string Status, int Dispensed, string IssueTransactionId, DateTimeOffset IssuedAt,
    string? CancelTransactionId, DateTimeOffset? CancelledAt, IReadOnlyList<FillResponse> Fills, LedgerReceipt IssueReceipt, LedgerReceipt? CancelReceipt);

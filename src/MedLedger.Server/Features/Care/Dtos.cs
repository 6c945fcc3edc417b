using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Care;

public sealed record AssignmentRequest(SignedTransactionDto Transaction);

public sealed record AssignmentResponse(Guid PatientId, Guid DoctorId, Guid HospitalId, Guid AssignedBy, DateTimeOffset AssignedAt, string TransactionId);

using MedLedger.Server.Features.Ledger;

namespace MedLedger.Server.Features.Care;

public sealed record AssignmentRequest(SignedTransactionDto Transaction);

public sealed record AssignmentResponse(Guid PatientId, Guid DoctorId, Guid HospitalId, Guid AssignedBy, DateTimeOffset AssignedAt, string TransactionId);

/// <summary>A signed care.register or care.withdraw (the patient's own key).</summary>
public sealed record RegistrationRequest(SignedTransactionDto Transaction);

public sealed record RegistrationResponse(Guid PatientId, Guid HospitalId, DateTimeOffset RegisteredAt, string TransactionId);

/// <summary>A patient with a relationship to the caller's hospital: registered, and/or holding or admitted on a bed. Ids only.</summary>
public sealed record RelatedPatient(Guid PatientId, bool Registered, bool Booked);

namespace MedLedger.Ledger.Contracts;

/// <summary>State keys of the care, record, consent and emergency contracts.</summary>
public static class CareKeys
{
    public static string Assignment(string patientId, string doctorId) => $"care/{patientId}/{doctorId}";
    public static string RecordVersion(string recordId) => $"record/{recordId}/version";
    public static string RecordPatient(string recordId) => $"record/{recordId}/patient";
    public static string RecordAuthor(string recordId) => $"record/{recordId}/author";
    public static string Consent(string grantId) => $"consent/{grantId}";
    public static string ConsentPatient(string grantId) => $"consent/{grantId}/patient";
    public static string ConsentGrantee(string grantId) => $"consent/{grantId}/grantee";
    public static string ConsentExpires(string grantId) => $"consent/{grantId}/expires";
    /// <summary>The appointment an appointment-scoped grant names (absent for other grants).</summary>
    public static string ConsentAppointment(string grantId) => $"consent/{grantId}/appointment";
    /// <summary>Every key under this prefix is a relationship patient P created with hospital H (registration or a live booking).</summary>
    public static string RelationshipPrefix(string patientId, string hospitalId) => $"relationship/{patientId}/{hospitalId}/";
    public static string Registration(string patientId, string hospitalId) => $"relationship/{patientId}/{hospitalId}/registered";
    public static string BookingRelationship(string patientId, string hospitalId, string bookingId) => $"relationship/{patientId}/{hospitalId}/booking/{bookingId}";
    public static string Emergency(string patientId, string hospitalId) => $"emergency/{patientId}/{hospitalId}";
    public static string HospitalEmergencyKey(string hospitalId) => $"emergency-key/{hospitalId}";
    public static string HospitalEmergencyKeyTransaction(string hospitalId) => $"emergency-key/{hospitalId}/tx";
}

/// <summary>State keys of the amendment contracts.</summary>
public static class AmendmentKeys
{
    public const string Open = "open";
    /// <summary>"open", "accepted" or "declined".</summary>
    public static string Status(string requestId) => $"amend/{requestId}";
    public static string Record(string requestId) => $"amend/{requestId}/record";
    public static string Version(string requestId) => $"amend/{requestId}/version";
    /// <summary>The open request on a record, if any.</summary>
    public static string OpenOnRecord(string recordId) => $"amend-open/{recordId}";
}

/// <summary>State keys of the order and stock-reservation contracts (docs/pharmacy.md, "Orders"): ids, statuses and counts only.</summary>
public static class OrderKeys
{
    /// <summary>"placed", "accepted", "ready", "collected", "declined", "cancelled" or "expired".</summary>
    public static string Status(string orderId) => $"order/{orderId}";
    public static string Patient(string orderId) => $"order/{orderId}/patient";
    public static string Pharmacy(string orderId) => $"order/{orderId}/pharmacy";
    /// <summary>"held", "released", "collected" or "expired".</summary>
    public static string Reservation(string reservationId) => $"reservation/{reservationId}";
    public static string ReservationPharmacy(string reservationId) => $"reservation/{reservationId}/pharmacy";
}

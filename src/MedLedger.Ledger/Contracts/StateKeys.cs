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

/// <summary>State keys of insurance.policy (docs/insurance.md "Policy ledger state"): ids, dates, amounts and benefit tags only, never a category name.</summary>
public static class InsurancePolicyKeys
{
    /// <summary>"pending", "active", "suspended", "expired" or "renewed".</summary>
    public static string Status(string policyId) => $"policy/{policyId}";
    public static string Patient(string policyId) => $"policy/{policyId}/patient";
    public static string Insurer(string policyId) => $"policy/{policyId}/insurer";
    public static string Plan(string policyId) => $"policy/{policyId}/plan";
    public static string Currency(string policyId) => $"policy/{policyId}/currency";
    public static string PeriodStart(string policyId) => $"policy/{policyId}/period-start";
    public static string PeriodEnd(string policyId) => $"policy/{policyId}/period-end";
    /// <summary>Set by activate: max(period start, the premium payment's time), unix ms.</summary>
    public static string CoverStart(string policyId) => $"policy/{policyId}/cover-start";
    public static string AnnualLimit(string policyId) => $"policy/{policyId}/annual-limit";
    /// <summary>Paid out so far over all benefits (minor units); 0 at issue, claims add to it.</summary>
    public static string Used(string policyId) => $"policy/{policyId}/used";
    /// <summary>The policy this one renewed (absent for a first policy).</summary>
    public static string Previous(string policyId) => $"policy/{policyId}/previous";
    /// <summary>A benefit's terms, "percent:P:LIMIT:WAIT" or "copay:C:LIMIT:WAIT"; the tag hides the category.</summary>
    public static string Benefit(string policyId, string tag) => $"policy/{policyId}/benefit/{tag}";
    public static string BenefitUsed(string policyId, string tag) => $"policy/{policyId}/benefit/{tag}/used";
    /// <summary>Create-once: one policy per patient, plan and period start.</summary>
    public static string Slot(string patientId, string planId, long periodStartMs) => $"policy-slot/{patientId}/{planId}/{periodStartMs}";
}

/// <summary>State keys of insurance.claim (docs/insurance.md "Claims"): ids, tags, amounts and codes only.</summary>
public static class InsuranceClaimKeys
{
    /// <summary>"filed", "approved", "partly-approved", "rejected", "reversed" or "paid".</summary>
    public static string Status(string claimId) => $"claim/{claimId}";
    public static string Policy(string claimId) => $"claim/{claimId}/policy";
    public static string Patient(string claimId) => $"claim/{claimId}/patient";
    public static string Insurer(string claimId) => $"claim/{claimId}/insurer";
    /// <summary>"organization:&lt;id&gt;" or "patient:&lt;id&gt;".</summary>
    public static string Payee(string claimId) => $"claim/{claimId}/payee";
    public static string Currency(string claimId) => $"claim/{claimId}/currency";
    public static string LineCount(string claimId) => $"claim/{claimId}/lines";
    /// <summary>The automatic check of a line: "outcome:payableMinor:tag" (payable 0 unless eligible).</summary>
    public static string Line(string claimId, int line) => $"claim/{claimId}/line/{line}";
    public static string LineToken(string claimId, int line) => $"claim/{claimId}/line/{line}/token";
    /// <summary>The insurer's decision of a line: "outcome:approvedMinor:reason" (reason "-" when approved in full).</summary>
    public static string LineDecision(string claimId, int line) => $"claim/{claimId}/line/{line}/decision";
    /// <summary>The sum the insurer approved (set by decide).</summary>
    public static string Approved(string claimId) => $"claim/{claimId}/approved";
    /// <summary>Create-once: the amount paid out. A second payout finds it and is refused.</summary>
    public static string Paid(string claimId) => $"claim/{claimId}/paid";
    /// <summary>"open:&lt;reason&gt;", "dismissed:&lt;reason&gt;" or "resolved:&lt;reason&gt;" (a reversal resolves it).</summary>
    public static string Dispute(string claimId) => $"claim/{claimId}/dispute";
    /// <summary>Create-once per line: "claimId/line". The same care billed again finds it (duplicate); a reversal frees it.</summary>
    public static string Token(string token) => $"claim-token/{token}";
}

/// <summary>State keys of identity.org-standing (docs/ledger.md "Identity transactions"): an organization's standing, no name.</summary>
public static class OrganizationStandingKeys
{
    /// <summary>"suspended" or "active" (absent: never suspended).</summary>
    public static string Standing(string organizationId) => $"identity/org-standing/{organizationId}";
    /// <summary>Id of the newest identity.org-standing about the organization: the receipt clients check.</summary>
    public static string Transaction(string organizationId) => $"identity/org-standing/{organizationId}/tx";
}

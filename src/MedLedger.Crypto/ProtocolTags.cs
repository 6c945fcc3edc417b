namespace MedLedger.Crypto;

/// <summary>
/// Domain-separation tags of MedLedger's signed and derived byte layouts that are built outside this library's own
/// types (server, SDK, browser). Each tag is the first field of a canonical encoding (docs/crypto-format.md), so a
/// signature or hash made for one purpose can never be replayed as another.
/// </summary>
public static class ProtocolTags
{
    /// <summary>
    /// Signed password change: canonical(tag, userId, server nonce, newAuthKey, kdf algorithm, iterations, salt, new
    /// password wrap). v2 added the single-use server nonce, so a captured signature cannot be replayed.
    /// </summary>
    public const string PasswordChange = "medledger/v2/password-change";

    /// <summary>Signed account recovery: same layout as <see cref="PasswordChange"/>, different tag.</summary>
    public const string Recovery = "medledger/v2/recovery";

    /// <summary>Sealed-secret purpose of a hospital's emergency private key sealed to one of its doctors.</summary>
    public const string HospitalEmergencyKey = "medledger/v1/hospital-emergency-key";

    /// <summary>Hash a consent.grant anchors for its scope: SHA-256(canonical(tag, kind, sorted items)).</summary>
    public const string ConsentScope = "medledger/v1/consent-scope";

    /// <summary>
    /// Fingerprint of the readers a new record version must be wrapped for, as the server lists them to its writer:
    /// SHA-256(canonical(tag, count, then per reader sorted by id: id, encryption key id, grant id or "")), hex.
    /// A writer that reuses a reader list sends it with the upload; the server refuses (409) when its list changed.
    /// </summary>
    public const string RecordReaders = "medledger/v1/record-readers";

    /// <summary>Commitment emergency.break-glass carries for its reason code: SHA-256(canonical(tag, reason, 16-byte salt)).</summary>
    public const string BreakGlassReason = "medledger/v1/break-glass-reason";
    /// <summary>Salted commitment to a fact the ledger must not spell out (a bed type, a consent purpose): SHA-256(canonical(tag, kind, value, salt)).</summary>
    public const string FactCommitment = "medledger/v1/fact-commitment";
    /// <summary>Hash of a professional's public identity card that an admin's identity.verify signs: <see cref="IdentityCards.Hash"/>.</summary>
    public const string IdentityCard = "medledger/v1/identity-card";

    // Amendment requests (issue 12 item 6).
    /// <summary>Sealed-secret purpose of an amendment request's text, sealed for the record's patient and author; context is the request id.</summary>
    public const string AmendmentRequestText = "medledger/v1/amendment-request";
    /// <summary>Sealed-secret purpose of the reason an author gives for declining an amendment request; context is the request id.</summary>
    public const string AmendmentDeclineReason = "medledger/v1/amendment-decline-reason";
    /// <summary>Hash records.amend-request and records.amend-decide anchor for a sealed note: <see cref="AmendmentNote.Hash"/>.</summary>
    public const string AmendmentNote = "medledger/v1/amendment-note";

    /// <summary>A sealed patient profile: AES-GCM associated data and the patient's signature (<see cref="PatientProfiles"/>).</summary>
    public const string PatientProfile = "medledger/v1/patient-profile";
    /// <summary>Sealed-secret purpose of a patient profile key wrapped for one reader; the context is "{patientId}/{version}".</summary>
    public const string PatientProfileKey = "medledger/v1/patient-profile-key";

    // Organization verification (issue 12, org-verify).
    /// <summary>Hash of an organization's public card that an admin's identity.verify signs: <see cref="OrganizationCards.Hash"/>.</summary>
    // v2 added the registration number; a v1 approval no longer matches any card, so an admin verifies again.
    public const string OrganizationCard = "medledger/v2/organization-card";
    // End-to-end encrypted messages (issue 18 item 3, docs/messages.md).
    /// <summary>A conversation message: AES-GCM associated data and the sender's signature (<see cref="ConversationMessages"/>).</summary>
    public const string Message = "medledger/v1/message";
    /// <summary>Sealed-secret purpose of a message's content key wrapped for one participant; the context is "{conversationId}/{clientMessageId}".</summary>
    public const string MessageKey = "medledger/v1/message-key";
    /// <summary>AES-GCM associated data of a sealed message attachment (under the message's content key).</summary>
    public const string MessageAttachment = "medledger/v1/message-attachment";
    /// <summary>A conversation's sealed subject: associated data and the creator's signature (binds the participant list).</summary>
    public const string ConversationSubject = "medledger/v1/conversation-subject";
    /// <summary>Sealed-secret purpose of a conversation subject key wrapped for one participant; the context is the conversation id.</summary>
    public const string ConversationSubjectKey = "medledger/v1/conversation-subject-key";
    // Appointments (issue 18, docs/consultations.md).
    /// <summary>SealedSecret purpose of an appointment's reason (context: the appointment id), sealed by the patient for the doctor and for themselves.</summary>
    public const string AppointmentReason = "medledger/v1/appointment-reason";
    // Pharmacy organization key and orders (issue 16, docs/pharmacy.md).
    /// <summary>Sealed-secret purpose of a pharmacy's organization private key sealed to one of its verified pharmacists; the context is the pharmacy id.</summary>
    public const string PharmacyOrganizationKey = "medledger/v1/pharmacy-organization-key";
    /// <summary>Sealed-secret purpose of a patient's order contents (lines, prescription link), sealed for the pharmacy's organization key and for the patient; the context is the order id.</summary>
    public const string OrderContent = "medledger/v1/order-content";
    /// <summary>Sealed-secret purpose of an accepted order's reservation note (reservation id and salt) for the pharmacy's organization key; the context is the order id.</summary>
    public const string OrderReservationNote = "medledger/v1/order-reservation-note";
    /// <summary>Domain tag of the commitment an orders.status "accepted" carries: SHA-256(canonical(tag, reservationId, salt)).</summary>
    public const string OrderReservationCommitment = "medledger/v1/order-reservation-commitment";
    // Insurance policies (issue 17, docs/insurance.md).
    /// <summary>Domain tag of a policy benefit's tag: hex(SHA-256(canonical(tag, policyId, categorySalt, category))); the ledger names a benefit only by it.</summary>
    public const string InsuranceCategoryTag = "medledger/v1/insurance-category-tag";
    /// <summary>Sealed-secret purpose of a policy card (policy id, plan id, category salt, category→tag map) sealed for the patient and the insurer; the context is the policy id.</summary>
    public const string InsurancePolicyCard = "medledger/v1/insurance-policy-card";
    // Insurance claims (issue 17, docs/insurance.md "Claims").
    /// <summary>Domain tag of a claim line's one-time token: hex(SHA-256(canonical(tag, filer id, reference id, line number))); a token is spent once on the ledger.</summary>
    public const string InsuranceClaimLine = "medledger/v1/insurance-claim-line";
    /// <summary>Domain tag of a claim's documentsHash: hex(SHA-256(canonical(tag, StringList("recordId:version", sorted ordinal)))).</summary>
    public const string InsuranceClaimDocuments = "medledger/v1/insurance-claim-documents";
}

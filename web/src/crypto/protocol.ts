// Protocol constants and signed layouts built outside the crypto types themselves, mirroring
// src/MedLedger.Crypto (ProtocolTags.cs, PasswordMaterial.cs, RecordCategories.cs) and the ledger's
// ConsentScopeHash, BreakGlassReasonCommitment and FactCommitment. testdata/crypto-vectors.json ("protocol") pins them to the C# bytes.
import { randomBytes, sha256, toHex, type Bytes } from './bytes';
import { CanonicalWriter } from './canonical';
import type { PasswordParameters } from './password';

/** Tag of the signed password change (ProtocolTags.PasswordChange); v2 binds a single-use server nonce. */
export const PASSWORD_CHANGE_TAG = 'medledger/v2/password-change';
/** Tag of the signed account recovery: same layout as the password change (ProtocolTags.Recovery). */
export const RECOVERY_TAG = 'medledger/v2/recovery';
/** Sealed-secret purpose of a hospital's emergency private key sealed to its doctors; the context is the hospital id (ProtocolTags.HospitalEmergencyKey). */
export const HOSPITAL_EMERGENCY_KEY_PURPOSE = 'medledger/v1/hospital-emergency-key';
/** How long after its appointment's end an appointment-scoped consent.grant may run (AppointmentKeys.ScopedGrantGraceMs; the contract refuses more). */
export const APPOINTMENT_GRANT_GRACE_MS = 2 * 60 * 60 * 1000;

/** Tag of the consent-scope hash a consent.grant anchors (ProtocolTags.ConsentScope). */
export const CONSENT_SCOPE_TAG = 'medledger/v1/consent-scope';
/** Tag of the break-glass reason commitment (ProtocolTags.BreakGlassReason). */
export const BREAK_GLASS_REASON_TAG = 'medledger/v1/break-glass-reason';
/** Length of the random salt under a break-glass reason commitment (BreakGlassReasonCommitment.SaltLength). */
export const BREAK_GLASS_REASON_SALT_LENGTH = 16;
/** Tag of a salted commitment to a fact the ledger must not spell out (ProtocolTags.FactCommitment). */
export const FACT_COMMITMENT_TAG = 'medledger/v1/fact-commitment';
/** FactCommitment.SaltLength. */
export const FACT_COMMITMENT_SALT_LENGTH = 32;
/** Commitment kinds (FactCommitment.BedType, FactCommitment.ConsentPurpose). */
export const FACT_KIND_BED_TYPE = 'bed-type';
export const FACT_KIND_CONSENT_PURPOSE = 'consent-purpose';

/**
 * The bytes signed when setting new password material (PasswordMaterial.SignedBytes):
 * canonical(tag).String(userId).String(nonce).Bytes(newAuthKey).String(algorithm).Int64(iterations).Bytes(salt).Bytes(newPasswordWrap).
 * userId is the lower-case UUID, as C# Guid.ToString() writes it; nonce is the single-use value the server issued.
 */
export function passwordMaterialBytes(tag: string, userId: string, nonce: string, newAuthKey: Bytes, kdf: PasswordParameters, newPasswordWrap: Bytes): Bytes {
  return new CanonicalWriter(tag).string(userId).string(nonce).bytes(newAuthKey)
    .string(kdf.algorithm).int64(kdf.iterations).bytes(kdf.salt)
    .bytes(newPasswordWrap).toBytes();
}

/** canonical(CONSENT_SCOPE_TAG).String(kind).StringList(items in ordinal order): what the consent-scope hash is taken over. */
export function consentScopeBytes(kind: string, items: readonly string[]): Bytes {
  // JS string comparison is by UTF-16 code unit, the same order as StringComparer.Ordinal.
  const sorted = [...items].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new CanonicalWriter(CONSENT_SCOPE_TAG).string(kind).stringList(sorted).toBytes();
}

/** ConsentScopeHash.Compute: lower-case hex SHA-256 of consentScopeBytes(kind, items). */
export async function consentScopeHash(kind: string, items: readonly string[]): Promise<string> {
  return toHex(await sha256(consentScopeBytes(kind, items)));
}

/** canonical(BREAK_GLASS_REASON_TAG).String(reason).Bytes(salt): what the break-glass reason commitment is taken over. */
export function breakGlassReasonBytes(reason: string, salt: Bytes): Bytes {
  return new CanonicalWriter(BREAK_GLASS_REASON_TAG).string(reason).bytes(salt).toBytes();
}

/** BreakGlassReasonCommitment.Compute: lower-case hex SHA-256 of breakGlassReasonBytes(reason, salt); the ledger holds only this. */
export async function breakGlassReasonCommitment(reason: string, salt: Bytes): Promise<string> {
  return toHex(await sha256(breakGlassReasonBytes(reason, salt)));
}

/** canonical(FACT_COMMITMENT_TAG).String(kind).String(value).Bytes(salt): what a fact commitment hashes (FactCommitment.CanonicalBytes). */
export function factCommitmentBytes(kind: string, value: string, salt: Bytes): Bytes {
  if (salt.length !== FACT_COMMITMENT_SALT_LENGTH) throw new Error(`A fact commitment salt is ${FACT_COMMITMENT_SALT_LENGTH} bytes.`);
  return new CanonicalWriter(FACT_COMMITMENT_TAG).string(kind).string(value).bytes(salt).toBytes();
}

/** FactCommitment.Compute: lower-case hex SHA-256 of factCommitmentBytes; the ledger carries this, never the value. */
export async function factCommitment(kind: string, value: string, salt: Bytes): Promise<string> {
  return toHex(await sha256(factCommitmentBytes(kind, value, salt)));
}

/** A fresh 32-byte salt for a fact commitment (made on the client, kept by the patient and the parties who need the fact). */
export function newFactSalt(): Bytes {
  return randomBytes(FACT_COMMITMENT_SALT_LENGTH);
}

/** The record categories the server accepts (RecordCategories.All): FHIR R4 resource types, then File and EmergencySummary, then MedicationDispense. */
export const RECORD_CATEGORIES = [
  'Observation', 'Condition', 'MedicationRequest', 'DiagnosticReport', 'AllergyIntolerance', 'Immunization', 'Procedure',
  'CarePlan', 'Encounter', 'Patient', 'Bundle', 'Appointment', 'Claim', 'Coverage', 'Consent', 'DocumentReference', 'File', 'EmergencySummary',
  'MedicationDispense',
] as const;

export type RecordCategory = (typeof RECORD_CATEGORIES)[number];

/** Category of any upload that is not a FHIR resource (RecordCategories.File). */
export const FILE_CATEGORY = 'File';
/** Category of a patient's emergency summary (RecordCategories.EmergencySummary). */
export const EMERGENCY_SUMMARY_CATEGORY = 'EmergencySummary';

/** The FHIR resource types a record may hold: every category but File and EmergencySummary. */
export const FHIR_RECORD_CATEGORIES: readonly string[] = RECORD_CATEGORIES.filter((c) => c !== FILE_CATEGORY && c !== EMERGENCY_SUMMARY_CATEGORY);

/** RecordCategories.IsKnown. */
export function isKnownRecordCategory(category: string | null | undefined): category is RecordCategory {
  return category != null && (RECORD_CATEGORIES as readonly string[]).includes(category);
}

/** Tag of a professional's identity-card hash an admin's identity.verify signs (ProtocolTags.IdentityCard). */
export const IDENTITY_CARD_TAG = 'medledger/v1/identity-card';

/** The card fields the hash covers; absent ones are empty strings, ids lower-case UUIDs (IdentityCards.CanonicalBytes). */
export interface IdentityCardFields {
  userId: string;
  role: string;
  displayName: string | null;
  licenceNumber: string | null;
  specialty: string | null;
  organizationId: string | null;
  organizationName: string | null;
}

/** canonical(IDENTITY_CARD_TAG).String(userId).String(role).String(displayName).String(licenceNumber).String(specialty).String(organizationId).String(organizationName). */
export function identityCardBytes(c: IdentityCardFields): Bytes {
  return new CanonicalWriter(IDENTITY_CARD_TAG).string(c.userId).string(c.role).string(c.displayName ?? '').string(c.licenceNumber ?? '')
    .string(c.specialty ?? '').string(c.organizationId ?? '').string(c.organizationName ?? '').toBytes();
}

/** IdentityCards.Hash: lower-case hex SHA-256 of identityCardBytes. */
export async function identityCardHash(c: IdentityCardFields): Promise<string> {
  return toHex(await sha256(identityCardBytes(c)));
}

// Amendment requests (issue 12 item 6): ProtocolTags.AmendmentRequestText, AmendmentDeclineReason, AmendmentNote.
/** Sealed-secret purpose of an amendment request's text; the context is the request id. */
export const AMENDMENT_REQUEST_PURPOSE = 'medledger/v1/amendment-request';
/** Sealed-secret purpose of the reason an author gives for declining an amendment request; the context is the request id. */
export const AMENDMENT_DECLINE_REASON_PURPOSE = 'medledger/v1/amendment-decline-reason';
/** Tag of the hash records.amend-request / records.amend-decide anchor for a sealed note (AmendmentNote.Hash). */
export const AMENDMENT_NOTE_TAG = 'medledger/v1/amendment-note';
/** AmendmentNote.MaxLength, in characters (UTF-16 code units, as .NET counts them). */
export const AMENDMENT_NOTE_MAX_LENGTH = 4000;

/** Tag of a sealed patient profile's AES-GCM associated data and signed bytes (ProtocolTags.PatientProfile; docs/crypto-format.md section 14). */
export const PATIENT_PROFILE_TAG = 'medledger/v1/patient-profile';
/** Sealed-secret purpose of a profile key wrapped for one reader; the context is `${patientId}/${version}` (ProtocolTags.PatientProfileKey). */
export const PATIENT_PROFILE_KEY_PURPOSE = 'medledger/v1/patient-profile-key';

/** canonical(PATIENT_PROFILE_TAG).String(patientId).Int64(version): the profile's AES-GCM associated data (PatientProfiles.AssociatedData). */
export function patientProfileAad(patientId: string, version: number): Bytes {
  return new CanonicalWriter(PATIENT_PROFILE_TAG).string(patientId).int64(version).toBytes();
}

/** canonical(PATIENT_PROFILE_TAG).String(patientId).Int64(version).Bytes(nonce).Bytes(ciphertext): what the patient signs (PatientProfiles.SignedBytes). */
export function patientProfileSignedBytes(patientId: string, version: number, nonce: Bytes, ciphertext: Bytes): Bytes {
  return new CanonicalWriter(PATIENT_PROFILE_TAG).string(patientId).int64(version).bytes(nonce).bytes(ciphertext).toBytes();
}

/** The sealed-secret context of a profile key wrap (PatientProfiles.WrapContext). */
export function patientProfileWrapContext(patientId: string, version: number): string {
  return `${patientId}/${version}`;
}

// Organization verification (issue 12, org-verify): ProtocolTags.OrganizationCard, OrganizationCards.
/** Tag of an organization's card hash an admin's identity.verify signs (ProtocolTags.OrganizationCard). */
export const ORGANIZATION_CARD_TAG = 'medledger/v2/organization-card';

/** The organization card fields the hash covers (OrganizationCards.CanonicalBytes): what every directory view shows. */
export interface OrganizationCardFields {
  organizationId: string;
  kind: string;
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  /** The registration (or licence) number the admin checked against the public register. */
  registrationNumber: string;
}

/** OrganizationCards.Coordinate: six decimals of the exact double, negative zero written as zero (toFixed does that itself). */
export function organizationCoordinate(degrees: number): string {
  return degrees.toFixed(6);
}

/** canonical(ORGANIZATION_CARD_TAG).String(organizationId).String(kind).String(name).String(address).String(latitude).String(longitude).String(registrationNumber). */
export function organizationCardBytes(c: OrganizationCardFields): Bytes {
  return new CanonicalWriter(ORGANIZATION_CARD_TAG).string(c.organizationId).string(c.kind).string(c.name).string(c.address)
    .string(organizationCoordinate(c.latitude)).string(organizationCoordinate(c.longitude)).string(c.registrationNumber).toBytes();
}

/** OrganizationCards.Hash: lower-case hex SHA-256 of organizationCardBytes. */
export async function organizationCardHash(c: OrganizationCardFields): Promise<string> {
  return toHex(await sha256(organizationCardBytes(c)));
}

// Consultations (issue 18): messages (ProtocolTags.Message etc., ConversationMessages.cs) and appointments (ProtocolTags.AppointmentReason).
/** Tag of a conversation message's AES-GCM associated data and its sender's signature (ProtocolTags.Message). */
export const MESSAGE_TAG = 'medledger/v1/message';
/** Sealed-secret purpose of a message's content key for one participant; the context is `${conversationId}/${clientMessageId}` (ProtocolTags.MessageKey). */
export const MESSAGE_KEY_PURPOSE = 'medledger/v1/message-key';
/** Tag of a sealed attachment's associated data (ProtocolTags.MessageAttachment). */
export const MESSAGE_ATTACHMENT_TAG = 'medledger/v1/message-attachment';
/** Tag of a conversation subject's associated data and its creator's signature over the participants (ProtocolTags.ConversationSubject). */
export const CONVERSATION_SUBJECT_TAG = 'medledger/v1/conversation-subject';
/** Sealed-secret purpose of a conversation subject key; the context is the conversation id (ProtocolTags.ConversationSubjectKey). */
export const CONVERSATION_SUBJECT_KEY_PURPOSE = 'medledger/v1/conversation-subject-key';
/** Sealed-secret purpose of an appointment's reason; the context is the appointment id (ProtocolTags.AppointmentReason). */
export const APPOINTMENT_REASON_PURPOSE = 'medledger/v1/appointment-reason';

// Pharmacy organization key (issue 16, docs/pharmacy.md).
/** Sealed-secret purpose of a pharmacy's organization private key sealed to its pharmacists; the context is the pharmacy id (ProtocolTags.PharmacyOrganizationKey). */
export const PHARMACY_ORGANIZATION_KEY_PURPOSE = 'medledger/v1/pharmacy-organization-key';

// Pharmacy orders (issue 16, docs/pharmacy.md "Orders").
/** Sealed-secret purpose of an order's lines; the context is the order id (ProtocolTags.OrderContent). */
export const ORDER_CONTENT_PURPOSE = 'medledger/v1/order-content';
/** Sealed-secret purpose of an accepted order's reservation note, for the pharmacy; the context is the order id (ProtocolTags.OrderReservationNote). */
export const ORDER_RESERVATION_NOTE_PURPOSE = 'medledger/v1/order-reservation-note';
/** Domain tag of the commitment an orders.status "accepted" carries (ProtocolTags.OrderReservationCommitment). */
export const ORDER_RESERVATION_COMMITMENT_TAG = 'medledger/v1/order-reservation-commitment';

// Insurance policies (issue 17, docs/insurance.md "Benefit tags and the policy card").
/** Domain tag of a policy's benefit tag: SHA-256(canonical(tag).String(policyId).Bytes(categorySalt).String(category)) (ProtocolTags.InsuranceCategoryTag). */
export const INSURANCE_CATEGORY_TAG = 'medledger/v1/insurance-category-tag';
/** Sealed-secret purpose of a policy card; the context is the policy id (ProtocolTags.InsurancePolicyCard). */
export const INSURANCE_POLICY_CARD_PURPOSE = 'medledger/v1/insurance-policy-card';

// Insurance claims (issue 17, docs/insurance.md "Token scheme").
/** Domain tag of a claim line's one-time token: SHA-256(canonical(tag).String(filerId).String(referenceId).Int64(line)) (ProtocolTags.InsuranceClaimLine). */
export const INSURANCE_CLAIM_LINE_TAG = 'medledger/v1/insurance-claim-line';
/** Domain tag of a claim's documentsHash: SHA-256(canonical(tag).StringList("recordId:version" sorted ordinal)) (ProtocolTags.InsuranceClaimDocuments). */
export const INSURANCE_CLAIM_DOCUMENTS_TAG = 'medledger/v1/insurance-claim-documents';

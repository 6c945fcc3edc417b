// Public API of the MedLedger client cryptography (docs/crypto-format.md), byte-compatible with
// src/MedLedger.Crypto. Everything is async because WebCrypto is.
export {
  type Bytes, utf8, fromUtf8, toBase64, fromBase64, toHex, fromHex, concatBytes, constantTimeEqual, randomBytes, sha256,
} from './bytes';
export { CryptoFormatError, CryptoIntegrityError } from './errors';
export { CanonicalWriter, CanonicalReader, CanonicalFormatError } from './canonical';
export { hmacSha256, hkdfExtract, hkdfExpand, hkdf } from './kdf';
export { aesGcmSeal, aesGcmOpen } from './aead';
export {
  type KeyPair, generateKeyPair, publicKeyFromPrivate, checkPublicKey, isValidPublicKey, isValidScalar,
  PRIVATE_KEY_LENGTH, PUBLIC_KEY_LENGTH,
} from './p256';
export { encryptionKeyId, keyFingerprint, displayFingerprint } from './fingerprint';
export { CROCKFORD_ALPHABET, base32Encode } from './base32';
export { sign, verify, SIGNATURE_LENGTH } from './signatures';
export { type HpkeAead, hpkeSealBase, hpkeOpenBase, hpkeDeriveKeyPair } from './hpke';
export {
  type RecordHeader, type KeyWrap, type RecordEnvelope, type RecordReader, RECORD_FORMAT, RECORD_FORMAT_V2, recordHeaderVersion,
  sealRecord, sealRecordWith, openRecord, unwrapDataKey, decryptRecord, addReader, verifyRecordSignature, withWrap, withoutWrap,
  envelopeToJson, envelopeFromJson, keyWrapToJson, keyWrapFromJson, recordHeaderBytes, recordKeyInfo, recordSignedBytes,
  keyCommitment, ciphertextHash, checkRecordEnvelope,
} from './envelope';
export { type SealedSecret, sealSecret, openSecret, sealedSecretInfo, sealedSecretToJson, sealedSecretFromJson } from './sealedSecret';
export {
  type PasswordParameters, newPasswordParameters, derivePasswordKeys, passwordBytes, MINIMUM_ITERATIONS,
} from './password';
export {
  newRecoveryCode, parseRecoveryCode, normalizeRecoveryCode, recoveryCodeFromEntropy, recoveryKeyFromEntropy, deriveRecoveryKey,
} from './recovery';
export {
  type KeyBundle, type PrivateKeyWrap, type StoredKeyBundle, wrapToBytes, wrapFromBytes, wrapAad, wrapPrivateKeys, unwrapPrivateKeys,
  generateKeyBundle, protectKeys, createVault, unlockWithKek, unlockWithPassword, unlockWithRecoveryCode, changePassword,
  recoverWithCode, storedBundleToJson, storedBundleFromJson,
} from './keyVault';
export {
  type RecordCategory, PASSWORD_CHANGE_TAG, RECOVERY_TAG, HOSPITAL_EMERGENCY_KEY_PURPOSE, CONSENT_SCOPE_TAG, passwordMaterialBytes,
  consentScopeBytes, consentScopeHash, IDENTITY_CARD_TAG, type IdentityCardFields, identityCardBytes, identityCardHash, BREAK_GLASS_REASON_TAG, BREAK_GLASS_REASON_SALT_LENGTH, breakGlassReasonBytes, breakGlassReasonCommitment,
  FACT_COMMITMENT_TAG, FACT_COMMITMENT_SALT_LENGTH, FACT_KIND_BED_TYPE, FACT_KIND_CONSENT_PURPOSE,
  factCommitmentBytes, factCommitment, newFactSalt, RECORD_CATEGORIES, FILE_CATEGORY, EMERGENCY_SUMMARY_CATEGORY, FHIR_RECORD_CATEGORIES, isKnownRecordCategory,
  PATIENT_PROFILE_TAG, PATIENT_PROFILE_KEY_PURPOSE, patientProfileAad, patientProfileSignedBytes, patientProfileWrapContext,
} from './protocol';
export {
  type AmendmentNote, sealAmendmentNote, amendmentNoteBytes, amendmentNoteHash, openAmendmentNote,
} from './amendmentNote';
export {
  PATIENT_PROFILE_KEY_LENGTH, type PatientProfileFields, type SealedPatientProfile, patientProfilePlaintext, sealPatientProfile, wrapPatientProfileKey,
} from './patientProfile';
export { AMENDMENT_REQUEST_PURPOSE, AMENDMENT_DECLINE_REASON_PURPOSE, AMENDMENT_NOTE_TAG, AMENDMENT_NOTE_MAX_LENGTH } from './protocol';
export { ORGANIZATION_CARD_TAG, type OrganizationCardFields, organizationCoordinate, organizationCardBytes, organizationCardHash } from './protocol';
export { APPOINTMENT_GRANT_GRACE_MS } from './protocol';
export {
  MESSAGE_TAG, MESSAGE_KEY_PURPOSE, MESSAGE_ATTACHMENT_TAG, CONVERSATION_SUBJECT_TAG, CONVERSATION_SUBJECT_KEY_PURPOSE, APPOINTMENT_REASON_PURPOSE,
} from './protocol';
export {
  MESSAGE_KEY_LENGTH, type MessageAttachmentInfo, type MessageContent, type SealedMessage, type SealedSubject, messageAad, messageSignedBytes,
  messageWrapContext, attachmentAad, messagePlaintext, newMessageKey, sealAttachment, openAttachment, sealMessage, openMessage, wrapMessageKey,
  unwrapMessageKey, subjectAad, subjectSignedBytes, sealSubject, openSubject, wrapSubjectKey, unwrapSubjectKey, sealAppointmentReason,
  appointmentReasonHash, openAppointmentReason,
} from './conversationMessages';
export { ORDER_CONTENT_PURPOSE, ORDER_RESERVATION_NOTE_PURPOSE, ORDER_RESERVATION_COMMITMENT_TAG, PHARMACY_ORGANIZATION_KEY_PURPOSE } from './protocol';
export {
  ORDER_MAX_LINES, type OrderLine, type OrderContent, type OrderReservationNote, orderTotal, orderContentBytes, orderContentFromJson, sealOrderContent,
  openOrderContent, orderContentHash, newOrderReservationNote, orderReservationCommitment, sealOrderReservationNote, openOrderReservationNote,
} from './orderContent';
export { INSURANCE_CATEGORY_TAG, INSURANCE_POLICY_CARD_PURPOSE } from './protocol';
export {
  type PlanTerms, type PlanTermsBenefit, type PolicyCard, POLICY_CARD_SALT_LENGTH, planTermsBytes, planTermsHash, planTermsFromJson, benefitTermsValue,
  categoryTag, newPolicyCard, policyCardBytes, sealPolicyCard, policyCardFromJson, openPolicyCard,
} from './insurancePolicy';
export { INSURANCE_CLAIM_LINE_TAG, INSURANCE_CLAIM_DOCUMENTS_TAG } from './protocol';
export { claimLineTokenBytes, claimLineToken, claimDocumentsHash } from './insuranceClaim';

// Break-glass, the browser side of src/MedLedger.Client/EmergencyClient.cs: a hospital doctor signs an
// emergency.break-glass transaction (who, whom, why); only after it commits does the server release
// the patient's EmergencySummary wrap for the hospital emergency key, whose private half reaches this
// doctor only sealed to their own key. Everything is opened here, in memory.
import { bytesEqual, wipe } from '../crypto/bytes';
import {
  BREAK_GLASS_REASON_SALT_LENGTH, breakGlassReasonCommitment, fromBase64, HOSPITAL_EMERGENCY_KEY_PURPOSE, openSecret, publicKeyFromPrivate, randomBytes,
  sealedSecretFromJson, toBase64,
} from '../crypto';
import { receiptTransaction, type LedgerReceipt } from '../ledger';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { checkReceipt, ledgerReceipt, signTransaction, VerificationError } from './ledger';
import { checkAnchor, openSealed, type DecryptedRecord, type SealedRecordWire } from './records';

/**
 * The reason codes BreakGlassContract.Reasons lists (never free text). The ledger gets only a salted commitment to the
 * code; the code and salt go beside the transaction to the server, which shows them to the patient and the reviewer.
 */
export const breakGlassReasons: ReadonlyArray<{ code: string; label: string }> = [
  { code: 'unconscious', label: 'Patient is unconscious' },
  { code: 'life-threatening', label: 'Life-threatening condition' },
  { code: 'unable-to-consent', label: 'Patient is unable to consent' },
  { code: 'other-emergency', label: 'Other emergency' },
];

export function reasonLabel(code: string): string {
  return breakGlassReasons.find((r) => r.code === code)?.label ?? code;
}

interface KeyShareWire {
  hospitalId: string;
  publicKey: string;
  sealed: string;
}

interface HospitalKeyWire {
  hospitalId: string;
  publicKey: string;
  keyId: string;
  receipt: LedgerReceipt | null;
}

interface BreakGlassWire {
  eventId: string;
  transactionId: string;
  summary: SealedRecordWire;
  hospitalEmergencyPublicKey: string;
  sealedHospitalKey: string;
}

export interface BreakGlassEvent {
  id: string;
  doctorId: string;
  patientId: string;
  hospitalId: string;
  reason: string;
  /** Base64 salt opening the transaction's reasonCommitment (see verifiedReason). */
  reasonSalt: string;
  at: string;
  transactionId: string;
  reviewedAt?: string | null;
  reviewedBy?: string | null;
  reviewOutcome?: string | null;
}

export interface BreakGlassResult {
  eventId: string;
  transactionId: string;
  summary: DecryptedRecord;
}

/** Whether this doctor can break the glass, and with which (ledger-checked) hospital key. */
export type EmergencyReadiness =
  | { ready: true; hospitalId: string; keyId: string }
  | { ready: false; hospitalId: string | null; reason: string };

function myHospitalId(): string | null {
  return requireSession().tokens.user.organizationId ?? null;
}

/**
 * A hospital emergency key, accepted only with a verified receipt of the staff-signed
 * emergency.hospital-key transaction naming exactly this hospital and key.
 */
async function verifiedHospitalKey(hospitalId: string): Promise<HospitalKeyWire> {
  const key = await api.get<HospitalKeyWire>(`/api/emergency/hospitals/${hospitalId}/key`);
  if (!key.receipt) throw new VerificationError(`The emergency key of your hospital is not anchored on the ledger.`);
  await checkReceipt(key.receipt);
  const tx = await receiptTransaction(key.receipt);
  // Removing a doctor rotates the key in the same transaction, so it anchors the new key too.
  if ((tx.type !== 'emergency.hospital-key' && tx.type !== 'hospital.remove-doctor') || tx.payload.hospitalId !== hospitalId || tx.payload.publicKey !== key.publicKey) {
    throw new VerificationError('The emergency key served for your hospital is not the one anchored on the ledger.');
  }
  return key;
}

async function openHospitalKey(sealedJsonBase64: string, hospitalId: string): Promise<{ privateKey: Uint8Array; publicKey: Uint8Array }> {
  const s = requireSession();
  const privateKey = await openSecret(s.keys.encryption, HOSPITAL_EMERGENCY_KEY_PURPOSE, hospitalId, sealedSecretFromJson(fromBase64(sealedJsonBase64)));
  return { privateKey, publicKey: await publicKeyFromPrivate(privateKey) };
}

/**
 * Opens this doctor's share of the hospital emergency key (GET /api/emergency/key-shares) and checks
 * that it is the key the hospital anchored on the ledger, so the doctor knows before breaking the
 * glass that they will be able to read the summary. The private key is wiped right after the check.
 */
export async function emergencyReadiness(): Promise<EmergencyReadiness> {
  const hospitalId = myHospitalId();
  if (!hospitalId) return { ready: false, hospitalId: null, reason: 'Your account is not a member of a hospital.' };
  const shares = await api.get<KeyShareWire[]>('/api/emergency/key-shares');
  const share = shares.find((x) => x.hospitalId === hospitalId);
  if (!share) return { ready: false, hospitalId, reason: 'Your hospital has not shared its emergency key with you yet. Ask your hospital staff to publish it.' };
  const anchored = await verifiedHospitalKey(hospitalId);
  if (share.publicKey !== anchored.publicKey) {
    return { ready: false, hospitalId, reason: 'Your key share is for an older hospital emergency key. Ask your hospital staff to publish the key again.' };
  }
  const key = await openHospitalKey(share.sealed, hospitalId);
  try {
    if (toBase64(key.publicKey) !== anchored.publicKey) throw new VerificationError('Your key share does not open to the hospital emergency key on the ledger.');
  } finally {
    wipe(key.privateKey);
  }
  return { ready: true, hospitalId, keyId: anchored.keyId };
}

/**
 * Breaks the glass for a patient with a reason code: signs emergency.break-glass here, and opens the
 * released summary with the hospital key sealed to this doctor (checking the author's signature).
 */
export async function breakGlass(patientId: string, reason: string): Promise<BreakGlassResult> {
  const s = requireSession();
  const hospitalId = myHospitalId();
  if (!hospitalId) throw new Error('Only hospital doctors can break the glass.');
  if (!breakGlassReasons.some((r) => r.code === reason)) throw new Error('Choose one of the listed reasons.');
  const salt = randomBytes(BREAK_GLASS_REASON_SALT_LENGTH);
  const reasonCommitment = await breakGlassReasonCommitment(reason, salt);
  const transaction = await signTransaction('emergency.break-glass', { doctorId: s.tokens.user.id, patientId, hospitalId, reasonCommitment });
  const result = await api.post<BreakGlassWire>('/api/emergency/break-glass', { transaction, reason, reasonSalt: toBase64(salt) });
  const hospitalKey = await openHospitalKey(result.sealedHospitalKey, hospitalId);
  try {
    if (!bytesEqual(hospitalKey.publicKey, fromBase64(result.hospitalEmergencyPublicKey))) {
      throw new VerificationError('The hospital key share does not match the hospital emergency key.');
    }
    // The summary must be this patient's own: the server could otherwise hand over another patient's (or a forged) one.
    const summary = result.summary;
    if (summary.patientId !== patientId || summary.authorId !== patientId) {
      throw new VerificationError(`The emergency summary served for patient ${patientId} belongs to patient ${summary.patientId} (author ${summary.authorId}); refused.`);
    }
    await checkAnchor(summary);
    return { eventId: result.eventId, transactionId: result.transactionId, summary: await openSealed(summary, hospitalKey) };
  } finally {
    wipe(hospitalKey.privateKey);
  }
}

/**
 * Checks the ledger receipt of a break-glass event: it verifies against the pinned peer key and is
 * exactly this doctor's emergency.break-glass transaction for this patient.
 */
export async function breakGlassOnLedger(transactionId: string, patientId: string): Promise<boolean> {
  try {
    const receipt = await ledgerReceipt(transactionId);
    await checkReceipt(receipt);
    const tx = await receiptTransaction(receipt);
    return tx.type === 'emergency.break-glass' && tx.payload.patientId === patientId && tx.payload.doctorId === requireSession().tokens.user.id;
  } catch {
    return false;
  }
}

/**
 * Whether a break-glass event's served reason is the one its doctor committed to: the event's transaction (receipt
 * verified here) is that break-glass and its reasonCommitment opens with the served reason and salt.
 */
export async function verifiedReason(event: BreakGlassEvent, signal?: AbortSignal): Promise<boolean> {
  try {
    const receipt = await ledgerReceipt(event.transactionId, signal);
    await checkReceipt(receipt);
    const tx = await receiptTransaction(receipt);
    return tx.type === 'emergency.break-glass' && tx.payload.patientId === event.patientId && tx.payload.doctorId === event.doctorId
      && tx.payload.reasonCommitment === (await breakGlassReasonCommitment(event.reason, fromBase64(event.reasonSalt)));
  } catch {
    return false;
  }
}

/** This doctor's break-glass events, newest first. */
export function myBreakGlassEvents(signal?: AbortSignal): Promise<BreakGlassEvent[]> {
  return api.get<BreakGlassEvent[]>('/api/emergency/break-glass', { signal });
}

// The patient's side of emergency access (EmergencyClient.cs): an EmergencySummary record wrapped for
// a hospital's emergency key, the key accepted only when its staff-signed publication is on the ledger.
import { EMERGENCY_SUMMARY_CATEGORY, fromBase64, toBase64, utf8 } from '../crypto';
import { receiptTransaction, type LedgerReceipt } from '../ledger';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { fetchSealed, listRecords, openRecord, rewrapFor, writeRecord, type DecryptedRecord } from './records';
import { checkReceipt, signTransaction, VerificationError } from './ledger';
import { EMERGENCY_SUMMARY_CONTENT_TYPE, parseEmergencySummary, type EmergencySummary } from '../fhir/emergencySummary';

interface EmergencyKeyWire {
  hospitalId: string;
  publicKey: string;
  keyId: string;
  receipt: LedgerReceipt | null;
}

export interface VerifiedHospitalKey {
  hospitalId: string;
  publicKey: Uint8Array;
  keyId: string;
  /** When the key was published (the ledger transaction's time). */
  publishedAtMs: number;
}

/**
 * A hospital's emergency key, accepted only with a verified receipt of the emergency.hospital-key
 * transaction naming exactly this hospital and key (the server cannot substitute a key of its own).
 * Null when the hospital has not published one.
 */
export async function verifiedHospitalKey(hospitalId: string): Promise<VerifiedHospitalKey | null> {
  let key: EmergencyKeyWire;
  try {
    key = await api.get<EmergencyKeyWire>(`/api/emergency/hospitals/${hospitalId}/key`);
  } catch (e) {
    if (e && typeof e === 'object' && 'status' in e && (e as { status: number }).status === 404) return null;
    throw e;
  }
  if (!key.receipt) throw new VerificationError(`This hospital's emergency key is not anchored on the ledger.`);
  await checkReceipt(key.receipt);
  const tx = await receiptTransaction(key.receipt);
  // Removing a doctor rotates the key in the same transaction, so it anchors the new key too.
  if ((tx.type !== 'emergency.hospital-key' && tx.type !== 'hospital.remove-doctor') || tx.payload.hospitalId !== hospitalId || tx.payload.publicKey !== key.publicKey) {
    throw new VerificationError(`The emergency key served for this hospital is not the one anchored on the ledger.`);
  }
  return { hospitalId, publicKey: fromBase64(key.publicKey), keyId: key.keyId, publishedAtMs: tx.timestampMs };
}

/** The patient's latest EmergencySummary record, decrypted here (null when there is none yet). */
export async function currentSummary(): Promise<{ record: DecryptedRecord; summary: EmergencySummary | null } | null> {
  const s = requireSession();
  const list = await listRecords({ patientId: s.tokens.user.id, category: EMERGENCY_SUMMARY_CATEGORY });
  if (!list.length) return null;
  const newest = [...list].sort((a, b) => b.updatedAtMs - a.updatedAtMs)[0]!;
  const record = await openRecord(newest.recordId);
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(new TextDecoder().decode(record.content));
  } catch {
    // An older plain-text summary (e.g. written with the CLI): shown as a file, the form starts empty.
  }
  return { record, summary: parseEmergencySummary(parsed) };
}

/** Wraps the summary's latest version for one hospital's verified emergency key and signs emergency.designate. */
export async function designate(recordId: string, hospital: VerifiedHospitalKey): Promise<{ transactionId: string }> {
  const s = requireSession();
  const sealed = await fetchSealed(recordId);
  const wrap = await rewrapFor(sealed, hospital.publicKey);
  const transaction = await signTransaction('emergency.designate', { patientId: s.tokens.user.id, hospitalId: hospital.hospitalId, recordId });
  return api.post<{ transactionId: string }>('/api/emergency/designations', {
    hospitalId: hospital.hospitalId, recordId, version: sealed.version, readerKeyId: wrap.readerKeyId,
    enc: toBase64(wrap.enc), wrappedKey: toBase64(wrap.wrappedKey), transaction,
  });
}

/** Saves the summary (a new version when one exists) and designates it for each chosen hospital. */
export async function saveEmergencySummary(
  summary: EmergencySummary, existingRecordId: string | null, hospitals: VerifiedHospitalKey[], onStep?: (label: string) => void,
): Promise<string> {
  const s = requireSession();
  onStep?.('Encrypting and saving the summary…');
  const written = await writeRecord({
    patientId: s.tokens.user.id, category: EMERGENCY_SUMMARY_CATEGORY, contentType: EMERGENCY_SUMMARY_CONTENT_TYPE,
    content: utf8(JSON.stringify(summary)), recordId: existingRecordId ?? undefined,
  });
  for (const h of hospitals) {
    onStep?.(`Wrapping the summary for hospital ${h.hospitalId.slice(0, 8)}…`);
    await designate(written.recordId, h);
  }
  return written.recordId;
}

/** A designation as the server keeps it; needsRewrap when the hospital rotated its key since the wrap was made. */
export interface DesignationStatus {
  hospitalId: string;
  recordId: string;
  version: number;
  readerKeyId: string;
  currentKeyId: string | null;
  needsRewrap: boolean;
  transactionId: string;
}

/** GET /api/emergency/designations: the hospitals that can open the summary now, each flagged after a key rotation. */
export function myDesignations(signal?: AbortSignal): Promise<DesignationStatus[]> {
  return api.get<DesignationStatus[]>('/api/emergency/designations', { signal });
}

/** Takes back a hospital's emergency access: a signed emergency.withdraw transaction, after which break-glass is refused. */
export async function withdrawDesignation(hospitalId: string): Promise<void> {
  const s = requireSession();
  const transaction = await signTransaction('emergency.withdraw', { patientId: s.tokens.user.id, hospitalId });
  await api.post<void>(`/api/emergency/designations/${hospitalId}/withdraw`, { transaction });
}

export interface RewrapResult {
  rewrapped: string[];
  /** Hospitals left stale, with why (for example a key that does not verify against the ledger). */
  failed: { hospitalId: string; reason: string }[];
}

/**
 * Re-wraps every designation a key rotation left stale for the hospital's new key, checked against the ledger first
 * (verifiedHospitalKey). Runs right after a patient signs in (MedLedgerClient.RewrapStaleEmergencySummariesAsync in C#).
 */
export async function rewrapStaleDesignations(): Promise<RewrapResult> {
  const result: RewrapResult = { rewrapped: [], failed: [] };
  for (const d of (await myDesignations()).filter((x) => x.needsRewrap)) {
    try {
      const key = await verifiedHospitalKey(d.hospitalId);
      if (!key) throw new VerificationError('The hospital has no emergency key any more.');
      await designate(d.recordId, key);
      result.rewrapped.push(d.hospitalId);
    } catch (e) {
      result.failed.push({ hospitalId: d.hospitalId, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return result;
}

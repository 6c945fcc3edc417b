// The hospital emergency key (src/MedLedger.Client/EmergencyClient.cs): made here by hospital staff,
// its private key sealed to each verified doctor's ledger-registered encryption key and then
// forgotten; the public key is anchored by a staff-signed emergency.hospital-key transaction.
import { HOSPITAL_EMERGENCY_KEY_PURPOSE, hpkeDeriveKeyPair, randomBytes, sealSecret, sealedSecretToJson, toBase64, utf8 } from '../crypto';
import { receiptTransaction, type LedgerReceipt } from '../ledger';
import { api, ApiProblem } from '../app/http';
import { requireSession } from '../app/session';
import { organizationMembers } from './organizations';
import { checkReceipt, signTransaction, VerificationError, verifiedPublicKeys } from './ledger';

export interface EmergencyKey {
  hospitalId: string;
  publicKey: string;
  keyId: string;
  receipt: LedgerReceipt | null;
}

export interface PublishedEmergencyKey {
  key: EmergencyKey;
  /** How many verified doctors received a sealed copy. */
  doctors: number;
}

function ownHospital(): string {
  const hospitalId = requireSession().tokens.user.organizationId;
  if (!hospitalId) throw new Error('Only hospital staff publish the emergency key.');
  return hospitalId;
}

/** Publishes a fresh key pair (first key or rotation); every doctor's key is checked against the ledger before sealing to it. */
export function publishHospitalEmergencyKey(onProgress?: (done: number, total: number) => void): Promise<PublishedEmergencyKey> {
  return publishKey(null, onProgress);
}

/**
 * Removes a doctor from this hospital. Always rotates the emergency key (the doctor may have kept the old private key):
 * the new pair is sealed to the remaining verified doctors and anchored by the same signed hospital.remove-doctor
 * transaction; designating patients are told and their apps re-wrap at next sign-in.
 */
export function removeDoctor(doctorId: string, onProgress?: (done: number, total: number) => void): Promise<PublishedEmergencyKey> {
  return publishKey(doctorId, onProgress);
}

async function publishKey(removedDoctorId: string | null, onProgress?: (done: number, total: number) => void): Promise<PublishedEmergencyKey> {
  const hospitalId = ownHospital();
  const members = await organizationMembers(hospitalId);
  const doctors = members.filter((m) => m.role === 'Doctor' && m.verification === 'Approved' && m.userId !== removedDoctorId);
  const pair = await hpkeDeriveKeyPair(randomBytes(32));
  const shares: { doctorId: string; sealed: string }[] = [];
  try {
    for (const doctor of doctors) {
      onProgress?.(shares.length, doctors.length);
      const keys = await verifiedPublicKeys(doctor.userId);
      const sealed = await sealSecret(keys.encryptionPublicKey, HOSPITAL_EMERGENCY_KEY_PURPOSE, hospitalId, pair.privateKey);
      shares.push({ doctorId: doctor.userId, sealed: toBase64(utf8(sealedSecretToJson(sealed))) });
    }
    onProgress?.(shares.length, doctors.length);
  } finally {
    // The private key exists only sealed to the doctors from here on.
    pair.privateKey.fill(0);
  }
  const publicKey = toBase64(pair.publicKey);
  const key = removedDoctorId === null
    ? await api.put<EmergencyKey>(`/api/emergency/hospitals/${hospitalId}/key`,
      { publicKey, shares, transaction: await signTransaction('emergency.hospital-key', { hospitalId, publicKey }) })
    : await api.post<EmergencyKey>(`/api/emergency/hospitals/${hospitalId}/doctors/${removedDoctorId}/remove`,
      { publicKey, shares, transaction: await signTransaction('hospital.remove-doctor', { hospitalId, doctorId: removedDoctorId, publicKey }) });
  if (!key.receipt) throw new VerificationError('The server returned no ledger receipt for the emergency key.');
  await checkReceipt(key.receipt);
  return { key, doctors: shares.length };
}

/**
 * The hospital's current emergency key, or null when none was published; throws unless the key is
 * exactly the one a verified emergency.hospital-key transaction anchored for this hospital.
 */
export async function verifiedHospitalEmergencyKey(hospitalId: string): Promise<EmergencyKey | null> {
  let key: EmergencyKey;
  try {
    key = await api.get<EmergencyKey>(`/api/emergency/hospitals/${hospitalId}/key`);
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 404) return null;
    throw e;
  }
  if (!key.receipt) throw new VerificationError(`Hospital ${hospitalId}'s emergency key is not anchored on the ledger.`);
  await checkReceipt(key.receipt);
  const tx = await receiptTransaction(key.receipt);
  if ((tx.type !== 'emergency.hospital-key' && tx.type !== 'hospital.remove-doctor') || tx.payload.hospitalId !== hospitalId || tx.payload.publicKey !== key.publicKey)
    throw new VerificationError(`The emergency key served for hospital ${hospitalId} is not the one anchored on the ledger.`);
  return key;
}

// Sealed patient profiles in the browser, following src/MedLedger.Client/ProfilesClient.cs step for step
// (docs/crypto-format.md section 14): a profile is opened only when it names the patient asked for and is signed by
// that patient's ledger-registered signing key; professional screens label patients with the ones wrapped for them.
import {
  aesGcmOpen, CryptoFormatError, CryptoIntegrityError, fromBase64, openSecret, patientProfileAad, patientProfileSignedBytes,
  patientProfileWrapContext, PATIENT_PROFILE_KEY_PURPOSE, verify,
} from '../crypto';
import { jsonString, parseStrictJson, requireMembers } from '../crypto/strictJson';
import { api, ApiProblem } from '../app/http';
import { requireSession } from '../app/session';
import { VerificationError, verifiedPublicKeys } from './ledger';

const PROFILE_KEY_LENGTH = 32;
const NONCE_LENGTH = 12;

interface ProfileWrapWire {
  readerId: string;
  recipientKeyId: string;
  enc: string;
  wrappedKey: string;
}

/** GET /api/profiles/{id} and GET /api/profiles: a sealed profile with the caller's own wrap of its key. */
interface SharedProfileWire {
  patientId: string;
  version: number;
  nonce: string;
  ciphertext: string;
  signature: string;
  updatedAt: string;
  wrap: ProfileWrapWire;
}

/** What a patient's profile says (PatientProfile in MedLedger.Crypto). */
export interface PatientProfile {
  name: string;
  birthDate: string;
  sex: string;
  phone: string;
}

/** A patient's profile opened in this browser, checked: signed by the patient's registered key and about the patient asked for. */
export interface OpenedProfile {
  patientId: string;
  version: number;
  profile: PatientProfile;
}

/** Whole years between a yyyy-MM-dd birth date and today (UTC), or null when the date does not parse (PatientProfiles.AgeOn). */
export function ageOn(birthDate: string, today: Date = new Date()): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const born = new Date(Date.UTC(y, mo - 1, d));
  if (born.getUTCFullYear() !== y || born.getUTCMonth() !== mo - 1 || born.getUTCDate() !== d) return null;
  let age = today.getUTCFullYear() - y;
  const beforeBirthday = today.getUTCMonth() + 1 < mo || (today.getUTCMonth() + 1 === mo && today.getUTCDate() < d);
  if (beforeBirthday) age -= 1;
  return age;
}

/** "Maria Keller, 54" when a profile is wrapped for the viewer, else "Patient a831262f" (OpenedProfile.LabelOf). */
export function label(profile: OpenedProfile | undefined, patientId: string): string {
  if (!profile) return `Patient ${patientId.slice(0, 8)}`;
  const age = ageOn(profile.profile.birthDate);
  return age === null ? profile.profile.name : `${profile.profile.name}, ${age}`;
}

/** Signature and patient id first, as the C# client does: a relabelled or forged profile is named as such before any key is unwrapped. */
async function openProfile(shared: SharedProfileWire, patientId: string): Promise<OpenedProfile> {
  const keys = requireSession().keys.encryption;
  const patientKeys = await verifiedPublicKeys(patientId);
  const nonce = fromBase64(shared.nonce);
  const ciphertext = fromBase64(shared.ciphertext);
  const signature = fromBase64(shared.signature);
  if (shared.patientId !== patientId ||
      !(await verify(patientKeys.signingPublicKey, patientProfileSignedBytes(shared.patientId, shared.version, nonce, ciphertext), signature))) {
    throw new VerificationError(`The profile served for patient ${patientId} is not signed by that patient's registered key for that patient.`);
  }
  try {
    const key = await openSecret(keys, PATIENT_PROFILE_KEY_PURPOSE, patientProfileWrapContext(patientId, shared.version), {
      recipientKeyId: shared.wrap.recipientKeyId, enc: fromBase64(shared.wrap.enc), ciphertext: fromBase64(shared.wrap.wrappedKey),
    });
    if (key.length !== PROFILE_KEY_LENGTH || nonce.length !== NONCE_LENGTH) throw new CryptoFormatError('Malformed profile nonce or key.');
    const plaintext = await aesGcmOpen(key, nonce, patientProfileAad(patientId, shared.version), ciphertext);
    const m = requireMembers(parseStrictJson(plaintext), 'patient profile', 'patientId', 'name', 'birthDate', 'sex', 'phone');
    if (jsonString(m, 'patientId') !== patientId) throw new CryptoIntegrityError("The profile's content names another patient.");
    return {
      patientId,
      version: shared.version,
      profile: { name: jsonString(m, 'name'), birthDate: jsonString(m, 'birthDate'), sex: jsonString(m, 'sex'), phone: jsonString(m, 'phone') },
    };
  } catch (e) {
    if (e instanceof CryptoIntegrityError || e instanceof CryptoFormatError) {
      throw new VerificationError(`The profile served for patient ${patientId} does not check out: ${e.message}`);
    }
    throw e;
  }
}

/** A patient's profile as wrapped for the caller, checked and opened; null when none is wrapped for the caller. */
export async function patientProfile(patientId: string, signal?: AbortSignal): Promise<OpenedProfile | null> {
  let shared: SharedProfileWire;
  try {
    shared = await api.get<SharedProfileWire>(`/api/profiles/${patientId}`, { signal });
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 404) return null;
    throw e;
  }
  return openProfile(shared, patientId);
}

/** Every profile wrapped for the caller, checked and opened, by patient id: one fetch per screen, labels for every row. */
export async function sharedProfiles(signal?: AbortSignal): Promise<Map<string, OpenedProfile>> {
  const shared = await api.get<SharedProfileWire[]>('/api/profiles', { signal });
  const result = new Map<string, OpenedProfile>();
  for (const s of shared) result.set(s.patientId, await openProfile(s, s.patientId));
  return result;
}

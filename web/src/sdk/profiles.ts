// Sealed patient profiles in the browser, following src/MedLedger.Client/ProfilesClient.cs step for step
// (docs/crypto-format.md section 14): a profile is opened only when it names the patient asked for and is signed by
// that patient's ledger-registered signing key; professional screens label patients with the ones wrapped for them.
// The patient's browser writes its own profile and wraps the key only for parties profileRecipients has checked.
import {
  aesGcmOpen, constantTimeEqual, CryptoFormatError, CryptoIntegrityError, fromBase64, openSecret, patientProfileAad, patientProfileSignedBytes,
  patientProfileWrapContext, PATIENT_PROFILE_KEY_PURPOSE, sealPatientProfile, toBase64, verify, wrapPatientProfileKey,
} from '../crypto';
import { jsonString, parseStrictJson, requireMembers } from '../crypto/strictJson';
import { api, ApiProblem, type Role } from '../app/http';
import { requireSession } from '../app/session';
import { LIVE_APPOINTMENT_STATUSES, myAppointments } from './appointments';
import { careAssignments, myHospitalRegistrations } from './care';
import { grantStatus, listGrants } from './consent';
import { myBookings } from './hospitals';
import { cardLine, identityCard } from './identity';
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

// ---- Writing (the patient's own browser) ----

export type ProfileRelation = 'Self' | 'Grantee' | 'AssignedDoctor' | 'HospitalStaff' | 'BookedDoctor';

/** GET /api/profiles/mine/parties: whom the server says the patient may wrap for (ProfilePartyResponse). */
interface ProfilePartyWire {
  userId: string;
  role: Role;
  relation: ProfileRelation;
  hospitalId: string | null;
  encryptionPublicKey: string;
  signingPublicKey: string;
  wrapped: boolean;
}

/** A party this browser checked and will wrap for: `who` is the checked card line ("Dr. Anna Weber · Cardiology · …"). */
export interface ProfileRecipient {
  userId: string;
  role: Role;
  relation: ProfileRelation;
  hospitalId: string | null;
  who: string;
  encryptionPublicKey: Uint8Array;
  wrapped: boolean;
}

/** A party the server listed that this browser refused to wrap for, and why (shown to the patient, never wrapped). */
export interface SkippedParty {
  userId: string;
  relation: ProfileRelation;
  reason: string;
}

export interface ProfileRecipients {
  recipients: ProfileRecipient[];
  skipped: SkippedParty[];
}

/**
 * The one place this browser decides who gets the patient's profile (MedLedgerClient.ProfileRecipientsAsync): the
 * patient; professionals with an active grant from the patient; doctors assigned to the patient; verified staff of a
 * hospital the patient registered with or holds a bed at; doctors the patient has a booked (arrived, in-progress)
 * appointment with. The server proposes the parties; each is kept only if the patient's own lists confirm the relation
 * and the card is admin-verified (identity.ts) with the keys the ledger registered (staff: of that hospital; booked
 * doctors: role Doctor). Anything else is skipped with its reason.
 */
export async function profileRecipients(): Promise<ProfileRecipients> {
  const s = requireSession();
  const myId = s.tokens.user.id;
  const [parties, grants, assignments, registrations, bookings, appointments] = await Promise.all([
    api.get<ProfilePartyWire[]>('/api/profiles/mine/parties'), listGrants(), careAssignments(), myHospitalRegistrations(), myBookings(), myAppointments(),
  ]);
  const grantees = new Set(grants.filter((g) => g.patientId === myId && grantStatus(g) === 'active').map((g) => g.granteeId));
  const doctors = new Set(assignments.filter((a) => a.patientId === myId).map((a) => a.doctorId));
  const hospitals = new Set([
    ...registrations.filter((r) => r.patientId === myId).map((r) => r.hospitalId),
    ...bookings.filter((b) => b.patientId === myId && (b.status === 'Held' || b.status === 'Admitted')).map((b) => b.hospitalId),
  ]);
  const bookedDoctors = new Set(appointments.filter((a) => a.patientId === myId && LIVE_APPOINTMENT_STATUSES.includes(a.status)).map((a) => a.doctorId));
  // Self: always, with the key this browser holds (not the server's copy).
  const recipients: ProfileRecipient[] = [{
    userId: myId, role: 'Patient', relation: 'Self', hospitalId: null, who: 'You', encryptionPublicKey: s.keys.encryption.publicKey,
    wrapped: parties.find((p) => p.userId === myId)?.wrapped ?? false,
  }];
  const skipped: SkippedParty[] = [];
  for (const p of parties) {
    if (p.userId === myId) continue;
    const skip = (reason: string) => skipped.push({ userId: p.userId, relation: p.relation, reason });
    const related = p.relation === 'Grantee' ? grantees.has(p.userId)
      : p.relation === 'AssignedDoctor' ? doctors.has(p.userId)
      : p.relation === 'HospitalStaff' ? p.hospitalId !== null && hospitals.has(p.hospitalId)
      : p.relation === 'BookedDoctor' ? bookedDoctors.has(p.userId)
      : false;
    if (!related) {
      skip(`your own grants, assignments, registrations, bookings and appointments show no ${p.relation} relation with this user`);
      continue;
    }
    let card;
    try {
      card = await identityCard(p.userId);
    } catch (e) {
      skip(e instanceof Error ? e.message : String(e));
      continue;
    }
    if (!card.verified) {
      skip(`${cardLine(card)}: ${card.notVerifiedReason}`);
      continue;
    }
    if (!constantTimeEqual(card.encryptionPublicKey, fromBase64(p.encryptionPublicKey))) {
      skip(`${cardLine(card)}: the key the server listed is not the one on the ledger`);
      continue;
    }
    if (p.relation === 'HospitalStaff' && (card.card.role !== 'HospitalStaff' || card.card.organizationId !== p.hospitalId)) {
      skip(`${cardLine(card)}: not verified staff of that hospital`);
      continue;
    }
    if (p.relation === 'BookedDoctor' && card.card.role !== 'Doctor') {
      skip(`${cardLine(card)}: not a verified doctor`);
      continue;
    }
    recipients.push({
      userId: p.userId, role: card.card.role, relation: p.relation, hospitalId: p.hospitalId, who: cardLine(card),
      encryptionPublicKey: card.encryptionPublicKey, wrapped: p.wrapped,
    });
  }
  return { recipients, skipped };
}

async function wrapFor(r: ProfileRecipient, patientId: string, version: number, key: Uint8Array) {
  const w = await wrapPatientProfileKey(r.encryptionPublicKey, patientId, version, key);
  return { readerId: r.userId, recipientKeyId: w.recipientKeyId, enc: toBase64(w.enc), wrappedKey: toBase64(w.ciphertext) };
}

/** The own sealed profile with the own wrap, or null before the first save. */
async function mySharedProfile(): Promise<SharedProfileWire | null> {
  try {
    return await api.get<SharedProfileWire>(`/api/profiles/${requireSession().tokens.user.id}`);
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 404) return null;
    throw e;
  }
}

/** Patient: the own profile (opened with the own wrap), or null when none is set yet. */
export function myProfile(signal?: AbortSignal): Promise<OpenedProfile | null> {
  return patientProfile(requireSession().tokens.user.id, signal);
}

/**
 * Patient: seal and sign the next version under a fresh key and wrap it for every checked party. A party no longer
 * related is not wrapped: they cannot read this version or later ones (what they read before, they may have kept).
 */
export async function setMyProfile(profile: PatientProfile): Promise<{ profile: OpenedProfile; skipped: SkippedParty[] }> {
  const s = requireSession();
  const patientId = s.tokens.user.id;
  const current = await mySharedProfile();
  const version = (current?.version ?? 0) + 1;
  const { sealed, key } = await sealPatientProfile(patientId, version, profile, s.keys.signing.privateKey);
  const { recipients, skipped } = await profileRecipients();
  const wraps = await Promise.all(recipients.map((r) => wrapFor(r, patientId, version, key)));
  await api.put('/api/profiles/mine', {
    version, nonce: toBase64(sealed.nonce), ciphertext: toBase64(sealed.ciphertext), signature: toBase64(sealed.signature), wraps,
  });
  return { profile: { patientId, version, profile }, skipped };
}

/**
 * Patient: wrap the current version's key for checked parties who lack a wrap (a grant, registration or booking made
 * since, a doctor assigned while this patient was offline). Nothing happens before the first save.
 */
export async function shareProfileWithNewParties(): Promise<{ added: number; skipped: SkippedParty[] }> {
  const s = requireSession();
  const patientId = s.tokens.user.id;
  const mine = await mySharedProfile();
  if (!mine) return { added: 0, skipped: [] };
  // Opened (and so checked as signed by this patient) before its key is handed to anyone.
  await openProfile(mine, patientId);
  const key = await openSecret(s.keys.encryption, PATIENT_PROFILE_KEY_PURPOSE, patientProfileWrapContext(patientId, mine.version), {
    recipientKeyId: mine.wrap.recipientKeyId, enc: fromBase64(mine.wrap.enc), ciphertext: fromBase64(mine.wrap.wrappedKey),
  });
  const { recipients, skipped } = await profileRecipients();
  const missing = recipients.filter((r) => !r.wrapped);
  if (missing.length === 0) return { added: 0, skipped };
  const wraps = await Promise.all(missing.map((r) => wrapFor(r, patientId, mine.version, key)));
  await api.post('/api/profiles/mine/wraps', { version: mine.version, wraps });
  return { added: wraps.length, skipped };
}

/**
 * After a grant, registration or booking (and at sign-in): wrap for the new party. The relation itself already
 * stands, so a failure here must not undo or hide it; the My profile page lists the party as not holding a wrap and
 * the next sign-in tries again.
 */
export async function shareProfileAfterNewRelation(): Promise<void> {
  if (requireSession().tokens.user.role !== 'Patient') return;
  await shareProfileWithNewParties().catch(() => null);
}

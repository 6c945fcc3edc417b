// Professionals' identity cards (src/MedLedger.Client/IdentityClient.cs; server: Features/Accounts/IdentityCards).
// A card is called "verified" only when this browser has checked a platform admin's own signed identity.verify over
// exactly this card and these ledger-registered keys; nothing is granted to or assigned with an unverified card.
import { fromBase64, identityCardHash, keyFingerprint, toHex } from '../crypto';
import { isSystemEvent, receiptTransaction, type LedgerReceipt } from '../ledger';
import { api, type Role } from '../app/http';
import { checkReceipt, ensureKeysOnLedger, signTransaction, VerificationError } from './ledger';

/** A professional's card as the server serves it (IdentityCardResponse). */
export interface IdentityCard {
  userId: string;
  role: Role;
  displayName: string | null;
  licenceNumber: string | null;
  specialty: string | null;
  organizationId: string | null;
  organizationName: string | null;
  signingPublicKey: string;
  encryptionPublicKey: string;
  verification: LedgerReceipt | null;
}

/** A card after this browser's checks: keys match the ledger (else it is never returned); `verified` as described above. */
export interface CheckedCard {
  card: IdentityCard;
  verified: boolean;
  notVerifiedReason: string | null;
  /** Safety-number style key fingerprint (8 groups of 4 Crockford base32), compared out of band. */
  fingerprint: string;
  encryptionPublicKey: Uint8Array;
}

/** "Dr. Anna Weber · Cardiology · Northside General · verified". */
export function cardLine(c: CheckedCard): string {
  return [c.card.displayName?.trim() || `(no name) ${c.card.role}`, c.card.specialty, c.card.organizationName, c.verified ? 'verified' : 'NOT verified']
    .filter((s) => s && s.trim())
    .join(' · ');
}

function cardFields(card: IdentityCard) {
  return {
    userId: card.userId, role: card.role, displayName: card.displayName, licenceNumber: card.licenceNumber,
    specialty: card.specialty, organizationId: card.organizationId, organizationName: card.organizationName,
  };
}

interface RegisteredKeys {
  receipt: LedgerReceipt;
}

async function verificationProblem(card: IdentityCard, fingerprintHex: string): Promise<string | null> {
  const receipt = card.verification;
  if (!receipt) return 'no admin verification on the ledger';
  try {
    await checkReceipt(receipt);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const tx = await receiptTransaction(receipt);
  if (tx.type !== 'identity.verify' || tx.payload.subjectKind !== 'user' || tx.payload.subjectId !== card.userId) return 'the verification receipt is about something else';
  if (tx.payload.decision !== 'approved') return 'an admin rejected this professional';
  if (isSystemEvent(tx)) return 'the verification is not signed by an admin';
  if (tx.payload.cardHash !== (await identityCardHash(cardFields(card)))) return 'the admin verified a different card';
  if (tx.payload.keyFingerprint !== fingerprintHex) return 'the admin verified different keys';
  // The signer must be a platform admin by the ledger's own key registration, not by the server's word.
  const signer = await api.get<RegisteredKeys>(`/api/ledger/keys/${tx.actorId}`);
  try {
    await checkReceipt(signer.receipt);
  } catch (e) {
    return "the admin's key registration does not verify: " + (e instanceof Error ? e.message : String(e));
  }
  const reg = await receiptTransaction(signer.receipt);
  const signerKey = toHex(tx.signerPublicKey);
  if (reg.type !== 'identity.register-keys' || reg.payload.userId !== tx.actorId || toHex(fromBase64(reg.payload.signingKey ?? '')) !== signerKey || reg.payload.role !== 'PlatformAdmin') {
    return 'the verification is not signed by a registered platform admin';
  }
  return null;
}

async function check(card: IdentityCard): Promise<CheckedCard> {
  // Keys first: a card whose keys are not the ledger's is never shown at all.
  await ensureKeysOnLedger(card.userId, card.signingPublicKey, card.encryptionPublicKey);
  const encryptionPublicKey = fromBase64(card.encryptionPublicKey);
  const fp = await keyFingerprint(encryptionPublicKey, fromBase64(card.signingPublicKey));
  const reason = await verificationProblem(card, toHex(fp.bytes));
  return { card, verified: reason === null, notVerifiedReason: reason, fingerprint: fp.display, encryptionPublicKey };
}

/** A professional's card by id, checked here. */
export async function identityCard(userId: string): Promise<CheckedCard> {
  const card = await api.get<IdentityCard>(`/api/users/${userId}/card`);
  if (card.userId !== userId) throw new VerificationError(`Asked for the card of user ${userId}, the server answered the card of ${card.userId}.`);
  return check(card);
}

/** Finds a verified professional by email (sent in a POST body, never a URL) and checks the card here. */
export async function lookUpProfessional(email: string): Promise<CheckedCard> {
  return check(await api.post<IdentityCard>('/api/users/lookup', { email }));
}

/** Throws unless the card is admin-verified (and has the pinned fingerprint, if one is given): call before any grant or assignment. */
export function requireTrusted(c: CheckedCard, expectedFingerprint?: string): CheckedCard {
  if (!c.verified) throw new VerificationError(`Refused: ${cardLine(c)} (${c.notVerifiedReason}).`);
  const norm = (s: string) => s.replace(/\s+/g, '').toUpperCase();
  if (expectedFingerprint && norm(expectedFingerprint) !== norm(c.fingerprint)) {
    throw new VerificationError(`Refused: ${cardLine(c)} has key fingerprint ${c.fingerprint}, not the expected ${expectedFingerprint}.`);
  }
  return c;
}

/** The trusted card of someone about to receive keys or an assignment (identityCard + requireTrusted). */
export async function trustedCard(userId: string, expectedFingerprint?: string): Promise<CheckedCard> {
  return requireTrusted(await identityCard(userId), expectedFingerprint);
}

/**
 * The admin's decision on a professional, signed here: identity.verify over the hash of the card the directory
 * shows (keys checked against the ledger first) and the professional's key fingerprint.
 */
export async function signProfessionalDecision(userId: string, approve: boolean) {
  const card = await api.get<IdentityCard>(`/api/users/${userId}/card`);
  if (card.userId !== userId) throw new VerificationError(`Asked for the card of user ${userId}, the server answered the card of ${card.userId}.`);
  await ensureKeysOnLedger(userId, card.signingPublicKey, card.encryptionPublicKey);
  const fp = await keyFingerprint(fromBase64(card.encryptionPublicKey), fromBase64(card.signingPublicKey));
  return signTransaction('identity.verify', {
    subjectId: userId, subjectKind: 'user', decision: approve ? 'approved' : 'rejected',
    cardHash: await identityCardHash(cardFields(card)), keyFingerprint: toHex(fp.bytes),
  });
}

// Professionals' identity cards (src/MedLedger.Client/IdentityClient.cs; server: Features/Accounts/IdentityCards).
// A card is called "verified" only when this browser has checked a platform admin's own signed identity.verify over
// exactly this card and these ledger-registered keys; nothing is granted to or assigned with an unverified card.
import { constantTimeEqual, fromBase64, identityCardHash, keyFingerprint, toHex } from '../crypto';
import { isSystemEvent, receiptTransaction, type LedgerReceipt } from '../ledger';
import { api, type Role } from '../app/http';
import { checkReceipt, ensureKeysOnLedger, signTransaction, VerificationError } from './ledger';
import { formatDate } from '../ui/dates';

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

/** GET /api/ledger/identity/{id}: key versions oldest first, newest verification and newest standing, each with its receipt. */
export interface IdentityHistory {
  userId: string;
  keys: LedgerReceipt[];
  verification: LedgerReceipt | null;
  standing: LedgerReceipt | null;
}

/**
 * When set (milliseconds), an admin verification committed at least this long ago (signed block time) is not called
 * verified: a bound on how long a withdrawn approval can go unnoticed behind a server that omits the withdrawal.
 */
let maxVerificationAgeMs: number | null = null;

export function setMaxVerificationAge(ms: number | null): void {
  maxVerificationAgeMs = ms;
}

/** Why an approval committed at this signed block time is too old for this browser, or null (shared with organizations.ts). */
export function verificationAgeProblem(approval: LedgerReceipt): string | null {
  if (maxVerificationAgeMs !== null && Date.now() - approval.head.timeMs >= maxVerificationAgeMs) {
    return `the verification is old (committed ${formatDate(approval.head.timeMs)}; this browser accepts ${Math.round(maxVerificationAgeMs / 86_400_000)} days)`;
  }
  return null;
}

export function identityHistory(userId: string, options?: { anonymous?: boolean }): Promise<IdentityHistory> {
  return api.get<IdentityHistory>(`/api/ledger/identity/${userId}`, { auth: !options?.anonymous });
}

export async function receiptProblem(r: LedgerReceipt): Promise<string | null> {
  try {
    await checkReceipt(r);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Why an approval (already checked to approve this card) is not the subject's latest identity state, or is too old. */
async function freshnessProblem(subjectId: string, approval: LedgerReceipt): Promise<string | null> {
  const history = await identityHistory(subjectId);
  if (history.userId !== subjectId) return 'the ledger history served is about someone else';
  const latest = history.verification;
  if (!latest) return 'the ledger holds no verification of this professional';
  const bad = await receiptProblem(latest);
  if (bad) return bad;
  const latestTx = await receiptTransaction(latest);
  if (latestTx.type !== 'identity.verify' || latestTx.payload.subjectKind !== 'user' || latestTx.payload.subjectId !== subjectId) {
    return "the ledger's latest verification is about something else";
  }
  if (latest.logIndex < approval.logIndex) return 'the ledger history served is older than the card\'s verification';
  if (latest.transactionId !== approval.transactionId) {
    // A newer decision than the one the card carries: only it counts.
    return latestTx.payload.decision === 'approved'
      ? "the card carries an older verification than the ledger's latest"
      : "an admin withdrew this professional's verification";
  }
  if (history.standing) {
    const badStanding = await receiptProblem(history.standing);
    if (badStanding) return badStanding;
    const st = await receiptTransaction(history.standing);
    if (st.type !== 'identity.standing' || st.payload.subjectId !== subjectId) return "the ledger's latest standing is about something else";
    if (st.payload.standing !== 'active') return 'an admin suspended this professional';
  }
  return verificationAgeProblem(approval);
}

/**
 * Null when the identity.verify in `signed` was signed by the key its actor, a platform admin, had registered at that
 * ledger position: the registration and every rotation since, each rotation signed by the key before it.
 */
export async function adminKeyProblem(signed: LedgerReceipt): Promise<string | null> {
  const tx = await receiptTransaction(signed);
  // Asked without a session: the server serves admins' histories anonymously, so sign-up can check organizations too.
  const history = await identityHistory(tx.actorId, { anonymous: true }).catch(() => null);
  if (!history || history.userId !== tx.actorId || history.keys.length === 0) return "the admin's key history is not on the ledger";
  let inForce: Uint8Array | null = null;
  let previous: Uint8Array | null = null;
  let lastIndex = -1;
  const everHeld: Uint8Array[] = [];
  for (const r of history.keys) {
    const bad = await receiptProblem(r);
    if (bad) return "the admin's key history does not verify: " + bad;
    const k = await receiptTransaction(r);
    const chained = previous === null
      ? k.type === 'identity.register-keys' && k.payload.role === 'PlatformAdmin'
      : k.type === 'identity.rotate-keys' && constantTimeEqual(k.signerPublicKey, previous);
    if (!chained || k.payload.userId !== tx.actorId || r.logIndex <= lastIndex || !k.payload.signingKey) {
      return 'the verification is not signed by a registered platform admin (its key history does not chain)';
    }
    const key = fromBase64(k.payload.signingKey);
    everHeld.push(key);
    if (r.logIndex < signed.logIndex) inForce = key;
    previous = key;
    lastIndex = r.logIndex;
  }
  if (inForce && constantTimeEqual(inForce, tx.signerPublicKey)) return null;
  return everHeld.some((k) => constantTimeEqual(k, tx.signerPublicKey))
    ? 'the verification is signed by a key the admin did not hold at that point'
    : 'the verification is signed by a key the admin never had';
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
  // The signer must be a platform admin by the ledger's own key history (following rotations), not by the server's word;
  // and the approval must still be the subject's latest identity state.
  return (await adminKeyProblem(receipt)) ?? (await freshnessProblem(card.userId, receipt));
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

// The pharmacy organization key (src/MedLedger.Client/PharmacyKeyClient.cs, docs/pharmacy.md "Pharmacy organization key"):
// made here by a pharmacist, its private key sealed to each verified pharmacist's ledger-registered encryption key, its
// public key anchored by a pharmacist-signed pharmacy.organization-key. Patients seal orders for it only on the ledger's word.
import { constantTimeEqual, encryptionKeyId, fromBase64, hpkeDeriveKeyPair, openSecret, PHARMACY_ORGANIZATION_KEY_PURPOSE, publicKeyFromPrivate, randomBytes, sealSecret, sealedSecretFromJson,
  sealedSecretToJson, toBase64, utf8, type KeyPair } from '../crypto';
import { receiptTransaction, type LedgerReceipt } from '../ledger';
import { api, ApiProblem } from '../app/http';
import { requireSession } from '../app/session';
import { organizationMembers } from './organizations';
import { checkReceipt, signTransaction, VerificationError, verifiedPublicKeys } from './ledger';

export interface PharmacyKey {
  pharmacyId: string;
  publicKey: string;
  keyId: string;
  receipt: LedgerReceipt | null;
}

/** The calling pharmacist's sealed share of the current key (null until a colleague shares it) and the colleagues still waiting. */
export interface PharmacyKeyShare {
  pharmacyId: string;
  publicKey: string;
  keyId: string;
  sealed: string | null;
  waitingPharmacists: string[];
}

function ownPharmacy(): string {
  const pharmacyId = requireSession().tokens.user.organizationId;
  if (!pharmacyId) throw new Error("Only a pharmacist works with the pharmacy's key.");
  return pharmacyId;
}

async function sealFor(pharmacyId: string, pharmacistId: string, privateKey: Uint8Array): Promise<string> {
  // The recipient's key comes from the ledger, so a server cannot slip its own key in as a pharmacist's.
  const keys = await verifiedPublicKeys(pharmacistId);
  return toBase64(utf8(sealedSecretToJson(await sealSecret(keys.encryptionPublicKey, PHARMACY_ORGANIZATION_KEY_PURPOSE, pharmacyId, privateKey))));
}

/** Publishes a fresh key pair (first key or rotation), sealed to every verified pharmacist of the pharmacy, this one included. */
export async function publishPharmacyKey(): Promise<PharmacyKey> {
  const pharmacyId = ownPharmacy();
  const members = await organizationMembers(pharmacyId);
  const pair = await hpkeDeriveKeyPair(randomBytes(32));
  const shares: { pharmacistId: string; sealed: string }[] = [];
  try {
    for (const m of members.filter((x) => x.role === 'Pharmacist' && x.verification === 'Approved')) {
      shares.push({ pharmacistId: m.userId, sealed: await sealFor(pharmacyId, m.userId, pair.privateKey) });
    }
  } finally {
    pair.privateKey.fill(0);
  }
  const publicKey = toBase64(pair.publicKey);
  const key = await api.put<PharmacyKey>(`/api/pharmacies/${pharmacyId}/organization-key`,
    { publicKey, shares, transaction: await signTransaction('pharmacy.organization-key', { pharmacyId, publicKey }) });
  if (!key.receipt) throw new VerificationError('The server returned no ledger receipt for the pharmacy key.');
  await checkReceipt(key.receipt);
  return key;
}

/**
 * A pharmacy's organization key, or null when none was published; throws unless it is exactly the one a verified
 * pharmacy.organization-key anchored for this pharmacy (what a patient seals an order for).
 */
export async function verifiedPharmacyKey(pharmacyId: string): Promise<PharmacyKey | null> {
  let key: PharmacyKey;
  try {
    key = await api.get<PharmacyKey>(`/api/pharmacies/${pharmacyId}/organization-key`);
  } catch (e) {
    if (e instanceof ApiProblem && e.status === 404) return null;
    throw e;
  }
  if (!key.receipt) throw new VerificationError(`Pharmacy ${pharmacyId}'s organization key is not anchored on the ledger.`);
  await checkReceipt(key.receipt);
  const tx = await receiptTransaction(key.receipt);
  if (tx.type !== 'pharmacy.organization-key' || tx.payload.pharmacyId !== pharmacyId || tx.payload.publicKey !== key.publicKey) {
    throw new VerificationError(`The organization key served for pharmacy ${pharmacyId} is not the one anchored on the ledger.`);
  }
  // The server serves the key's id beside it; recomputed so the two cannot disagree unnoticed.
  if (key.keyId !== (await encryptionKeyId(fromBase64(key.publicKey)))) {
    throw new VerificationError(`The key id served for pharmacy ${pharmacyId} does not match its key.`);
  }
  return key;
}

/** As verifiedPharmacyKey, but a pharmacy without a key is an error (nothing can be sealed for it). */
export async function requirePharmacyKey(pharmacyId: string): Promise<PharmacyKey> {
  const key = await verifiedPharmacyKey(pharmacyId);
  if (!key) throw new VerificationError(`Pharmacy ${pharmacyId} has not published its organization key yet: it cannot take orders.`);
  return key;
}

export const myPharmacyKeyShare = (signal?: AbortSignal) => api.get<PharmacyKeyShare>(`/api/pharmacies/${ownPharmacy()}/organization-key/share`, { signal });

/**
 * Opens this pharmacist's share and checks it against the key the ledger anchored (a server handing out another key pair
 * is caught here: opening the order fails). The caller zeroes the private key.
 */
export async function openPharmacyKey(): Promise<KeyPair> {
  const pharmacyId = ownPharmacy();
  const anchored = await requirePharmacyKey(pharmacyId);
  const share = await myPharmacyKeyShare();
  if (!share.sealed) throw new Error("No colleague has shared the pharmacy's key with you yet.");
  const privateKey = await openSecret(requireSession().keys.encryption, PHARMACY_ORGANIZATION_KEY_PURPOSE, pharmacyId, sealedSecretFromJson(fromBase64(share.sealed)));
  const publicKey = fromBase64(anchored.publicKey);
  let matches = false;
  try {
    matches = constantTimeEqual(await publicKeyFromPrivate(privateKey), publicKey);
  } catch {
    matches = false;
  }
  if (!matches) {
    privateKey.fill(0);
    throw new VerificationError('The pharmacy key sealed to you is not the one anchored on the ledger.');
  }
  return { privateKey, publicKey };
}

/** Seals the key for every verified colleague still waiting (each to their ledger-registered key). Returns whom it was shared with. */
export async function sharePharmacyKeyWithWaiting(): Promise<string[]> {
  const pharmacyId = ownPharmacy();
  const share = await myPharmacyKeyShare();
  if (share.waitingPharmacists.length === 0) return [];
  const pair = await openPharmacyKey();
  try {
    for (const colleague of share.waitingPharmacists) {
      const sealed = await sealFor(pharmacyId, colleague, pair.privateKey);
      await api.post(`/api/pharmacies/${pharmacyId}/organization-key/shares`, { pharmacistId: colleague, keyId: share.keyId, sealed });
    }
  } finally {
    pair.privateKey.fill(0);
  }
  return share.waitingPharmacists;
}

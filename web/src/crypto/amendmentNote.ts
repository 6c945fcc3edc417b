// An amendment request's text or a decline reason, sealed for the record's patient and its author
// (src/MedLedger.Crypto/AmendmentNote.cs; docs/crypto-format.md "Amendment notes"). The ledger holds only the hash.
import { fromUtf8, sha256, toHex, utf8, type Bytes } from './bytes';
import { CanonicalWriter } from './canonical';
import { CryptoIntegrityError } from './errors';
import { encryptionKeyId } from './fingerprint';
import type { KeyPair } from './p256';
import { AMENDMENT_DECLINE_REASON_PURPOSE, AMENDMENT_NOTE_MAX_LENGTH, AMENDMENT_NOTE_TAG, AMENDMENT_REQUEST_PURPOSE } from './protocol';
import { openSecret, sealSecret, type SealedSecret } from './sealedSecret';

export interface AmendmentNote {
  forPatient: SealedSecret;
  forAuthor: SealedSecret;
}

function checkPurpose(purpose: string): void {
  if (purpose !== AMENDMENT_REQUEST_PURPOSE && purpose !== AMENDMENT_DECLINE_REASON_PURPOSE) throw new Error('Unknown amendment note purpose.');
}

/** The ephemeral ikms make both copies deterministic (test vectors only). */
export async function sealAmendmentNote(
  purpose: string, requestId: string, text: string, patientKey: Bytes, authorKey: Bytes, patientEphemeralIkm?: Bytes, authorEphemeralIkm?: Bytes,
): Promise<AmendmentNote> {
  checkPurpose(purpose);
  if (text.trim().length === 0 || text.length > AMENDMENT_NOTE_MAX_LENGTH) throw new Error(`A note is 1 to ${AMENDMENT_NOTE_MAX_LENGTH} characters.`);
  const bytes = utf8(text.normalize('NFC'));
  return {
    forPatient: await sealSecret(patientKey, purpose, requestId, bytes, patientEphemeralIkm),
    forAuthor: await sealSecret(authorKey, purpose, requestId, bytes, authorEphemeralIkm),
  };
}

/** canonical(AMENDMENT_NOTE_TAG).String(purpose).String(requestId).Bytes(patient enc).Bytes(patient ct).Bytes(author enc).Bytes(author ct). */
export function amendmentNoteBytes(purpose: string, requestId: string, note: AmendmentNote): Bytes {
  checkPurpose(purpose);
  return new CanonicalWriter(AMENDMENT_NOTE_TAG).string(purpose).string(requestId)
    .bytes(note.forPatient.enc).bytes(note.forPatient.ciphertext).bytes(note.forAuthor.enc).bytes(note.forAuthor.ciphertext).toBytes();
}

/** AmendmentNote.Hash: lower-case hex SHA-256 of amendmentNoteBytes. */
export async function amendmentNoteHash(purpose: string, requestId: string, note: AmendmentNote): Promise<string> {
  return toHex(await sha256(amendmentNoteBytes(purpose, requestId, note)));
}

/** Opens the copy sealed for our key (patient or author); anything else is a CryptoIntegrityError. */
export async function openAmendmentNote(me: KeyPair, purpose: string, requestId: string, note: AmendmentNote): Promise<string> {
  checkPurpose(purpose);
  const id = await encryptionKeyId(me.publicKey);
  const copy = note.forPatient.recipientKeyId === id ? note.forPatient : note.forAuthor.recipientKeyId === id ? note.forAuthor : null;
  if (!copy) throw new CryptoIntegrityError('This note is sealed for other keys.');
  return fromUtf8(await openSecret(me, purpose, requestId, copy));
}

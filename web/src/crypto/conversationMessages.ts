// End-to-end encrypted conversation messages, byte for byte as src/MedLedger.Crypto/ConversationMessages.cs
// (docs/messages.md, docs/crypto-format.md section 15), and the appointment reason sealed for the doctor
// (AppointmentsClient.BookAppointmentAsync): the ledger's reasonHash is SHA-256 of the doctor's sealed-secret JSON.
import { fromUtf8, randomBytes, sha256, toHex, utf8, type Bytes } from './bytes';
import { aesGcmOpen, aesGcmSeal, NONCE_LENGTH, TAG_LENGTH } from './aead';
import { CanonicalWriter } from './canonical';
import { CryptoFormatError, CryptoIntegrityError } from './errors';
import type { KeyPair } from './p256';
import {
  APPOINTMENT_REASON_PURPOSE, CONVERSATION_SUBJECT_KEY_PURPOSE, CONVERSATION_SUBJECT_TAG, MESSAGE_ATTACHMENT_TAG, MESSAGE_KEY_PURPOSE, MESSAGE_TAG,
} from './protocol';
import { openSecret, sealSecret, sealedSecretFromJson, sealedSecretToJson, type SealedSecret } from './sealedSecret';
import { sign, verify } from './signatures';
import { jsonArray, jsonLowerHex, jsonSafeInteger, jsonString, parseStrictJson, requireMembers, writeJsonString } from './strictJson';

export const MESSAGE_KEY_LENGTH = 32;

/** One attachment as the message names it (MessageAttachmentInfo): the SHA-256 of its sealed blob and its sealed metadata. */
export interface MessageAttachmentInfo {
  hash: string;
  contentType: string;
  fileName: string;
  size: number;
}

export interface MessageContent {
  text: string;
  attachments: MessageAttachmentInfo[];
}

export interface SealedMessage {
  conversationId: string;
  clientMessageId: string;
  senderId: string;
  nonce: Bytes;
  ciphertext: Bytes;
  attachmentHashes: string[];
  signature: Bytes;
}

export interface SealedSubject {
  conversationId: string;
  creatorId: string;
  participantIds: string[];
  appointmentId: string | null;
  nonce: Bytes;
  ciphertext: Bytes;
  signature: Bytes;
}

function requireKey(key: Bytes): void {
  if (key.length !== MESSAGE_KEY_LENGTH) throw new CryptoFormatError(`A message key is ${MESSAGE_KEY_LENGTH} bytes.`);
}

// Ordinal (UTF-16 code unit) order, as StringComparer.Ordinal sorts.
function ordinalSorted(values: readonly string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** canonical(MESSAGE_TAG).String(conversationId).String(clientMessageId).String(senderId). */
export function messageAad(conversationId: string, clientMessageId: string, senderId: string): Bytes {
  return new CanonicalWriter(MESSAGE_TAG).string(conversationId).string(clientMessageId).string(senderId).toBytes();
}

/** The associated data plus Bytes(nonce).Bytes(ciphertext).StringList(attachment hashes in order): what the sender signs. */
export function messageSignedBytes(conversationId: string, clientMessageId: string, senderId: string, nonce: Bytes, ciphertext: Bytes, attachmentHashes: readonly string[]): Bytes {
  return new CanonicalWriter(MESSAGE_TAG).string(conversationId).string(clientMessageId).string(senderId)
    .bytes(nonce).bytes(ciphertext).stringList(attachmentHashes).toBytes();
}

/** `${conversationId}/${clientMessageId}`: a key wrap opens only for its own message. */
export function messageWrapContext(conversationId: string, clientMessageId: string): string {
  return `${conversationId}/${clientMessageId}`;
}

/** canonical(MESSAGE_ATTACHMENT_TAG).String(conversationId).String(clientMessageId).Int64(index). */
export function attachmentAad(conversationId: string, clientMessageId: string, index: number): Bytes {
  return new CanonicalWriter(MESSAGE_ATTACHMENT_TAG).string(conversationId).string(clientMessageId).int64(index).toBytes();
}

/** Compact JSON {"text","attachments":[{"hash","contentType","fileName","size"}]}, non-ASCII as is (ConversationMessages.Plaintext). */
export function messagePlaintext(content: MessageContent): Bytes {
  const list = content.attachments.map((a) =>
    `{"hash":${writeJsonString(a.hash)},"contentType":${writeJsonString(a.contentType)},"fileName":${writeJsonString(a.fileName)},"size":${String(a.size)}}`);
  return utf8(`{"text":${writeJsonString(content.text)},"attachments":[${list.join(',')}]}`);
}

export function newMessageKey(): Bytes {
  return randomBytes(MESSAGE_KEY_LENGTH);
}

/** nonce (12) || AES-GCM ciphertext under the message key; its SHA-256 is the hash the message names. The nonce is fresh unless given (vectors only). */
export async function sealAttachment(key: Bytes, conversationId: string, clientMessageId: string, index: number, content: Bytes, nonce?: Bytes): Promise<Bytes> {
  requireKey(key);
  const n = nonce ?? randomBytes(NONCE_LENGTH);
  const ct = await aesGcmSeal(key, n, attachmentAad(conversationId, clientMessageId, index), content);
  const out = new Uint8Array(n.length + ct.length);
  out.set(n);
  out.set(ct, n.length);
  return out;
}

/** The blob's hash must be the signed one the message names, then AES-GCM must check. */
export async function openAttachment(key: Bytes, conversationId: string, clientMessageId: string, index: number, blob: Bytes, expectedHash: string): Promise<Bytes> {
  requireKey(key);
  if (toHex(await sha256(blob)) !== expectedHash) throw new CryptoIntegrityError('The attachment is not the one the message names.');
  if (blob.length < NONCE_LENGTH + TAG_LENGTH) throw new CryptoFormatError('An attachment blob is at least 28 bytes.');
  return aesGcmOpen(key, blob.subarray(0, NONCE_LENGTH), attachmentAad(conversationId, clientMessageId, index), blob.subarray(NONCE_LENGTH));
}

/** Seals and signs a message; the attachments' hashes become the signed metadata list. The nonce is fresh unless given (vectors only). */
export async function sealMessage(
  conversationId: string, clientMessageId: string, senderId: string, content: MessageContent, key: Bytes, signingPrivateKey: Bytes, nonce?: Bytes,
): Promise<SealedMessage> {
  if (!conversationId || !clientMessageId || !senderId) throw new Error('A message names its conversation, id and sender.');
  requireKey(key);
  const n = nonce ?? randomBytes(NONCE_LENGTH);
  const ciphertext = await aesGcmSeal(key, n, messageAad(conversationId, clientMessageId, senderId), messagePlaintext(content));
  const attachmentHashes = content.attachments.map((a) => a.hash);
  const signature = await sign(signingPrivateKey, messageSignedBytes(conversationId, clientMessageId, senderId, n, ciphertext, attachmentHashes));
  return { conversationId, clientMessageId, senderId, nonce: n, ciphertext, attachmentHashes, signature };
}

/**
 * Opens a message for a reader: it must name the conversation and message id asked for, be signed by the sender's
 * registered key, and its sealed attachment list must be the signed one; anything else is a CryptoIntegrityError.
 */
export async function openMessage(m: SealedMessage, key: Bytes, expectedConversationId: string, expectedClientMessageId: string, senderSigningPublicKey: Bytes): Promise<MessageContent> {
  if (m.conversationId !== expectedConversationId || m.clientMessageId !== expectedClientMessageId) {
    throw new CryptoIntegrityError(`Asked for message ${expectedClientMessageId} of conversation ${expectedConversationId}, got ${m.clientMessageId} of ${m.conversationId}.`);
  }
  if (!(await verify(senderSigningPublicKey, messageSignedBytes(m.conversationId, m.clientMessageId, m.senderId, m.nonce, m.ciphertext, m.attachmentHashes), m.signature))) {
    throw new CryptoIntegrityError('The message is not signed by its sender\'s registered key for this conversation and message id.');
  }
  requireKey(key);
  if (m.nonce.length !== NONCE_LENGTH) throw new CryptoFormatError('A message nonce is 12 bytes.');
  const plaintext = await aesGcmOpen(key, m.nonce, messageAad(m.conversationId, m.clientMessageId, m.senderId), m.ciphertext);
  const e = requireMembers(parseStrictJson(plaintext), 'message', 'text', 'attachments');
  const attachments = jsonArray(e, 'attachments').map((item) => {
    const a = requireMembers(item, 'attachment', 'hash', 'contentType', 'fileName', 'size');
    return { hash: jsonLowerHex(a, 'hash', 32), contentType: jsonString(a, 'contentType'), fileName: jsonString(a, 'fileName'), size: jsonSafeInteger(a, 'size') };
  });
  if (attachments.length !== m.attachmentHashes.length || attachments.some((a, i) => a.hash !== m.attachmentHashes[i])) {
    throw new CryptoIntegrityError('The sealed attachment list differs from the signed one.');
  }
  return { text: jsonString(e, 'text'), attachments };
}

export function wrapMessageKey(readerEncryptionPublicKey: Bytes, conversationId: string, clientMessageId: string, key: Bytes, ephemeralIkm?: Bytes): Promise<SealedSecret> {
  return sealSecret(readerEncryptionPublicKey, MESSAGE_KEY_PURPOSE, messageWrapContext(conversationId, clientMessageId), key, ephemeralIkm);
}

export async function unwrapMessageKey(wrap: SealedSecret, reader: KeyPair, conversationId: string, clientMessageId: string): Promise<Bytes> {
  const key = await openSecret(reader, MESSAGE_KEY_PURPOSE, messageWrapContext(conversationId, clientMessageId), wrap);
  if (key.length !== MESSAGE_KEY_LENGTH) throw new CryptoFormatError('A message key is 32 bytes.');
  return key;
}

// ---------- conversation subject ----------

/** canonical(CONVERSATION_SUBJECT_TAG).String(conversationId).String(creatorId). */
export function subjectAad(conversationId: string, creatorId: string): Bytes {
  return new CanonicalWriter(CONVERSATION_SUBJECT_TAG).string(conversationId).string(creatorId).toBytes();
}

/** The associated data plus StringList(participants, ordinal order).OptionalString(appointmentId).Bytes(nonce).Bytes(ciphertext). */
export function subjectSignedBytes(conversationId: string, creatorId: string, participantIds: readonly string[], appointmentId: string | null, nonce: Bytes, ciphertext: Bytes): Bytes {
  return new CanonicalWriter(CONVERSATION_SUBJECT_TAG).string(conversationId).string(creatorId)
    .stringList(ordinalSorted(participantIds)).optionalString(appointmentId).bytes(nonce).bytes(ciphertext).toBytes();
}

export async function sealSubject(
  conversationId: string, creatorId: string, participantIds: readonly string[], appointmentId: string | null, subject: string, key: Bytes, signingPrivateKey: Bytes, nonce?: Bytes,
): Promise<SealedSubject> {
  requireKey(key);
  const n = nonce ?? randomBytes(NONCE_LENGTH);
  const ciphertext = await aesGcmSeal(key, n, subjectAad(conversationId, creatorId), utf8(subject));
  const signature = await sign(signingPrivateKey, subjectSignedBytes(conversationId, creatorId, participantIds, appointmentId, n, ciphertext));
  return { conversationId, creatorId, participantIds: ordinalSorted(participantIds), appointmentId, nonce: n, ciphertext, signature };
}

/** The subject must name the conversation asked for and be signed by its creator over exactly these participants. */
export async function openSubject(s: SealedSubject, key: Bytes, expectedConversationId: string, creatorSigningPublicKey: Bytes): Promise<string> {
  if (s.conversationId !== expectedConversationId) throw new CryptoIntegrityError(`Asked for conversation ${expectedConversationId}, got ${s.conversationId}.`);
  if (!(await verify(creatorSigningPublicKey, subjectSignedBytes(s.conversationId, s.creatorId, s.participantIds, s.appointmentId, s.nonce, s.ciphertext), s.signature))) {
    throw new CryptoIntegrityError('The conversation is not signed by its creator\'s registered key over these participants.');
  }
  requireKey(key);
  const plaintext = await aesGcmOpen(key, s.nonce, subjectAad(s.conversationId, s.creatorId), s.ciphertext);
  try {
    return fromUtf8(plaintext);
  } catch {
    throw new CryptoFormatError('The subject is not UTF-8.');
  }
}

export function wrapSubjectKey(readerEncryptionPublicKey: Bytes, conversationId: string, key: Bytes): Promise<SealedSecret> {
  return sealSecret(readerEncryptionPublicKey, CONVERSATION_SUBJECT_KEY_PURPOSE, conversationId, key);
}

export async function unwrapSubjectKey(wrap: SealedSecret, reader: KeyPair, conversationId: string): Promise<Bytes> {
  const key = await openSecret(reader, CONVERSATION_SUBJECT_KEY_PURPOSE, conversationId, wrap);
  if (key.length !== MESSAGE_KEY_LENGTH) throw new CryptoFormatError('A subject key is 32 bytes.');
  return key;
}

// ---------- appointment reason ----------

/** The reason sealed for one reader (the doctor or the patient), as the JSON bytes the server stores (SealedSecret.ToJsonBytes). */
export async function sealAppointmentReason(readerEncryptionPublicKey: Bytes, appointmentId: string, reason: string, ephemeralIkm?: Bytes): Promise<Bytes> {
  return utf8(sealedSecretToJson(await sealSecret(readerEncryptionPublicKey, APPOINTMENT_REASON_PURPOSE, appointmentId, utf8(reason), ephemeralIkm)));
}

/** The appointments.book reasonHash: lower-case hex SHA-256 of the doctor's sealed reason JSON. */
export async function appointmentReasonHash(sealedForDoctor: Bytes): Promise<string> {
  return toHex(await sha256(sealedForDoctor));
}

/** Opens the reason as sealed for this reader (a wrong key, appointment id or changed byte is a CryptoIntegrityError). */
export async function openAppointmentReason(reader: KeyPair, appointmentId: string, sealedJson: Bytes): Promise<string> {
  return fromUtf8(await openSecret(reader, APPOINTMENT_REASON_PURPOSE, appointmentId, sealedSecretFromJson(sealedJson)));
}

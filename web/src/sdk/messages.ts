// End-to-end encrypted conversations (docs/messages.md; wire shapes and checks as src/MedLedger.Client/MessagesClient.cs).
// Every message is sealed here under a fresh key wrapped for each participant's ledger-registered key (other than the
// patient, participants must be doctors with an admin-verified card), signed with this user's key, and checked here on
// reading: sender in the conversation, signature over conversation and message id, attachment hashes. The server sees
// ids, sizes and times only.
import {
  fromBase64, openAttachment, openMessage, openSubject, sealAttachment, sealMessage, sealSubject, toBase64, unwrapMessageKey, unwrapSubjectKey,
  wrapMessageKey, wrapSubjectKey, CryptoFormatError, CryptoIntegrityError, newMessageKey, type Bytes, type MessageAttachmentInfo, type SealedSecret,
} from '../crypto';
import { ApiProblem, api, type Role } from '../app/http';
import { requireSession } from '../app/session';
import { cardLine, trustedCard } from './identity';
import { verifiedPublicKeys, VerificationError } from './ledger';

/** A key sealed for one participant (MessageKeyWrapDto); byte fields are base64 on the wire. */
export interface MessageKeyWrap {
  readerId: string;
  recipientKeyId: string;
  enc: string;
  wrappedKey: string;
}

export interface ConversationParticipant {
  userId: string;
  role: Role;
  readUpTo: number;
}

interface ConversationWire {
  id: string;
  patientId: string;
  createdBy: string;
  appointmentId: string | null;
  createdAt: string;
  subjectNonce: string;
  subjectCiphertext: string;
  subjectSignature: string;
  subjectWrap: MessageKeyWrap;
  participants: ConversationParticipant[];
  lastSeq: number;
  unread: number;
}

interface MessageWire {
  conversationId: string;
  seq: number;
  clientMessageId: string;
  senderId: string;
  sentAt: string;
  nonce: string;
  ciphertext: string;
  signature: string;
  attachmentHashes: string[];
  wrap: MessageKeyWrap;
}

/** A conversation after this browser's checks: the subject is signed by its creator over exactly these participants. */
export interface OpenedConversation {
  id: string;
  patientId: string;
  createdBy: string;
  appointmentId: string | null;
  createdAt: string;
  subject: string;
  participants: ConversationParticipant[];
  lastSeq: number;
  unread: number;
}

/** A message after this browser's checks; contentKey opens its attachments. */
export interface OpenedMessage {
  conversationId: string;
  seq: number;
  clientMessageId: string;
  senderId: string;
  sentAt: string;
  text: string;
  attachments: MessageAttachmentInfo[];
  contentKey: Bytes;
}

/** A file to attach: its name and content type travel sealed inside the message. */
export interface OutgoingAttachment {
  fileName: string;
  contentType: string;
  content: Bytes;
}

export interface ReadState {
  conversationId: string;
  readUpTo: number;
  unread: number;
}

function toWire(readerId: string, s: SealedSecret): MessageKeyWrap {
  return { readerId, recipientKeyId: s.recipientKeyId, enc: toBase64(s.enc), wrappedKey: toBase64(s.ciphertext) };
}

function fromWire(w: MessageKeyWrap): SealedSecret {
  return { recipientKeyId: w.recipientKeyId, enc: fromBase64(w.enc), ciphertext: fromBase64(w.wrappedKey) };
}

function isCryptoError(e: unknown): e is Error {
  return e instanceof CryptoIntegrityError || e instanceof CryptoFormatError;
}

/**
 * The encryption keys to wrap for: the patient's as registered on the ledger; every other participant must be a doctor
 * whose card an admin verified (its keys are the ledger's too). Throws, naming who failed, before anything is sent.
 */
async function participantKeys(participants: readonly string[], patientId: string): Promise<Map<string, Bytes>> {
  const result = new Map<string, Bytes>();
  for (const p of participants) {
    try {
      if (p === patientId) {
        result.set(p, (await verifiedPublicKeys(p)).encryptionPublicKey);
        continue;
      }
      const card = await trustedCard(p);
      if (card.card.role !== 'Doctor') throw new VerificationError(`Refused: ${cardLine(card)} is not a doctor.`);
      result.set(p, card.encryptionPublicKey);
    } catch (e) {
      if (e instanceof ApiProblem) throw new VerificationError(`Refused: the keys of participant ${p} could not be checked (${e.message}); nothing was sent.`);
      throw e;
    }
  }
  return result;
}

async function openConversation(w: ConversationWire, expectedId: string): Promise<OpenedConversation> {
  const s = requireSession();
  const has = (id: string) => w.participants.some((p) => p.userId === id);
  if (!has(s.tokens.user.id) || !has(w.patientId) || !has(w.createdBy)) {
    throw new VerificationError(`Conversation ${w.id} as served does not include you, its patient and its creator.`);
  }
  try {
    const creator = await verifiedPublicKeys(w.createdBy);
    const key = await unwrapSubjectKey(fromWire(w.subjectWrap), s.keys.encryption, w.id);
    const subject = await openSubject({
      conversationId: w.id, creatorId: w.createdBy, participantIds: w.participants.map((p) => p.userId), appointmentId: w.appointmentId,
      nonce: fromBase64(w.subjectNonce), ciphertext: fromBase64(w.subjectCiphertext), signature: fromBase64(w.subjectSignature),
    }, key, expectedId, creator.signingPublicKey);
    return {
      id: w.id, patientId: w.patientId, createdBy: w.createdBy, appointmentId: w.appointmentId, createdAt: w.createdAt, subject,
      participants: w.participants, lastSeq: w.lastSeq, unread: w.unread,
    };
  } catch (e) {
    if (isCryptoError(e)) throw new VerificationError(`Conversation ${w.id} does not check out: ${e.message}`);
    throw e;
  }
}

async function openOne(m: MessageWire, conversation: OpenedConversation): Promise<OpenedMessage> {
  const s = requireSession();
  if (!conversation.participants.some((p) => p.userId === m.senderId)) {
    throw new VerificationError(`Message ${m.clientMessageId} names sender ${m.senderId}, who is not in conversation ${conversation.id}.`);
  }
  const sender = await verifiedPublicKeys(m.senderId);
  try {
    // The signature names conversation and message id: a message moved from another conversation, or relabelled, fails in openMessage.
    const key = await unwrapMessageKey(fromWire(m.wrap), s.keys.encryption, conversation.id, m.clientMessageId);
    const content = await openMessage({
      conversationId: m.conversationId, clientMessageId: m.clientMessageId, senderId: m.senderId, nonce: fromBase64(m.nonce),
      ciphertext: fromBase64(m.ciphertext), attachmentHashes: m.attachmentHashes, signature: fromBase64(m.signature),
    }, key, conversation.id, m.clientMessageId, sender.signingPublicKey);
    return {
      conversationId: conversation.id, seq: m.seq, clientMessageId: m.clientMessageId, senderId: m.senderId, sentAt: m.sentAt,
      text: content.text, attachments: content.attachments, contentKey: key,
    };
  } catch (e) {
    if (isCryptoError(e)) throw new VerificationError(`Message ${m.clientMessageId} in conversation ${conversation.id} does not check out: ${e.message}`);
    throw e;
  }
}

/**
 * Opens a conversation with the given people (the caller is added): one patient and one or more doctors. Every
 * participant's keys are checked against the ledger and every doctor's card must be admin-verified; if any fails,
 * nothing is sent.
 */
export async function startConversation(otherParticipantIds: readonly string[], subject: string, appointmentId: string | null = null): Promise<OpenedConversation> {
  const s = requireSession();
  const me = s.tokens.user;
  const participants = [...new Set([...otherParticipantIds, me.id])];
  // Who is the patient is decided here, from the caller's side: a patient talks to doctors; a doctor names one patient.
  const patientId = me.role === 'Patient' ? me.id : otherParticipantIds[0];
  const keys = await participantKeys(participants, patientId);
  const conversationId = crypto.randomUUID();
  const key = newMessageKey();
  const sealed = await sealSubject(conversationId, me.id, participants, appointmentId, subject, key, s.keys.signing.privateKey);
  const subjectWraps = await Promise.all(participants.map(async (p) => toWire(p, await wrapSubjectKey(keys.get(p)!, conversationId, key))));
  const w = await api.post<ConversationWire>('/api/conversations', {
    conversationId, participantIds: participants, appointmentId,
    subjectNonce: toBase64(sealed.nonce), subjectCiphertext: toBase64(sealed.ciphertext), subjectSignature: toBase64(sealed.signature), subjectWraps,
  });
  return openConversation(w, conversationId);
}

/** The caller's conversations, checked and opened, with unread counts (newest first, as served). */
export async function conversations(): Promise<OpenedConversation[]> {
  const list = await api.get<ConversationWire[]>('/api/conversations');
  return Promise.all(list.map((w) => openConversation(w, w.id)));
}

export async function conversation(conversationId: string): Promise<OpenedConversation> {
  return openConversation(await api.get<ConversationWire>(`/api/conversations/${conversationId}`), conversationId);
}

/**
 * Seals, signs and sends a message (attachments sealed and uploaded first). Pass the same clientMessageId when
 * retrying: the server stores the message once and answers the first result.
 */
export async function sendMessage(conversationId: string, text: string, attachments: readonly OutgoingAttachment[] = [], clientMessageId?: string): Promise<OpenedMessage> {
  const s = requireSession();
  const c = await conversation(conversationId);
  const participants = c.participants.map((p) => p.userId);
  const keys = await participantKeys(participants, c.patientId);
  const id = clientMessageId ?? crypto.randomUUID();
  const key = newMessageKey();
  const infos: MessageAttachmentInfo[] = [];
  for (const [index, a] of attachments.entries()) {
    const blob = await sealAttachment(key, conversationId, id, index, a.content);
    const uploaded = await api.post<{ hash: string; size: number }>(`/api/conversations/${conversationId}/attachments`, { content: toBase64(blob) });
    infos.push({ hash: uploaded.hash, contentType: a.contentType || 'application/octet-stream', fileName: a.fileName, size: a.content.length });
  }
  const sealed = await sealMessage(conversationId, id, s.tokens.user.id, { text, attachments: infos }, key, s.keys.signing.privateKey);
  const wraps = await Promise.all(participants.map(async (p) => toWire(p, await wrapMessageKey(keys.get(p)!, conversationId, id, key))));
  const stored = await api.post<MessageWire>(`/api/conversations/${conversationId}/messages`, {
    clientMessageId: id, nonce: toBase64(sealed.nonce), ciphertext: toBase64(sealed.ciphertext), signature: toBase64(sealed.signature),
    attachmentHashes: sealed.attachmentHashes, wraps,
  });
  return openOne(stored, c);
}

/** Messages after `afterSeq`, each checked and opened; any message that does not check out throws. */
export async function messages(conversationId: string, afterSeq = 0): Promise<OpenedMessage[]> {
  const c = await conversation(conversationId);
  const result: OpenedMessage[] = [];
  let after = afterSeq;
  for (;;) {
    const page = await api.get<MessageWire[]>(`/api/conversations/${conversationId}/messages?after=${after}`);
    for (const m of page) result.push(await openOne(m, c));
    if (page.length === 0 || page[page.length - 1].seq <= after) return result;
    after = page[page.length - 1].seq;
  }
}

/** An attachment of an opened message, fetched, checked against the signed hash and decrypted. */
export async function attachment(message: OpenedMessage, index: number): Promise<Bytes> {
  const a = message.attachments[index];
  const blob = await api.get<{ hash: string; size: number; content: string | null }>(`/api/conversations/${message.conversationId}/attachments/${a.hash}`);
  if (!blob.content) throw new VerificationError('The server sent no attachment content.');
  try {
    return await openAttachment(message.contentKey, message.conversationId, message.clientMessageId, index, fromBase64(blob.content), a.hash);
  } catch (e) {
    if (isCryptoError(e)) throw new VerificationError(`Attachment ${a.hash} does not check out: ${e.message}`);
    throw e;
  }
}

/** Moves the caller's read marker to upToSeq (the server never moves it back). */
export function markRead(conversationId: string, upToSeq: number): Promise<ReadState> {
  return api.post<ReadState>(`/api/conversations/${conversationId}/read`, { upTo: upToSeq });
}

/**
 * The "Message" entry point: the caller's conversation with `otherId` (for this appointment, when one is given), or a new
 * one with that person, checked as startConversation does.
 */
export async function conversationWith(otherId: string, subject: string, appointmentId: string | null = null): Promise<OpenedConversation> {
  const mine = await conversations();
  const found = mine.find((c) => c.participants.some((p) => p.userId === otherId) && (appointmentId === null || c.appointmentId === appointmentId));
  return found ?? startConversation([otherId], subject, appointmentId);
}

/** A name for a participant: the doctor's card line (checked), else the role and a short id. */
export async function participantLabel(p: ConversationParticipant): Promise<string> {
  if (p.role === 'Doctor') {
    try {
      return cardLine(await trustedCard(p.userId));
    } catch {
      // An unverified or unreachable card: fall through to the plain label.
    }
  }
  return `${p.role === 'Patient' ? 'Patient' : p.role} ${p.userId.slice(0, 8)}`;
}

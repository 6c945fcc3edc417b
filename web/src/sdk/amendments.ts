// Amendment requests in the browser, following src/MedLedger.Client/AmendmentsClient.cs step for step: a patient asks
// the author of a record to correct it; the author accepts (writes the next version, then names it) or declines with a
// reason. Texts are sealed here for the patient and the author; every answer is checked against its ledger receipt.
import {
  AMENDMENT_DECLINE_REASON_PURPOSE, AMENDMENT_REQUEST_PURPOSE, amendmentNoteHash, fromBase64, fromUtf8, openAmendmentNote, sealAmendmentNote,
  sealedSecretFromJson, sealedSecretToJson, toBase64, utf8, type AmendmentNote,
} from '../crypto';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { receiptTransaction, type LedgerTransaction } from '../ledger';
import { checkReceipt, ledgerReceipt, signTransaction, verifiedPublicKeys, VerificationError } from './ledger';
import { checkAnchor, fetchSealed } from './records';

/** A sealed note as the server stores it: base64 of SealedSecret JSON for the patient and for the author. */
interface SealedNoteWire {
  forPatient: string;
  forAuthor: string;
}

interface AmendmentWire {
  requestId: string;
  recordId: string;
  patientId: string;
  authorId: string;
  version: number;
  status: string;
  request: SealedNoteWire;
  requestTransactionId: string;
  filedAt: string;
  resolvedVersion: number | null;
  reason: SealedNoteWire | null;
  decisionTransactionId: string | null;
  decidedAt: string | null;
}

export type AmendmentStatus = 'open' | 'accepted' | 'declined';

/** An amendment request opened in this browser, each part checked against its ledger receipt. */
export interface Amendment {
  requestId: string;
  recordId: string;
  patientId: string;
  authorId: string;
  version: number;
  status: AmendmentStatus;
  requestText: string;
  filedAt: Date;
  resolvedVersion: number | null;
  declineReason: string | null;
  decidedAt: Date | null;
}

function toWire(note: AmendmentNote): SealedNoteWire {
  return { forPatient: toBase64(utf8(sealedSecretToJson(note.forPatient))), forAuthor: toBase64(utf8(sealedSecretToJson(note.forAuthor))) };
}

function fromWire(w: SealedNoteWire): AmendmentNote {
  return { forPatient: sealedSecretFromJson(fromUtf8(fromBase64(w.forPatient))), forAuthor: sealedSecretFromJson(fromUtf8(fromBase64(w.forAuthor))) };
}

async function verifiedTransaction(transactionId: string, type: string): Promise<LedgerTransaction> {
  const receipt = await ledgerReceipt(transactionId);
  await checkReceipt(receipt);
  const tx = await receiptTransaction(receipt);
  if (tx.id !== transactionId || tx.type !== type) throw new VerificationError(`The server's receipt for ${transactionId} is not that ${type}.`);
  return tx;
}

/** Checks the request and its decision against their ledger receipts (signer, record, version, note hashes), then opens the notes. */
async function openAmendment(a: AmendmentWire): Promise<Amendment> {
  const keys = requireSession().keys.encryption;
  const id = a.requestId;
  const requestNote = fromWire(a.request);
  const rtx = await verifiedTransaction(a.requestTransactionId, 'records.amend-request');
  const p = rtx.payload;
  if (rtx.actorId !== a.patientId || p.requestId !== id || p.recordId !== a.recordId || p.patientId !== a.patientId || p.authorId !== a.authorId || p.version !== String(a.version) ||
      p.contentHash !== (await amendmentNoteHash(AMENDMENT_REQUEST_PURPOSE, id, requestNote))) {
    throw new VerificationError(`Amendment request ${id} does not match its records.amend-request on the ledger.`);
  }
  let status: AmendmentStatus = 'open';
  let declineReason: string | null = null;
  let resolvedVersion: number | null = null;
  if (a.decisionTransactionId) {
    const dtx = await verifiedTransaction(a.decisionTransactionId, 'records.amend-decide');
    const d = dtx.payload;
    if (dtx.actorId !== a.authorId || d.requestId !== id || d.recordId !== a.recordId || d.patientId !== a.patientId) {
      throw new VerificationError(`The decision on amendment request ${id} does not match its records.amend-decide on the ledger.`);
    }
    if (d.decision === 'declined') {
      if (!a.reason) throw new VerificationError(`The server sent the decline of ${id} without its reason.`);
      const note = fromWire(a.reason);
      if (d.reasonHash !== (await amendmentNoteHash(AMENDMENT_DECLINE_REASON_PURPOSE, id, note))) {
        throw new VerificationError(`The reason the server sent for declining ${id} is not the one the author anchored.`);
      }
      declineReason = await openAmendmentNote(keys, AMENDMENT_DECLINE_REASON_PURPOSE, id, note);
      status = 'declined';
    } else if (d.decision === 'accepted') {
      resolvedVersion = Number(d.resolvedVersion);
      status = 'accepted';
    } else {
      throw new VerificationError(`Unknown decision on amendment request ${id}.`);
    }
  }
  if (status !== a.status || resolvedVersion !== a.resolvedVersion) {
    throw new VerificationError(`The server reports amendment request ${id} as ${a.status}; the ledger says ${status}.`);
  }
  return {
    requestId: id, recordId: a.recordId, patientId: a.patientId, authorId: a.authorId, version: a.version, status,
    requestText: await openAmendmentNote(keys, AMENDMENT_REQUEST_PURPOSE, id, requestNote),
    filedAt: new Date(a.filedAt), resolvedVersion, declineReason, decidedAt: a.decidedAt ? new Date(a.decidedAt) : null,
  };
}

/**
 * Patient: ask the author of one of your records to correct it. The latest version and its author are checked against
 * the records.write anchor before the text is sealed, on this device, for you and that author only.
 */
export async function requestAmendment(recordId: string, text: string): Promise<Amendment> {
  const s = requireSession();
  const record = await fetchSealed(recordId);
  if (record.recordId !== recordId) throw new VerificationError(`Asked for record ${recordId}, the server sent ${record.recordId}.`);
  await checkAnchor(record);
  if (record.patientId !== s.tokens.user.id) throw new Error('Only the record\'s patient files an amendment request on it.');
  if (record.authorId === s.tokens.user.id) throw new Error('You wrote this record: write its next version instead of requesting a correction.');
  const author = await verifiedPublicKeys(record.authorId);
  const requestId = crypto.randomUUID();
  const note = await sealAmendmentNote(AMENDMENT_REQUEST_PURPOSE, requestId, text, s.keys.encryption.publicKey, author.encryptionPublicKey);
  const transaction = await signTransaction('records.amend-request', {
    requestId, recordId, patientId: s.tokens.user.id, authorId: record.authorId, version: String(record.version),
    contentHash: await amendmentNoteHash(AMENDMENT_REQUEST_PURPOSE, requestId, note),
  });
  return openAmendment(await api.post<AmendmentWire>('/api/amendments', { transaction, request: toWire(note) }));
}

/** A patient's own requests, or (doctor) the requests on records you wrote; opened and checked against the ledger. */
export async function amendments(recordId?: string): Promise<Amendment[]> {
  const list = await api.get<AmendmentWire[]>(`/api/amendments${recordId ? `?recordId=${encodeURIComponent(recordId)}` : ''}`);
  return Promise.all(list.map(openAmendment));
}

/** Author: mark a request accepted by a version you already wrote after the one it concerns (the ledger checks that). */
export async function markAmendmentAccepted(request: Amendment, resolvedVersion: number): Promise<Amendment> {
  const transaction = await signTransaction('records.amend-decide', {
    requestId: request.requestId, recordId: request.recordId, patientId: request.patientId, decision: 'accepted', resolvedVersion: String(resolvedVersion),
  });
  return openAmendment(await api.post<AmendmentWire>(`/api/amendments/${request.requestId}/decide`, { transaction }));
}

/** Author: decline with a reason, sealed here for the patient (key checked against the ledger) and you. */
export async function declineAmendment(request: Amendment, reason: string): Promise<Amendment> {
  const s = requireSession();
  const patient = await verifiedPublicKeys(request.patientId);
  const note = await sealAmendmentNote(AMENDMENT_DECLINE_REASON_PURPOSE, request.requestId, reason, patient.encryptionPublicKey, s.keys.encryption.publicKey);
  const transaction = await signTransaction('records.amend-decide', {
    requestId: request.requestId, recordId: request.recordId, patientId: request.patientId, decision: 'declined',
    reasonHash: await amendmentNoteHash(AMENDMENT_DECLINE_REASON_PURPOSE, request.requestId, note),
  });
  return openAmendment(await api.post<AmendmentWire>(`/api/amendments/${request.requestId}/decide`, { transaction, reason: toWire(note) }));
}

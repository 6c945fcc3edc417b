// What a patient orders and the pharmacy's reservation note (src/MedLedger.Crypto/OrderContents.cs, docs/crypto-format.md
// "Orders"): strict JSON sealed as a SealedSecret for one recipient, byte for byte as the C# client writes it.
import { fromUtf8, randomBytes, sha256, toBase64, toHex, utf8, type Bytes } from './bytes';
import { CanonicalWriter } from './canonical';
import { CryptoFormatError, CryptoIntegrityError } from './errors';
import type { KeyPair } from './p256';
import { ORDER_CONTENT_PURPOSE, ORDER_RESERVATION_COMMITMENT_TAG, ORDER_RESERVATION_NOTE_PURPOSE } from './protocol';
import { openSecret, sealSecret, sealedSecretFromJson, sealedSecretToJson } from './sealedSecret';
import { jsonArray, jsonBase64, jsonSafeInteger, jsonString, parseStrictJson, requireMembers, writeJsonString } from './strictJson';

export const ORDER_MAX_LINES = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** One line: a catalogue medicine of the pharmacy, how many, and its unit price when the order was placed (minor units). */
export interface OrderLine {
  medicineId: string;
  quantity: number;
  unitPrice: number;
}

/** The sealed lines of an order; prescriptionId null is an over-the-counter order. */
export interface OrderContent {
  orderId: string;
  pharmacyId: string;
  currency: string;
  lines: OrderLine[];
  prescriptionId: string | null;
}

/** The total the order's amount must equal: the sum of quantity × unit price. */
export function orderTotal(content: OrderContent): number {
  const total = content.lines.reduce((s, l) => s + l.quantity * l.unitPrice, 0);
  if (!Number.isSafeInteger(total)) throw new RangeError('The order total is out of range.');
  return total;
}

/** OrderContent.ToJsonBytes: members orderId, pharmacyId, currency, lines, prescriptionId ("" for none). */
export function orderContentBytes(c: OrderContent): Bytes {
  const lines = c.lines.map((l) => `{"medicineId":${writeJsonString(l.medicineId)},"quantity":${l.quantity},"unitPrice":${l.unitPrice}}`).join(',');
  return utf8(`{"orderId":${writeJsonString(c.orderId)},"pharmacyId":${writeJsonString(c.pharmacyId)},"currency":${writeJsonString(c.currency)},"lines":[${lines}],`
    + `"prescriptionId":${writeJsonString(c.prescriptionId ?? '')}}`);
}

function uuid(value: string, name: string): string {
  if (!UUID.test(value)) throw new CryptoFormatError(`'${name}' must be a UUID.`);
  return value;
}

export function orderContentFromJson(json: string | Bytes): OrderContent {
  const m = requireMembers(parseStrictJson(json), 'order', 'orderId', 'pharmacyId', 'currency', 'lines', 'prescriptionId');
  const items = jsonArray(m, 'lines');
  if (items.length < 1 || items.length > ORDER_MAX_LINES) throw new CryptoFormatError(`An order has 1 to ${ORDER_MAX_LINES} lines.`);
  const lines = items.map((item) => {
    const l = requireMembers(item, 'order line', 'medicineId', 'quantity', 'unitPrice');
    const line = { medicineId: uuid(jsonString(l, 'medicineId'), 'medicineId'), quantity: jsonSafeInteger(l, 'quantity'), unitPrice: jsonSafeInteger(l, 'unitPrice') };
    if (line.quantity < 1 || line.quantity > 2_147_483_647 || line.unitPrice < 0) {
      throw new CryptoFormatError('An order line has a positive quantity and a unit price of zero or more.');
    }
    return line;
  });
  const prescription = jsonString(m, 'prescriptionId');
  return {
    orderId: uuid(jsonString(m, 'orderId'), 'orderId'),
    pharmacyId: uuid(jsonString(m, 'pharmacyId'), 'pharmacyId'),
    currency: jsonString(m, 'currency'),
    lines,
    prescriptionId: prescription === '' ? null : uuid(prescription, 'prescriptionId'),
  };
}

/** Seals the lines for one recipient (the pharmacy's organization key or the patient's own key) as SealedSecret JSON bytes. */
export async function sealOrderContent(recipientPublicKey: Bytes, content: OrderContent, ephemeralIkm?: Bytes): Promise<Bytes> {
  return utf8(sealedSecretToJson(await sealSecret(recipientPublicKey, ORDER_CONTENT_PURPOSE, content.orderId, orderContentBytes(content), ephemeralIkm)));
}

/** Opens a sealed copy and checks it is this order's (the id inside must be the one it was sealed under). */
export async function openOrderContent(recipient: KeyPair, orderId: string, sealedJson: Bytes): Promise<OrderContent> {
  const content = orderContentFromJson(await openSecret(recipient, ORDER_CONTENT_PURPOSE, orderId, sealedSecretFromJson(sealedJson)));
  if (content.orderId !== orderId) throw new CryptoIntegrityError('The sealed order names another order id.');
  return content;
}

/** orders.place contentHash: lower-case hex SHA-256 of the pharmacy's sealed copy. */
export async function orderContentHash(sealedForPharmacy: Bytes): Promise<string> {
  return toHex(await sha256(sealedForPharmacy));
}

/** An accepted order's link to its stock reservation, known only to the pharmacy (OrderReservationNote). */
export interface OrderReservationNote {
  reservationId: string;
  salt: Bytes;
}

export function newOrderReservationNote(reservationId: string): OrderReservationNote {
  return { reservationId, salt: randomBytes(32) };
}

/** The commitment orders.status "accepted" carries: SHA-256(canonical(tag).String(reservationId).Bytes(salt)), lower-case hex. */
export async function orderReservationCommitment(note: OrderReservationNote): Promise<string> {
  return toHex(await sha256(new CanonicalWriter(ORDER_RESERVATION_COMMITMENT_TAG).string(note.reservationId).bytes(note.salt).toBytes()));
}

export async function sealOrderReservationNote(pharmacyPublicKey: Bytes, orderId: string, note: OrderReservationNote, ephemeralIkm?: Bytes): Promise<Bytes> {
  const json = utf8(`{"reservationId":${writeJsonString(note.reservationId)},"salt":"${toBase64(note.salt)}"}`);
  return utf8(sealedSecretToJson(await sealSecret(pharmacyPublicKey, ORDER_RESERVATION_NOTE_PURPOSE, orderId, json, ephemeralIkm)));
}

export async function openOrderReservationNote(pharmacyKey: KeyPair, orderId: string, sealedJson: Bytes): Promise<OrderReservationNote> {
  const plain = await openSecret(pharmacyKey, ORDER_RESERVATION_NOTE_PURPOSE, orderId, sealedSecretFromJson(sealedJson));
  const m = requireMembers(parseStrictJson(fromUtf8(plain)), 'reservation note', 'reservationId', 'salt');
  return { reservationId: uuid(jsonString(m, 'reservationId'), 'reservationId'), salt: jsonBase64(m, 'salt', 32) };
}

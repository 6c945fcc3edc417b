// Orders at a pharmacy in the browser (docs/pharmacy.md "Orders"), following src/MedLedger.Client/OrdersClient.cs: the
// patient's browser seals the lines for the pharmacy's ledger-anchored organization key and for the patient, and signs
// orders.place with the total; the pharmacist's browser opens an order only after checking its orders.place receipt, checks
// the total against the lines and the prices in force, reserves stock with a pharmacy.stock-reservation that names no order
// or patient, and accepts with a commitment to that reservation.
import {
  fromBase64, newOrderReservationNote, openOrderContent, openOrderReservationNote, orderContentHash, orderReservationCommitment, orderTotal, sealOrderContent,
  sealOrderReservationNote, sha256, toBase64, toHex, ORDER_MAX_LINES, type OrderContent, type OrderLine,
} from '../crypto';
import { receiptTransaction, type LedgerReceipt } from '../ledger';
import { api } from '../app/http';
import { requireSession } from '../app/session';
import { checkReceipt, signTransaction, VerificationError, type SignedTransactionWire } from './ledger';
import { getStock, type CatalogueLine } from './pharmacy';
import { openPharmacyKey, requirePharmacyKey } from './pharmacyKey';
import { getPrescription, prescriptionStatus } from './dispensing';
import { grantConsent, listGrants } from './consent';
import { identityCard } from './identity';

export type { OrderContent, OrderLine };

export type OrderStatus = 'submitting' | 'placed' | 'accepted' | 'ready' | 'collected' | 'cancelled' | 'declined' | 'expired';

/** The reason codes a pharmacist declines with (OrderStatusContract's reason: a short code, never free text). */
export const DECLINE_REASONS = ['out-of-stock', 'total-mismatch', 'prescription-invalid', 'not-supplied', 'unreadable', 'other'] as const;

/** An order as the server serves it (ciphertexts as base64, status, amount). */
export interface OrderView {
  id: string;
  patientId: string;
  pharmacyId: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  contentHash: string;
  sealedForPharmacy: string;
  sealedForPatient: string;
  placedAt: string;
  expiresAt: string;
  updatedAt: string;
  reservationCommitment: string | null;
  acceptNote: string | null;
  declineReason: string | null;
  placeTransactionId: string;
  receipt: LedgerReceipt | null;
}

export interface OrderItem {
  medicineId: string;
  quantity: number;
}

export interface ReservationView {
  id: string;
  pharmacyId: string;
  status: string;
  units: number;
  expiresAt: string;
  lines: OrderItem[];
  createdAt: string;
  closedAt: string | null;
  receipt: LedgerReceipt | null;
}

export interface PharmacyCatalogue {
  pharmacyId: string;
  name: string;
  address: string;
  items: CatalogueLine[];
}

/** An order sealed and signed here with its Idempotency-Key: send it again after a lost answer and the server returns the first order. */
export interface OrderIntent {
  orderId: string;
  pharmacyId: string;
  idempotencyKey: string;
  sealedForPharmacy: string;
  sealedForPatient: string;
  expiresAt: string | null;
  transaction: SignedTransactionWire;
}

export interface OpenedOrder {
  order: OrderView;
  content: OrderContent;
}

/** Why this browser will not place, accept or trust an order: something does not hold up. */
export class OrderCheckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderCheckError';
  }
}

const transactionId = async (t: SignedTransactionWire) => toHex(await sha256(fromBase64(t.transaction)));

export const pharmacyCatalogue = (pharmacyId: string, signal?: AbortSignal) => api.get<PharmacyCatalogue>(`/api/pharmacies/${pharmacyId}/catalogue`, { signal });

// ---------- patient ----------

/**
 * Patient (OrdersClient.PrepareOrderAsync): prices the items from the pharmacy's public catalogue now, seals the lines for
 * the pharmacy's ledger-anchored key (never a key the server merely serves) and for you, and signs orders.place with their
 * total and the SHA-256 of the pharmacy's copy. A prescription is shared with the pharmacy's verified pharmacists first.
 */
export async function prepareOrder(pharmacyId: string, items: OrderItem[], prescriptionId: string | null = null): Promise<OrderIntent> {
  const s = requireSession();
  if (items.length < 1 || items.length > ORDER_MAX_LINES || items.some((i) => !Number.isInteger(i.quantity) || i.quantity < 1)
    || new Set(items.map((i) => i.medicineId)).size !== items.length) {
    throw new OrderCheckError(`An order has 1 to ${ORDER_MAX_LINES} lines, each medicine once with a positive quantity.`);
  }
  if (prescriptionId) await sharePrescriptionWithPharmacy(pharmacyId, prescriptionId);
  const catalogue = new Map((await pharmacyCatalogue(pharmacyId)).items.map((i) => [i.medicine.id, i.medicine]));
  const lines: OrderLine[] = items.map((i) => {
    const m = catalogue.get(i.medicineId);
    if (!m || m.pharmacyId !== pharmacyId) throw new OrderCheckError(`Medicine ${i.medicineId} is not in pharmacy ${pharmacyId}'s catalogue.`);
    return { medicineId: i.medicineId, quantity: i.quantity, unitPrice: m.priceMinor };
  });
  const currencies = new Set(items.map((i) => catalogue.get(i.medicineId)!.currency));
  if (currencies.size !== 1) throw new OrderCheckError('An order is in one currency.');
  const currency = [...currencies][0];
  const pharmacyKey = await requirePharmacyKey(pharmacyId);
  const content: OrderContent = { orderId: crypto.randomUUID(), pharmacyId, currency, lines, prescriptionId };
  const forPharmacy = await sealOrderContent(fromBase64(pharmacyKey.publicKey), content);
  const forPatient = await sealOrderContent(s.keys.encryption.publicKey, content);
  const transaction = await signTransaction('orders.place', {
    orderId: content.orderId, patientId: s.tokens.user.id, pharmacyId, amount: String(orderTotal(content)), currency,
    contentHash: await orderContentHash(forPharmacy),
  });
  return {
    orderId: content.orderId, pharmacyId, idempotencyKey: crypto.randomUUID(), sealedForPharmacy: toBase64(forPharmacy), sealedForPatient: toBase64(forPatient),
    expiresAt: null, transaction,
  };
}

/** Sends a prepared order (again after a lost answer: the same key returns the first order) and checks its receipt. */
export async function submitOrder(intent: OrderIntent): Promise<OrderView> {
  const body = { sealedForPharmacy: intent.sealedForPharmacy, sealedForPatient: intent.sealedForPatient, expiresAt: intent.expiresAt, transaction: intent.transaction };
  const send = () => api.post<OrderView>('/api/orders', body, { headers: { 'Idempotency-Key': intent.idempotencyKey } });
  let order = await send();
  // A retry that overtook the first request finds the order still on its way to the ledger: ask again until it is placed (or refused).
  for (let attempt = 0; order.status === 'submitting' && attempt < 200; attempt++) {
    await new Promise((r) => setTimeout(r, 50));
    order = await send();
  }
  if (order.id !== intent.orderId || order.placeTransactionId !== (await transactionId(intent.transaction))) {
    throw new VerificationError(`Asked to place order ${intent.orderId}, the server answered with ${order.id}.`);
  }
  await checkPlaced(order);
  return order;
}

export async function placeOrder(pharmacyId: string, items: OrderItem[], prescriptionId: string | null = null): Promise<OrderView> {
  return submitOrder(await prepareOrder(pharmacyId, items, prescriptionId));
}

interface DirectoryProfessional {
  userId: string;
  role: string;
}

/**
 * Patient (OrdersClient.SharePrescriptionWithPharmacyAsync): shares the MedicationRequest behind your prescription with each
 * pharmacist the server lists for the pharmacy whose identity card an admin verified for this pharmacy (scope Records,
 * purpose "dispensing", until the prescription ends); one already covered is left as is. None is an OrderCheckError.
 */
export async function sharePrescriptionWithPharmacy(pharmacyId: string, prescriptionId: string): Promise<string[]> {
  const me = requireSession().tokens.user.id;
  const rx = await getPrescription(prescriptionId);
  if (rx.info.patientId !== me) throw new OrderCheckError(`Prescription ${prescriptionId} is not yours.`);
  if (prescriptionStatus(rx) !== 'active') throw new OrderCheckError(`Prescription ${prescriptionId} cannot be dispensed any more (cancelled, expired or used up).`);
  const record = rx.info.recordId;
  const grants = await listGrants();
  const shared: string[] = [];
  for (const p of await api.get<DirectoryProfessional[]>(`/api/organizations/${pharmacyId}/professionals`)) {
    if (p.role !== 'Pharmacist') continue;
    const card = await identityCard(p.userId);
    if (!card.verified || card.card.role !== 'Pharmacist' || card.card.organizationId !== pharmacyId) continue;
    const covered = grants.some((g) => g.active && g.granteeId === p.userId
      && ((g.scope === 'Records' && g.items.includes(record)) || (g.scope === 'Categories' && g.items.includes('MedicationRequest'))));
    if (!covered) await grantConsent({ granteeId: p.userId, scope: 'Records', items: [record], purpose: 'dispensing', expiresAt: new Date(rx.info.validUntil) });
    shared.push(p.userId);
  }
  if (shared.length === 0) throw new OrderCheckError(`Pharmacy ${pharmacyId} has no pharmacist an admin verified: the prescription was not shared and no order was placed.`);
  return shared;
}

export const myOrders = (signal?: AbortSignal) => api.get<OrderView[]>('/api/orders', { signal });

export const myOrder = (orderId: string, signal?: AbortSignal) => api.get<OrderView>(`/api/orders/${orderId}`, { signal });

/** Patient: opens the copy of an order sealed for you. */
export function openMyOrder(order: OrderView): Promise<OrderContent> {
  return openOrderContent(requireSession().keys.encryption, order.id, fromBase64(order.sealedForPatient));
}

/** Patient: cancels your order while it is placed or accepted (a patient-signed orders.status). */
export async function cancelOrder(orderId: string): Promise<OrderView> {
  return api.post<OrderView>(`/api/orders/${orderId}/cancel`, { transaction: await signTransaction('orders.status', { orderId, status: 'cancelled' }) });
}

// ---------- pharmacist ----------

function ownPharmacy(): string {
  const pharmacyId = requireSession().tokens.user.organizationId;
  if (!pharmacyId) throw new OrderCheckError("Only a pharmacist works a pharmacy's orders.");
  return pharmacyId;
}

export function pharmacyOrders(status?: OrderStatus, signal?: AbortSignal): Promise<OrderView[]> {
  return api.get<OrderView[]>(`/api/pharmacies/${ownPharmacy()}/orders` + (status ? `?status=${encodeURIComponent(status)}` : ''), { signal });
}

const pharmacyOrder = (orderId: string) => api.get<OrderView>(`/api/pharmacies/${ownPharmacy()}/orders/${orderId}`);

/**
 * Pharmacist: fetches an order, checks its orders.place receipt (signed by the patient it names, for this pharmacy, the
 * amount and currency shown, contentHash = SHA-256 of the sealed copy) and opens the lines with the pharmacy key.
 */
export async function openOrder(orderId: string): Promise<OpenedOrder> {
  const pharmacyId = ownPharmacy();
  const order = await pharmacyOrder(orderId);
  if (order.id !== orderId) throw new VerificationError(`Asked for order ${orderId}, the server sent ${order.id}.`);
  await checkPlaced(order);
  const key = await openPharmacyKey();
  try {
    const content = await openOrderContent(key, order.id, fromBase64(order.sealedForPharmacy));
    if (content.pharmacyId !== pharmacyId || content.currency !== order.currency) {
      throw new OrderCheckError(`Order ${orderId}'s sealed lines name another pharmacy or currency.`);
    }
    return { order, content };
  } finally {
    key.privateKey.fill(0);
  }
}

/**
 * Pharmacist: opens the order and checks its total (the amount the patient signed is the sum of the lines, each unit price
 * the catalogue's when it was placed); if not, declines it "total-mismatch" and throws. Otherwise reserves the lines' stock
 * (expiring with the order) and accepts with a commitment to that reservation, its id and salt sealed for the pharmacy;
 * if the acceptance is refused the units go back.
 */
export async function acceptOrder(orderId: string): Promise<OrderView> {
  const opened = await openOrder(orderId);
  if (opened.order.status !== 'placed') throw new OrderCheckError(`Order ${orderId} is ${opened.order.status}; only a placed order is accepted.`);
  const why = await totalMismatch(opened);
  if (why) {
    await declineOrder(orderId, 'total-mismatch');
    throw new OrderCheckError(`Order ${orderId} was declined: ${why}`);
  }
  const reservation = await reserveStock(opened.content.lines.map((l) => ({ medicineId: l.medicineId, quantity: l.quantity })), opened.order.expiresAt);
  const note = newOrderReservationNote(reservation.id);
  const pharmacyKey = await requirePharmacyKey(opened.order.pharmacyId);
  const transaction = await signTransaction('orders.status', { orderId, status: 'accepted', commitment: await orderReservationCommitment(note) });
  const acceptNote = toBase64(await sealOrderReservationNote(fromBase64(pharmacyKey.publicKey), orderId, note));
  try {
    return await api.post<OrderView>(`/api/pharmacies/${opened.order.pharmacyId}/orders/${orderId}/accept`, { transaction, acceptNote });
  } catch (e) {
    // Not accepted (cancelled meanwhile, a colleague was faster): the units go back.
    await releaseReservation(reservation.id).catch(() => undefined);
    throw e;
  }
}

async function moveOrder(orderId: string, action: string, payload: Record<string, string>): Promise<OrderView> {
  return api.post<OrderView>(`/api/pharmacies/${ownPharmacy()}/orders/${orderId}/${action}`, { transaction: await signTransaction('orders.status', { orderId, ...payload }) });
}

export const markOrderReady = (orderId: string) => moveOrder(orderId, 'ready', { status: 'ready' });

/** Pharmacist: hands a ready, paid order over (the server refuses while unpaid: 409 order-unpaid); its reservation becomes a sale. */
export async function collectOrder(orderId: string): Promise<OrderView> {
  const reservationId = await reservationOf(orderId);
  const order = await moveOrder(orderId, 'collect', { status: 'collected' });
  await reservationAction(reservationId, 'collect');
  return order;
}

export const declineOrder = (orderId: string, reason: string) => moveOrder(orderId, 'decline', { status: 'declined', reason });

/**
 * Pharmacist: for an order accepted and then cancelled by its patient, opens the reservation note and releases the units it
 * held (the server cannot: it does not know which reservation was the order's). False when nothing is held any more.
 */
export async function releaseCancelledOrder(orderId: string): Promise<boolean> {
  const reservationId = await reservationOf(orderId);
  const r = await api.get<ReservationView>(`/api/pharmacies/${ownPharmacy()}/reservations/${reservationId}`);
  if (r.status !== 'held') return false;
  await releaseReservation(reservationId);
  return true;
}

/** Whether an accepted-then-cancelled order's reservation still holds units (the queue's "needs release"). */
export async function reservationStillHeld(orderId: string): Promise<boolean> {
  const reservationId = await reservationOf(orderId);
  return (await api.get<ReservationView>(`/api/pharmacies/${ownPharmacy()}/reservations/${reservationId}`)).status === 'held';
}

/** Pharmacist: reserves units of the own pharmacy's medicines (a pharmacy.stock-reservation: pharmacy, reservation id and unit count only). */
export async function reserveStock(lines: OrderItem[], expiresAt: string): Promise<ReservationView> {
  const pharmacyId = ownPharmacy();
  const id = crypto.randomUUID();
  const transaction = await signTransaction('pharmacy.stock-reservation', {
    pharmacyId, reservationId: id, action: 'reserve', units: String(lines.reduce((s, l) => s + l.quantity, 0)),
  });
  const r = await api.post<ReservationView>(`/api/pharmacies/${pharmacyId}/reservations`, { lines, expiresAt, transaction });
  await checkReservationReceipt(r, transaction);
  return r;
}

export const releaseReservation = (reservationId: string) => reservationAction(reservationId, 'release');

async function reservationAction(reservationId: string, action: 'release' | 'collect'): Promise<ReservationView> {
  const pharmacyId = ownPharmacy();
  const current = await api.get<ReservationView>(`/api/pharmacies/${pharmacyId}/reservations/${reservationId}`);
  const transaction = await signTransaction('pharmacy.stock-reservation', { pharmacyId, reservationId, action, units: String(current.units) });
  const r = await api.post<ReservationView>(`/api/pharmacies/${pharmacyId}/reservations/${reservationId}/${action}`, { transaction });
  await checkReservationReceipt(r, transaction);
  return r;
}

async function checkReservationReceipt(r: ReservationView, sent: SignedTransactionWire): Promise<void> {
  if (!r.receipt) throw new VerificationError(`No receipt for reservation ${r.id}.`);
  await checkReceipt(r.receipt);
  if (r.receipt.transactionId !== (await transactionId(sent))) throw new VerificationError(`The receipt for reservation ${r.id} is not for the transaction signed here.`);
}

/** The reservation an accepted order's note names, checked against the commitment its orders.status carried. */
async function reservationOf(orderId: string): Promise<string> {
  const order = await pharmacyOrder(orderId);
  if (!order.acceptNote || !order.reservationCommitment) throw new OrderCheckError(`Order ${orderId} was never accepted: no stock was reserved for it.`);
  const key = await openPharmacyKey();
  try {
    const note = await openOrderReservationNote(key, orderId, fromBase64(order.acceptNote));
    if ((await orderReservationCommitment(note)) !== order.reservationCommitment) {
      throw new VerificationError(`Order ${orderId}'s reservation note does not match the commitment it was accepted with.`);
    }
    return note.reservationId;
  } finally {
    key.privateKey.fill(0);
  }
}

interface PriceChange {
  oldPriceMinor: number;
  newPriceMinor: number;
  actorId: string;
  at: string;
}

/** How far apart the patient's signing clock and the server's price-change times may be (OrdersClient.PriceClockSkew). */
export const PRICE_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** The prices a medicine had at some moment in [from, to]: the price before the window, and every price a change inside it set. */
export function pricesInForce(currentPrice: number, changes: PriceChange[], fromMs: number, toMs: number): Set<number> {
  const ordered = [...changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const after = ordered.find((c) => Date.parse(c.at) > fromMs);
  const prices = new Set<number>([after ? after.oldPriceMinor : currentPrice]);
  for (const c of ordered) if (Date.parse(c.at) > fromMs && Date.parse(c.at) <= toMs) prices.add(c.newPriceMinor);
  return prices;
}

async function totalMismatch(opened: OpenedOrder): Promise<string | null> {
  const { order, content } = opened;
  const total = orderTotal(content);
  if (total !== order.amount) return `the lines add up to ${total} but the patient signed ${order.amount}.`;
  if (!order.receipt) throw new VerificationError(`No ledger receipt for order ${order.id}.`);
  const placedAt = (await receiptTransaction(order.receipt)).timestampMs;
  const stock = new Map((await getStock(order.pharmacyId)).map((l) => [l.medicine.id, l.medicine]));
  for (const l of content.lines) {
    const m = stock.get(l.medicineId);
    if (!m || m.currency !== order.currency) return `medicine ${l.medicineId} is not in this pharmacy's catalogue in ${order.currency}.`;
    const history = await api.get<PriceChange[]>(`/api/pharmacies/${order.pharmacyId}/medicines/${l.medicineId}/prices`);
    if (!pricesInForce(m.priceMinor, history, placedAt - PRICE_CLOCK_SKEW_MS, placedAt + PRICE_CLOCK_SKEW_MS).has(l.unitPrice)) {
      return `medicine ${l.medicineId} is priced ${l.unitPrice} in the order, not the catalogue's price when it was placed.`;
    }
  }
  return null;
}

/** The order's orders.place receipt verifies and says exactly what the server shows (patient, pharmacy, amount, currency, contentHash). */
export async function checkPlaced(order: OrderView): Promise<void> {
  if (!order.receipt) throw new VerificationError(`No ledger receipt for order ${order.id}.`);
  await checkReceipt(order.receipt);
  const tx = await receiptTransaction(order.receipt);
  const p = tx.payload;
  if (tx.type !== 'orders.place' || tx.id !== order.placeTransactionId || p.orderId !== order.id || tx.actorId !== order.patientId
    || p.pharmacyId !== order.pharmacyId || p.amount !== String(order.amount) || p.currency !== order.currency || p.contentHash !== order.contentHash
    || order.contentHash !== (await orderContentHash(fromBase64(order.sealedForPharmacy)))) {
    throw new VerificationError(`Order ${order.id} is not the one its patient signed on the ledger.`);
  }
}

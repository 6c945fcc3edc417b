// Pharmacy API (docs/pharmacy.md; wire shapes as in src/MedLedger.Client/PharmacyClient.cs).
// Catalogue and stock are a shop's inventory, not medical content: plain JSON. Patients see availability bands, never counts.
import { api, requestText } from '../app/http';

export type DosageForm = 'Tablet' | 'Capsule' | 'Liquid' | 'Injection' | 'Cream' | 'Inhaler' | 'Drops' | 'Patch' | 'Other';
export type DrugSchedule = 'None' | 'II' | 'III' | 'IV' | 'V';
export type Availability = 'InStock' | 'Low' | 'Out';

export const DOSAGE_FORMS: DosageForm[] = ['Tablet', 'Capsule', 'Liquid', 'Injection', 'Cream', 'Inhaler', 'Drops', 'Patch', 'Other'];
export const DRUG_SCHEDULES: DrugSchedule[] = ['None', 'II', 'III', 'IV', 'V'];

export interface NewMedicine {
  name: string;
  strength: string;
  form: DosageForm;
  packSize: number;
  priceMinor: number;
  currency: string;
  prescriptionOnly: boolean;
  schedule: DrugSchedule;
  reorderLevel: number;
}

export interface Medicine extends NewMedicine {
  id: string;
  pharmacyId: string;
  /** Bumped by every edit; an edit names the version it was made on (a colleague's edit in between is a 409). */
  version: number;
  discontinued: boolean;
}

/** What may change about a catalogue entry (MedicineUpdate). */
export interface MedicineEdit {
  priceMinor: number;
  prescriptionOnly: boolean;
  schedule: DrugSchedule;
  reorderLevel: number;
  discontinued: boolean;
  version: number;
}

export interface DailyStockLine {
  medicineId: string;
  name: string;
  strength: string;
  received: number;
  sold: number;
  dispensed: number;
  writtenOff: number;
  returned: number;
  adjusted: number;
}

export interface DailyTakings {
  currency: string;
  payments: number;
  paid: number;
  refunds: number;
  refunded: number;
  net: number;
}

export interface DailySummary {
  date: string;
  zone: string;
  from: string;
  to: string;
  sales: number;
  dispenses: number;
  /** Orders whose units were reserved that day (their units are in the Sold column). */
  orderReservations: number;
  medicines: DailyStockLine[];
  takings: DailyTakings[];
}

export interface TakenFromStock {
  operationId: string;
  medicineId: string;
  quantity: number;
  lots: { lotId: string; lotNumber: string; expiresOn: string; quantity: number }[];
}

export interface StockLot {
  id: string;
  medicineId: string;
  lotNumber: string;
  expiresOn: string;
  expired: boolean;
  received: number;
  sold: number;
  dispensed: number;
  writtenOff: number;
  returned: number;
  adjusted: number;
  onHand: number;
}

export interface StockLine {
  medicine: Medicine;
  usable: number;
  availability: Availability;
  lots: StockLot[];
}

export interface ExpiringLot {
  medicine: Medicine;
  lot: StockLot;
}

export interface CatalogueLine {
  medicine: Medicine;
  availability: Availability;
}

export interface MedicineHit {
  pharmacyId: string;
  pharmacyName: string;
  pharmacyAddress: string;
  medicine: Medicine;
  availability: Availability;
}

export interface MedicineSearchPage {
  total: number;
  page: number;
  pageSize: number;
  items: MedicineHit[];
}

export interface PharmacyNearby {
  pharmacyId: string;
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  distanceKm: number;
  matches: CatalogueLine[];
}

export interface PharmaciesNearbyPage {
  total: number;
  items: PharmacyNearby[];
}

export function availabilityLabel(a: Availability): string {
  return a === 'InStock' ? 'In stock' : a === 'Low' ? 'Low stock' : 'Out of stock';
}

export function describeMedicine(m: Medicine): string {
  const kind = m.schedule !== 'None' ? ` · schedule ${m.schedule}` : m.prescriptionOnly ? ' · prescription only' : '';
  return `${m.name} ${m.strength} ${m.form.toLowerCase()} ×${m.packSize}${kind}`;
}

export function formatPrice(m: Medicine): string {
  return `${(m.priceMinor / 100).toFixed(2)} ${m.currency}`;
}

// ---- anyone signed in -------------------------------------------------------------------

export const searchMedicines = (q: string, signal?: AbortSignal) =>
  api.get<MedicineSearchPage>(`/api/medicines/search?${new URLSearchParams({ q, pageSize: '50' }).toString()}`, { signal });

export function pharmaciesNearby(latitude: number, longitude: number, radiusKm: number, has: string | undefined, signal?: AbortSignal) {
  const p = new URLSearchParams({ lat: String(latitude), lon: String(longitude), radiusKm: String(radiusKm) });
  if (has?.trim()) p.set('has', has.trim());
  return api.get<PharmaciesNearbyPage>(`/api/pharmacies/nearby?${p.toString()}`, { signal });
}

// ---- the pharmacy's own pharmacists ------------------------------------------------------

export const addMedicine = (pharmacyId: string, m: NewMedicine) => api.post<Medicine>(`/api/pharmacies/${pharmacyId}/medicines`, m);

export const getStock = (pharmacyId: string, signal?: AbortSignal) => api.get<StockLine[]>(`/api/pharmacies/${pharmacyId}/stock`, { signal });

export const receiveDelivery = (pharmacyId: string, medicineId: string, lotNumber: string, expiresOn: string, quantity: number, reference?: string) =>
  api.post<StockLot>(`/api/pharmacies/${pharmacyId}/stock/deliveries`, { medicineId, lotNumber, expiresOn, quantity, reference: reference?.trim() || null });

export const writeOff = (pharmacyId: string, lotId: string, quantity: number, reason: string) =>
  api.post<StockLot>(`/api/pharmacies/${pharmacyId}/stock/lots/${lotId}/write-offs`, { quantity, reason });

export const lowStock = (pharmacyId: string, signal?: AbortSignal) => api.get<StockLine[]>(`/api/pharmacies/${pharmacyId}/stock/low`, { signal });

export const nearExpiry = (pharmacyId: string, days: number, signal?: AbortSignal) =>
  api.get<ExpiringLot[]>(`/api/pharmacies/${pharmacyId}/stock/near-expiry?days=${days}`, { signal });

export const updateMedicine = (pharmacyId: string, medicineId: string, edit: MedicineEdit) =>
  api.put<Medicine>(`/api/pharmacies/${pharmacyId}/medicines/${medicineId}`, edit);

export const sell = (pharmacyId: string, medicineId: string, quantity: number, reference?: string) =>
  api.post<TakenFromStock>(`/api/pharmacies/${pharmacyId}/sales`, { medicineId, quantity, reference: reference?.trim() || null });

export const adjustLot = (pharmacyId: string, lotId: string, delta: number, reason: string) =>
  api.post<StockLot>(`/api/pharmacies/${pharmacyId}/stock/lots/${lotId}/adjustments`, { delta, reason });

export const returnToLot = (pharmacyId: string, lotId: string, quantity: number, reason: string) =>
  api.post<StockLot>(`/api/pharmacies/${pharmacyId}/stock/lots/${lotId}/returns`, { quantity, reason });

export const dailySummary = (pharmacyId: string, date: string, zone: string, signal?: AbortSignal) =>
  api.get<DailySummary>(`/api/pharmacies/${pharmacyId}/reports/daily?${new URLSearchParams({ date, zone }).toString()}`, { signal });

/** The stock movements from the start of `from` to the end of `to` (days in `zone`) as CSV text. */
export const movementsCsv = (pharmacyId: string, from: string, to: string, zone: string) =>
  requestText(`/api/pharmacies/${pharmacyId}/reports/movements.csv?${new URLSearchParams({ from, to, zone }).toString()}`);

/** The browser's own IANA time zone (the pharmacy's day), UTC when it has none. */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** Minor units as a decimal amount with its currency. */
export function formatMinor(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency}`;
}

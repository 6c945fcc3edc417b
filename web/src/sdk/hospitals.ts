// Hospitals API (docs/hospitals.md; wire shapes as in src/MedLedger.Client/HospitalsClient.cs).
// Bed counts and profiles are not medical content: plain JSON. A booking's bed type is, so the ledger gets only a
// salted commitment to it; the salt is made here.
import { api } from '../app/http';
import { newFactSalt, toBase64 } from '../crypto';
import type { OrganizationPlace } from './organizations';
import { shareProfileAfterNewRelation } from './profiles';

export interface Rating {
  average: number | null;
  count: number;
}

export interface HospitalHit {
  hospitalId: string;
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  distanceKm: number;
  freeBeds: Record<string, number>;
  rating: Rating;
  registrationNumber: string;
}

export interface HospitalSearchPage {
  total: number;
  page: number;
  pageSize: number;
  items: HospitalHit[];
}

export interface WardBeds {
  wardId: string;
  ward: string;
  bedType: string;
  total: number;
  occupied: number;
  held: number;
  free: number;
}

export interface BedTypeBeds {
  bedType: string;
  total: number;
  occupied: number;
  held: number;
  free: number;
}

/** The whole bed state of one hospital; the hub pushes it whole on every change. */
export interface BedSnapshot {
  hospitalId: string;
  wards: WardBeds[];
  byType: BedTypeBeds[];
  asOf: string;
}

export interface HospitalDoctor {
  userId: string;
  licenseNumber: string | null;
}

export interface HospitalProfile extends OrganizationPlace {
  id: string;
  departments: string[];
  services: string[];
  visitingRules: string | null;
  doctors: HospitalDoctor[];
  rating: Rating;
  beds: BedSnapshot;
}

export type BookingStatus = 'Held' | 'Admitted' | 'Released' | 'Expired' | 'Cancelled' | 'Failed';

export interface BedBooking {
  id: string;
  hospitalId: string;
  patientId: string;
  wardId: string;
  bedType: string;
  /** Base64 salt of the ledger's bedTypeCommitment (the ledger never holds the bed type itself). */
  bedTypeSalt: string;
  status: BookingStatus;
  createdAt: string;
  expiresAt: string;
  closedAt: string | null;
  bookTransactionId: string | null;
  closeTransactionId: string | null;
}

export interface Review {
  id: string;
  hospitalId: string;
  rating: number;
  comment: string | null;
  createdAt: string;
  updatedAt: string;
  mine: boolean;
}

export interface ReviewPage {
  rating: Rating;
  items: Review[];
}

export interface HospitalOccupancy {
  hospitalId: string;
  name: string;
  byType: BedTypeBeds[];
}

export interface AdminBedOverview {
  hospitals: HospitalOccupancy[];
  totals: BedTypeBeds[];
  bookingsPerDay: { day: string; count: number }[];
  asOf: string;
}

/** The server's built-in bed types (Hospitals:AdditionalBedTypes may add more; the server validates). */
export const BUILT_IN_BED_TYPES = ['icu', 'emergency', 'general', 'maternity', 'paediatric', 'isolation'] as const;

const bedTypeLabels: Record<string, string> = {
  icu: 'ICU',
  emergency: 'Emergency',
  general: 'General',
  maternity: 'Maternity',
  paediatric: 'Paediatric',
  isolation: 'Isolation',
};

export function bedTypeLabel(key: string): string {
  return bedTypeLabels[key] ?? key.charAt(0).toUpperCase() + key.slice(1);
}

export interface SearchQuery {
  latitude: number;
  longitude: number;
  radiusKm?: number;
  service?: string;
  bedType?: string;
  page?: number;
  pageSize?: number;
}

export function searchHospitals(q: SearchQuery, signal?: AbortSignal): Promise<HospitalSearchPage> {
  const p = new URLSearchParams({ lat: String(q.latitude), lon: String(q.longitude), page: String(q.page ?? 1), pageSize: String(q.pageSize ?? 10) });
  if (q.radiusKm !== undefined) p.set('radiusKm', String(q.radiusKm));
  if (q.service?.trim()) p.set('service', q.service.trim());
  if (q.bedType) p.set('bedType', q.bedType);
  return api.get<HospitalSearchPage>(`/api/hospitals/search?${p.toString()}`, { signal });
}

export const getHospital = (id: string, signal?: AbortSignal) => api.get<HospitalProfile>(`/api/hospitals/${id}`, { signal });

/** Staff: replace the hospital's departments, services and visiting rules (public directory data; one list each). */
export const updateHospitalProfile = (id: string, departments: string[], services: string[], visitingRules: string | null) =>
  api.put<HospitalProfile>(`/api/hospitals/${id}/profile`, { departments, services, visitingRules });

export const getBeds = (id: string, signal?: AbortSignal) => api.get<BedSnapshot>(`/api/hospitals/${id}/beds`, { signal });

/** Staff: create or update a ward (held beds belong to bookings and are not set here). */
export const setWard = (hospitalId: string, ward: string, bedType: string, total: number, occupied: number) =>
  api.put<BedSnapshot>(`/api/hospitals/${hospitalId}/beds/${encodeURIComponent(ward)}`, { bedType, total, occupied });

/** Patient: hold a bed. The salt of the ledger's commitment to the bed type is made here (BookBedAsync in the C# SDK). */
export async function bookBed(hospitalId: string, bedType: string): Promise<BedBooking> {
  const booking = await api.post<BedBooking>(`/api/hospitals/${hospitalId}/bookings`, { bedType, bedTypeSalt: toBase64(newFactSalt()) });
  // Staff at the hospital holding the bed must be able to tell who is arriving: they get the profile too.
  await shareProfileAfterNewRelation();
  return booking;
}

export const myBookings = (signal?: AbortSignal) => api.get<BedBooking[]>('/api/bookings/mine', { signal });

export const hospitalBookings = (hospitalId: string, status?: BookingStatus, signal?: AbortSignal) =>
  api.get<BedBooking[]>(`/api/hospitals/${hospitalId}/bookings${status ? `?status=${status}` : ''}`, { signal });

export const cancelBooking = (id: string) => api.post<BedBooking>(`/api/bookings/${id}/cancel`);
export const admitBooking = (id: string) => api.post<BedBooking>(`/api/bookings/${id}/admit`);
export const releaseBooking = (id: string) => api.post<BedBooking>(`/api/bookings/${id}/release`);

export const getReviews = (hospitalId: string, signal?: AbortSignal) => api.get<ReviewPage>(`/api/hospitals/${hospitalId}/reviews`, { signal });

export const saveMyReview = (hospitalId: string, rating: number, comment: string) =>
  api.put<Review>(`/api/hospitals/${hospitalId}/reviews/mine`, { rating, comment: comment.trim() || null });

export const adminOverview = (signal?: AbortSignal) => api.get<AdminBedOverview>('/api/admin/hospitals/overview', { signal });

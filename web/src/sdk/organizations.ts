// The organization directory (src/MedLedger.Client/OrganizationsClient.cs): verified hospitals, pharmacies and
// insurers, where they are, and an organization's members. Not medical content: plain JSON, no client-side crypto.
import { api, type Me } from '../app/http';

export type OrganizationKind = 'Hospital' | 'Pharmacy' | 'Insurer';

export interface Organization {
  id: string;
  kind: OrganizationKind;
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  contactPhone?: string | null;
  contactEmail?: string | null;
  verification: Me['verification'];
  verificationReason?: string | null;
}

/** Where an organization is and how to reach it: what sign-up sends and a hospital profile shows. */
export interface OrganizationPlace {
  name: string;
  address: string;
  latitude: number;
  longitude: number;
  contactPhone: string | null;
  contactEmail: string | null;
}

/** A member of the caller's organization (names stay in the client-encrypted profile, so ids and licences only). */
export interface OrganizationMember {
  userId: string;
  role: string;
  verification: 'NotRequired' | 'Pending' | 'Approved' | 'Rejected';
  licenseNumber: string | null;
  encryptedProfile: string | null;
}

/** Verified organizations, of one kind or all, asked without a session (sign-up lists them before an account exists). */
export function organizations(kind?: OrganizationKind, signal?: AbortSignal): Promise<Organization[]> {
  return api.get<Organization[]>(kind ? `/api/organizations?kind=${kind}` : '/api/organizations', { auth: false, signal });
}

/** Verified hospitals' names by id (labels for care assignments). */
export async function hospitalNames(signal?: AbortSignal): Promise<Map<string, string>> {
  const orgs = await organizations('Hospital', signal);
  return new Map(orgs.map((o) => [o.id, o.name]));
}

/** Verified hospitals (public directory), asked with the session's token as the patient's screens always have. */
export function listHospitals(): Promise<Organization[]> {
  return api.get<Organization[]>('/api/organizations?kind=Hospital');
}

/** The members of an organization (hospital staff pick doctors and seal the emergency key to them). */
export const organizationMembers = (organizationId: string, signal?: AbortSignal) =>
  api.get<OrganizationMember[]>(`/api/organizations/${organizationId}/members`, { signal });

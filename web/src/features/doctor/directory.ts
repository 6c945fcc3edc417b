// Hospital names from the public organization directory (not medical content), to label care assignments.
import { api } from '../../app/http';

interface Organization {
  id: string;
  name: string;
}

/** Verified hospitals by id. */
export async function hospitalNames(signal?: AbortSignal): Promise<Map<string, string>> {
  const orgs = await api.get<Organization[]>('/api/organizations?kind=Hospital', { auth: false, signal });
  return new Map(orgs.map((o) => [o.id, o.name]));
}

import { organizations } from '../../sdk/organizations';

/** Verified pharmacies' names by id (labels for fills and payees); an unknown id is shown as such. */
export async function pharmacyNames(signal?: AbortSignal): Promise<Map<string, string>> {
  const orgs = await organizations(undefined, signal);
  return new Map(orgs.map((o) => [o.id, o.name]));
}

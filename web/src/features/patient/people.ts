// Display names for other users: roles come from the public key directory; emails only when the
// patient typed them in this tab (the server does not hand out other users' addresses).
import { api } from '../../app/http';
import { roleNames } from '../../app/session';
import type { Role } from '../../app/http';

const emailsTypedThisSession = new Map<string, string>();
const roles = new Map<string, Promise<Role | null>>();

export function rememberEmail(userId: string, email: string): void {
  emailsTypedThisSession.set(userId, email);
}

export function knownEmail(userId: string): string | undefined {
  return emailsTypedThisSession.get(userId);
}

export function roleOf(userId: string): Promise<Role | null> {
  let p = roles.get(userId);
  if (!p) {
    p = api.get<{ role: Role }>(`/api/users/${userId}/keys`).then((k) => k.role, () => null);
    roles.set(userId, p);
  }
  return p;
}

export function roleLabel(role: Role | null | undefined): string {
  return role ? roleNames[role] : 'User';
}

let hospitals: Promise<Map<string, string>> | null = null;

/** A hospital's name from the public directory (loaded once per page). */
export async function hospitalName(id: string): Promise<string | null> {
  hospitals ??= api.get<{ id: string; name: string }[]>('/api/organizations?kind=Hospital').then(
    (list) => new Map(list.map((h) => [h.id, h.name])),
    () => new Map(),
  );
  return (await hospitals).get(id) ?? null;
}

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

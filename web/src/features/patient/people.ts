// Display names for other users: roles come from the public key directory; emails only when the
// patient typed them in this tab (the server does not hand out other users' addresses).
import { effect } from '@preact/signals';
import { useEffect, useState } from 'preact/hooks';
import { roleNames, session } from '../../app/session';
import type { Role } from '../../app/http';
import { publicKeys } from '../../sdk/ledger';
import { listHospitals } from '../../sdk/organizations';

const emailsTypedThisSession = new Map<string, string>();
const roles = new Map<string, Promise<Role | null>>();
let hospitals: Promise<Map<string, string>> | null = null;

// Signing out forgets what this user typed and looked up: the next user of the tab must not see it.
effect(() => {
  if (!session.value) {
    emailsTypedThisSession.clear();
    roles.clear();
    hospitals = null;
  }
});

export function rememberEmail(userId: string, email: string): void {
  emailsTypedThisSession.set(userId, email);
}

export function knownEmail(userId: string): string | undefined {
  return emailsTypedThisSession.get(userId);
}

export function roleOf(userId: string): Promise<Role | null> {
  let p = roles.get(userId);
  if (!p) {
    p = publicKeys(userId).then(
      (k) => k.role,
      () => {
        roles.delete(userId); // a failed look-up is asked again next time, not remembered as "no role"
        return null;
      },
    );
    roles.set(userId, p);
  }
  return p;
}

export function roleLabel(role: Role | null | undefined): string {
  return role ? roleNames[role] : 'User';
}

/** A hospital's name from the public directory (loaded once per session; asked again after a failure). */
export async function hospitalName(id: string): Promise<string | null> {
  hospitals ??= listHospitals().then(
    (list) => new Map(list.map((h) => [h.id, h.name])),
    () => {
      hospitals = null;
      return new Map<string, string>();
    },
  );
  return (await hospitals).get(id) ?? null;
}

/**
 * Resolves a display value for an id once it is known; null until then. An answer for an id the
 * component no longer shows is dropped (no stale name after the row changes).
 */
function useLookup<T>(id: string | undefined, lookup: (id: string) => Promise<T>): T | null {
  const [value, setValue] = useState<{ id: string; value: T } | null>(null);
  useEffect(() => {
    if (!id) return undefined;
    let current = true;
    void lookup(id).then((v) => current && setValue({ id, value: v }));
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);
  return value && value.id === id ? value.value : null;
}

/** "Doctor", "Patient"… for another user, null while unknown (skipped when `skip`, e.g. for oneself). */
export function useRoleLabel(userId: string | undefined, skip = false): string | null {
  const role = useLookup(skip ? undefined : userId, roleOf);
  return role === null ? null : roleLabel(role);
}

export function useHospitalName(id: string | undefined): string | null {
  return useLookup(id, hospitalName);
}

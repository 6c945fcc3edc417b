import { computed, signal } from '@preact/signals';
import { useTokenStore, type Me, type Role, type Tokens } from './http';

/** The signed-in user's unlocked key pairs. They live only in this tab's memory: a reload signs out. */
export interface SessionKeys {
  encryption: { privateKey: Uint8Array; publicKey: Uint8Array };
  signing: { privateKey: Uint8Array; publicKey: Uint8Array };
}

export interface Session {
  tokens: Tokens;
  keys: SessionKeys;
}

export const session = signal<Session | null>(null);
export const me = computed<Me | null>(() => session.value?.tokens.user ?? null);
export const role = computed<Role | null>(() => me.value?.role ?? null);
/** Set when the session ended on its own (refresh refused): the login page says so. */
export const sessionEndedReason = signal<string | null>(null);

useTokenStore({
  get: () => session.value?.tokens ?? null,
  set: (tokens) => {
    if (session.value) session.value = { ...session.value, tokens };
  },
  expired: () => signOutLocally('Your session ended. Please sign in again.'),
});

export function startSession(tokens: Tokens, keys: SessionKeys): void {
  sessionEndedReason.value = null;
  session.value = { tokens, keys };
}

export function updateMe(user: Me): void {
  if (session.value) session.value = { ...session.value, tokens: { ...session.value.tokens, user } };
}

/** Forgets tokens and private keys in this tab (the server side is ended by the caller first, when it can be). */
export function signOutLocally(reason: string | null = null): void {
  const s = session.value;
  if (s) {
    // Best effort: overwrite the private key bytes before dropping them.
    s.keys.encryption.privateKey.fill(0);
    s.keys.signing.privateKey.fill(0);
  }
  session.value = null;
  sessionEndedReason.value = reason;
}

export function requireSession(): Session {
  const s = session.value;
  if (!s) throw new Error('Not signed in.');
  return s;
}

export const roleNames: Record<Role, string> = {
  Patient: 'Patient',
  Doctor: 'Doctor',
  HospitalStaff: 'Hospital staff',
  Pharmacist: 'Pharmacist',
  InsurerStaff: 'Insurer staff',
  PlatformAdmin: 'Platform admin',
};

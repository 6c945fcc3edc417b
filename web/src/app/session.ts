import { computed, signal } from '@preact/signals';
import { useTokenStore, type Me, type Role, type Tokens } from './http';

/**
 * The signed-in user's unlocked key pairs. They live only in this tab's memory; a reload keeps the session's tokens
 * (sessionStorage, this tab only) but not the keys, which the password re-derives on the unlock screen.
 */
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

// Tokens only, never keys: what a reload needs to keep the session without signing in again. sessionStorage is this tab's
// and ends with it; the strict CSP keeps other scripts out of the page.
const STORED_TOKENS = 'medledger.session.tokens';

function readStoredTokens(): Tokens | null {
  try {
    const raw = sessionStorage.getItem(STORED_TOKENS);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

function storeTokens(tokens: Tokens | null): void {
  try {
    if (tokens) sessionStorage.setItem(STORED_TOKENS, JSON.stringify(tokens));
    else sessionStorage.removeItem(STORED_TOKENS);
  } catch {
    // Storage refused (private mode quota): a reload then signs out, as before.
  }
}

/** A session whose tokens survived a reload but whose keys are not unlocked yet: the unlock screen asks for the password. */
export const lockedSession = signal<Tokens | null>(readStoredTokens());

useTokenStore({
  get: () => session.value?.tokens ?? null,
  set: (tokens) => {
    if (session.value) {
      session.value = { ...session.value, tokens };
      storeTokens(tokens);
    }
  },
  expired: () => signOutLocally('Your session ended. Please sign in again.'),
});

export function startSession(tokens: Tokens, keys: SessionKeys): void {
  sessionEndedReason.value = null;
  lockedSession.value = null;
  session.value = { tokens, keys };
  storeTokens(tokens);
}

/** The locked session's tokens changed while unlocking (a refresh rotated them). */
export function updateLockedSession(tokens: Tokens): void {
  lockedSession.value = tokens;
  storeTokens(tokens);
}

export function updateMe(user: Me): void {
  if (session.value) {
    session.value = { ...session.value, tokens: { ...session.value.tokens, user } };
    storeTokens(session.value.tokens);
  }
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
  lockedSession.value = null;
  storeTokens(null);
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

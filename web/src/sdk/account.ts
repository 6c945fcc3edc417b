// Account flows in the browser, mirroring src/MedLedger.Client (AccountClient.cs, AccountRecoveryClient.cs):
// keys are made and unlocked on this device; the server sees only the derived authentication key, wrapped
// private keys, public keys and signed transactions.
import {
  CryptoIntegrityError,
  changePassword as rewrapUnderNewPassword,
  createVault,
  derivePasswordKeys,
  fromBase64,
  PASSWORD_CHANGE_TAG,
  passwordMaterialBytes,
  RECOVERY_TAG,
  recoverWithCode,
  sign,
  toBase64,
  unlockWithKek,
  wrapFromBytes,
  wrapToBytes,
  type Bytes,
  type KeyBundle,
  type PasswordParameters,
  type StoredKeyBundle,
} from '../crypto';
import { createTransaction, type LedgerReceipt } from '../ledger';
import { api, type Me, type Role, type Tokens } from '../app/http';
import { checkReceipt, ConsortiumChangedError, ensureKeysOnLedger, LedgerForkError, PeerKeyChangedError, VerificationError, verifyCurrentHead, type SignedTransactionWire } from './ledger';
import type { OrganizationKind, OrganizationPlace } from './organizations';

export type OtpMethod = 'Totp' | 'Email';

export interface KdfWire {
  algorithm: string;
  iterations: number;
  salt: string;
}

export interface LoginChallenge {
  ticket: string;
  methods: OtpMethod[];
  expiresAt: string;
  emailCodeSent: boolean;
}

export interface OwnKeyBundle {
  userId: string;
  kdf: KdfWire;
  signingPublicKey: string;
  encryptionPublicKey: string;
  passwordWrappedPrivateKeys: string;
  recoveryWrappedPrivateKeys: string;
}

export interface NewOrganization extends OrganizationPlace {
  kind: OrganizationKind;
}

export interface TotpEnrollment {
  secret: string;
  otpAuthUri: string;
  qrPngBase64: string;
}

interface RegisterResponse {
  userId: string;
  role: Role;
  verification: Me['verification'];
  organizationId?: string | null;
  keyRegistrationReceipt: LedgerReceipt;
}

export interface RecoveryBundle {
  userId: string;
  kdf: KdfWire;
  signingPublicKey: string;
  encryptionPublicKey: string;
  recoveryWrappedPrivateKeys: string;
  recoveryTicket: string;
  expiresAt: string;
  /** Signed into the new password material (with the single-use completion ticket it belongs to). */
  nonce: string;
}

/** The client-side password rule: the server never sees the password, so it cannot enforce one. */
export const MIN_PASSWORD_LENGTH = 12;

export function passwordProblem(password: string, confirm: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password !== confirm) return 'The two passwords differ.';
  return null;
}

function kdfToWire(p: PasswordParameters): KdfWire {
  return { algorithm: p.algorithm, iterations: p.iterations, salt: toBase64(p.salt) };
}

function kdfFromWire(k: KdfWire): PasswordParameters {
  return { algorithm: k.algorithm as PasswordParameters['algorithm'], iterations: k.iterations, salt: fromBase64(k.salt) };
}

function storedFromOwn(own: OwnKeyBundle): StoredKeyBundle {
  return {
    userId: own.userId,
    encryptionPublicKey: fromBase64(own.encryptionPublicKey),
    signingPublicKey: fromBase64(own.signingPublicKey),
    password: kdfFromWire(own.kdf),
    passwordWrap: wrapFromBytes(fromBase64(own.passwordWrappedPrivateKeys)),
    recoveryWrap: wrapFromBytes(fromBase64(own.recoveryWrappedPrivateKeys)),
  };
}

// ---------- sign-in ----------

/** Step one: derive the keys from the password here and present only the authentication key. Keep the KEK for step two. */
export async function startLogin(email: string, password: string, onDeriving?: () => void): Promise<{ challenge: LoginChallenge; kek: Bytes }> {
  const pre = await api.post<{ kdf: KdfWire }>('/api/auth/prelogin', { email }, { auth: false });
  onDeriving?.();
  const { authKey, kek } = await derivePasswordKeys(password, kdfFromWire(pre.kdf));
  try {
    const challenge = await api.post<LoginChallenge>('/api/auth/login', { email, authKey: toBase64(authKey) }, { auth: false });
    return { challenge, kek };
  } catch (e) {
    kek.fill(0);
    throw e;
  }
}

export function requestEmailCode(ticket: string): Promise<void> {
  return api.post<void>('/api/auth/login/email-code', { ticket }, { auth: false });
}

/**
 * Step two: the one-time code gives tokens; then the wrapped bundle is fetched, its public keys are checked
 * against the ledger registration (key transparency), and only then unlocked with the KEK.
 */
export async function completeLogin(ticket: string, method: OtpMethod, code: string, kek: Bytes): Promise<{ tokens: Tokens; keys: KeyBundle }> {
  const tokens = await api.post<Tokens>('/api/auth/login/verify', { ticket, method, code: code.trim() }, { auth: false });
  try {
    const own = await api.get<OwnKeyBundle>('/api/me/keys', { token: tokens.accessToken });
    // The ledger's current head first: a server showing this browser another history is refused before anything else.
    await verifyCurrentHead(tokens.accessToken);
    await ensureKeysOnLedger(own.userId, own.signingPublicKey, own.encryptionPublicKey, tokens.accessToken).catch((e: unknown) => {
      throw e instanceof VerificationError && !(e instanceof LedgerForkError) && !(e instanceof PeerKeyChangedError) && !(e instanceof ConsortiumChangedError)
        ? new VerificationError('The server served keys that are not the ones registered on the ledger for your account. Do not use this server.')
        : e;
    });
    const keys = await unlockWithKek(storedFromOwn(own), kek);
    return { tokens, keys };
  } catch (e) {
    // No usable keys, no session: end the server session the code step just opened (best effort).
    await api.post<void>('/api/auth/logout', undefined, { token: tokens.accessToken }).catch(() => undefined);
    throw e;
  }
}

/**
 * After a reload: the session's tokens survived (this tab only), the keys did not. The password re-derives the KEK here and
 * unlocks the same wrapped bundle, with the same checks as a sign-in (ledger head, keys registered on the ledger). A wrong
 * password fails with CryptoIntegrityError before anything is kept. Refreshes the tokens first when they are about to expire.
 */
export async function unlockSession(tokens: Tokens, password: string, onRefreshed?: (t: Tokens) => void): Promise<{ tokens: Tokens; keys: KeyBundle }> {
  let current = tokens;
  if (Date.parse(current.accessTokenExpiresAt) - Date.now() < 30_000) {
    current = await api.post<Tokens>('/api/auth/refresh', { refreshToken: current.refreshToken }, { auth: false });
    onRefreshed?.(current);
  }
  const own = await api.get<OwnKeyBundle>('/api/me/keys', { token: current.accessToken });
  if (own.userId !== current.user.id) throw new VerificationError('The server answered the key bundle of another account.');
  await verifyCurrentHead(current.accessToken);
  await ensureKeysOnLedger(own.userId, own.signingPublicKey, own.encryptionPublicKey, current.accessToken).catch((e: unknown) => {
    throw e instanceof VerificationError && !(e instanceof LedgerForkError) && !(e instanceof PeerKeyChangedError) && !(e instanceof ConsortiumChangedError)
      ? new VerificationError('The server served keys that are not the ones registered on the ledger for your account. Do not use this server.')
      : e;
  });
  const stored = storedFromOwn(own);
  const { kek } = await derivePasswordKeys(password, stored.password);
  try {
    const keys = await unlockWithKek(stored, kek);
    // Verification or suspension may have changed while the tab was closed: the account as the server has it now.
    const user = await api.get<Me>('/api/me', { token: current.accessToken });
    return { tokens: { ...current, user }, keys };
  } finally {
    kek.fill(0);
  }
}

/** Ends a session on the server by its token (best effort: it may have ended already). */
export async function endSession(tokens: Tokens): Promise<void> {
  await api.post<void>('/api/auth/logout', undefined, { token: tokens.accessToken }).catch(() => undefined);
}

// ---------- sign-up ----------

export interface SignupInput {
  email: string;
  password: string;
  role: Exclude<Role, 'PlatformAdmin'>;
  organizationId?: string;
  newOrganization?: NewOrganization;
  licenseNumber?: string;
}

export interface Registration {
  userId: string;
  recoveryCode: string;
  verification: Me['verification'];
}

/**
 * A started sign-up. The server emailed a code to the address, or a notice to its owner when the address already has
 * an account (the answer looks the same either way); confirmRegistration with the code creates the account.
 */
export interface PendingRegistration {
  ticket: string;
  userId: string;
  role: SignupInput['role'];
  recoveryCode: string;
}

/**
 * Sign-up step one: key pairs, password wrap and recovery wrap made here; the key registration is signed by the new
 * signing key. Nothing exists on the server until confirmRegistration.
 */
export async function register(input: SignupInput): Promise<PendingRegistration> {
  const userId = crypto.randomUUID();
  const vault = await createVault(userId, input.password);
  try {
    const keys = vault.keys;
    const tx = await createTransaction(
      'identity.register-keys',
      userId,
      { userId, role: input.role, signingKey: toBase64(keys.signing.publicKey), encryptionKey: toBase64(keys.encryption.publicKey) },
      keys.signing,
    );
    const keyRegistration: SignedTransactionWire = { transaction: toBase64(tx.signingBytes), signature: toBase64(tx.signature) };
    const res = await api.post<{ ticket: string }>(
      '/api/auth/register',
      {
        userId,
        email: input.email,
        role: input.role,
        authKey: toBase64(vault.authKey),
        kdf: kdfToWire(vault.stored.password),
        keys: {
          signingPublicKey: toBase64(keys.signing.publicKey),
          encryptionPublicKey: toBase64(keys.encryption.publicKey),
          passwordWrappedPrivateKeys: toBase64(wrapToBytes(vault.stored.passwordWrap)),
          recoveryWrappedPrivateKeys: toBase64(wrapToBytes(vault.stored.recoveryWrap)),
        },
        keyRegistration,
        organizationId: input.organizationId ?? null,
        newOrganization: input.newOrganization ?? null,
        licenseNumber: input.licenseNumber ?? null,
      },
      { auth: false },
    );
    return { ticket: res.ticket, userId, role: input.role, recoveryCode: vault.recoveryCode };
  } finally {
    // Nothing of the new keys stays in memory: the user signs in afterwards like on any other device.
    vault.kek.fill(0);
    vault.keys.encryption.privateKey.fill(0);
    vault.keys.signing.privateKey.fill(0);
  }
}

/** Sign-up step two: the emailed code creates the account; the ledger receipt of its key registration is checked here. */
export async function confirmRegistration(pending: PendingRegistration, code: string): Promise<Registration> {
  const res = await api.post<RegisterResponse>('/api/auth/register/confirm', { ticket: pending.ticket, code }, { auth: false });
  if (res.userId !== pending.userId || res.role !== pending.role) {
    throw new VerificationError('The server confirmed a different account than this browser registered. Do not use this server.');
  }
  await checkReceipt(res.keyRegistrationReceipt);
  return { userId: res.userId, recoveryCode: pending.recoveryCode, verification: res.verification };
}

// ---------- signed-in account ----------

/**
 * Begins authenticator enrolment, re-authenticated with the current password (the server wants its auth key, so a
 * stolen session cannot bind another authenticator). The password is checked here first by unlocking the wrap.
 */
export async function beginTotpEnrollment(currentPassword: string): Promise<TotpEnrollment> {
  const own = await api.get<OwnKeyBundle>('/api/me/keys');
  const stored = storedFromOwn(own);
  const current = await derivePasswordKeys(currentPassword, stored.password);
  try {
    const keys = await unlockWithKek(stored, current.kek);
    keys.encryption.privateKey.fill(0);
    keys.signing.privateKey.fill(0);
  } catch (e) {
    if (e instanceof CryptoIntegrityError) throw new WrongCurrentPasswordError();
    throw e;
  } finally {
    current.kek.fill(0);
  }
  return api.post<TotpEnrollment>('/api/auth/totp/enroll', { currentAuthKey: toBase64(current.authKey) });
}

export function confirmTotp(code: string): Promise<void> {
  return api.post<void>('/api/auth/totp/confirm', { code: code.trim() });
}

export function fetchMe(): Promise<Me> {
  return api.get<Me>('/api/me');
}

export class WrongCurrentPasswordError extends Error {
  constructor() {
    super('The current password is wrong.');
    this.name = 'WrongCurrentPasswordError';
  }
}

/**
 * Re-wraps the same key pairs under a new password (new salt) and signs the new material. A wrong current
 * password fails here, before anything is sent. The server ends the user's other sessions.
 */
export async function changeAccountPassword(userId: string, currentPassword: string, newPassword: string): Promise<void> {
  const own = await api.get<OwnKeyBundle>('/api/me/keys');
  if (own.userId !== userId) throw new VerificationError('The server answered the key bundle of another account.');
  // Key transparency: never re-wrap keys that are not the ones registered on the ledger.
  await ensureKeysOnLedger(own.userId, own.signingPublicKey, own.encryptionPublicKey);
  const stored = storedFromOwn(own);
  const current = await derivePasswordKeys(currentPassword, stored.password);
  let keys: KeyBundle;
  try {
    keys = await unlockWithKek(stored, current.kek);
  } catch (e) {
    if (e instanceof CryptoIntegrityError) throw new WrongCurrentPasswordError();
    throw e;
  } finally {
    current.kek.fill(0);
  }
  try {
    const update = await rewrapUnderNewPassword(stored, keys, newPassword);
    update.kek.fill(0);
    const wrap = wrapToBytes(update.stored.passwordWrap);
    // A fresh single-use nonce from the server goes into the signature: the request cannot be replayed.
    const { nonce } = await api.post<{ nonce: string }>('/api/auth/password/nonce');
    const signature = await sign(keys.signing.privateKey, passwordMaterialBytes(PASSWORD_CHANGE_TAG, own.userId, nonce, update.authKey, update.stored.password, wrap));
    await api.post<void>('/api/auth/password', {
      nonce,
      currentAuthKey: toBase64(current.authKey),
      newAuthKey: toBase64(update.authKey),
      newKdf: kdfToWire(update.stored.password),
      newPasswordWrappedPrivateKeys: toBase64(wrap),
      signature: toBase64(signature),
    });
  } finally {
    keys.encryption.privateKey.fill(0);
    keys.signing.privateKey.fill(0);
  }
}

// ---------- recovery (forgotten password) ----------

/** Step one: the server emails a code. The answer (202 with a ticket) is the same for unknown addresses. */
export async function startRecovery(email: string): Promise<string> {
  return (await api.post<{ ticket: string }>('/api/auth/recovery/start', { email }, { auth: false })).ticket;
}

/** Step two: the emailed code spends the ticket and returns the recovery-wrapped keys. */
export function verifyRecovery(ticket: string, code: string): Promise<RecoveryBundle> {
  return api.post<RecoveryBundle>('/api/auth/recovery/verify', { ticket, code: code.trim() }, { auth: false });
}

/**
 * Step three: the recovery code unlocks the keys here (a mistyped code is a CryptoFormatError, a wrong one a
 * CryptoIntegrityError, both before anything is sent); the new password material is signed with the keys.
 */
export async function completeRecovery(bundle: RecoveryBundle, recoveryCode: string, newPassword: string): Promise<void> {
  const recoveryWrap = wrapFromBytes(fromBase64(bundle.recoveryWrappedPrivateKeys));
  // The server does not hand out the password wrap during recovery; recoverWithCode only reads the recovery wrap
  // and replaces the password wrap, so the recovery wrap stands in for it (as in the C# SDK).
  const stored: StoredKeyBundle = {
    userId: bundle.userId,
    encryptionPublicKey: fromBase64(bundle.encryptionPublicKey),
    signingPublicKey: fromBase64(bundle.signingPublicKey),
    password: kdfFromWire(bundle.kdf),
    passwordWrap: recoveryWrap,
    recoveryWrap,
  };
  const update = await recoverWithCode(stored, recoveryCode, newPassword);
  try {
    const wrap = wrapToBytes(update.stored.passwordWrap);
    const signature = await sign(update.keys.signing.privateKey, passwordMaterialBytes(RECOVERY_TAG, bundle.userId, bundle.nonce, update.authKey, update.stored.password, wrap));
    await api.post<void>(
      '/api/auth/recovery/complete',
      {
        recoveryTicket: bundle.recoveryTicket,
        newAuthKey: toBase64(update.authKey),
        newKdf: kdfToWire(update.stored.password),
        newPasswordWrappedPrivateKeys: toBase64(wrap),
        signature: toBase64(signature),
      },
      { auth: false },
    );
  } finally {
    update.kek.fill(0);
    update.keys.encryption.privateKey.fill(0);
    update.keys.signing.privateKey.fill(0);
  }
}

/** Where one-time codes go: by email, or (no mail server configured) into the server's outbox folder. */
export interface CodeDelivery {
  channel: 'email' | 'outbox';
  outboxFolder: string | null;
}

export const codeDelivery = (signal?: AbortSignal) => api.get<CodeDelivery>('/api/auth/code-delivery', { auth: false, signal });

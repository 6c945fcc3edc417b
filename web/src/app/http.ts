// The one place the browser talks to the API: JSON in and out, bearer tokens with refresh, and
// RFC 9457 problem responses turned into ApiProblem errors the UI can show as they are.

export interface Me {
  id: string;
  email: string;
  role: Role;
  verification: 'NotRequired' | 'Pending' | 'Approved' | 'Rejected';
  verificationReason?: string | null;
  organizationId?: string | null;
  totpEnabled: boolean;
  canAct: boolean;
  cannotActReason?: string | null;
}

export type Role = 'Patient' | 'Doctor' | 'HospitalStaff' | 'Pharmacist' | 'InsurerStaff' | 'PlatformAdmin';

export interface Tokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  user: Me;
}

/** A problem response (or a network failure dressed as one), with field errors when the server gave them. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: Record<string, string[]>,
    readonly type?: string,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiProblem';
  }
}

type TokenStore = {
  get(): Tokens | null;
  set(tokens: Tokens): void;
  expired(): void;
};

let tokenStore: TokenStore = { get: () => null, set: () => {}, expired: () => {} };

/** The session module registers how tokens are read and rotated (keeps this file free of UI state). */
export function useTokenStore(store: TokenStore): void {
  tokenStore = store;
}

let refreshing: Promise<Tokens> | null = null;

async function refresh(): Promise<Tokens> {
  // Single flight: concurrent 401s share one rotation (a refresh token is single use).
  refreshing ??= (async () => {
    const current = tokenStore.get();
    if (!current) throw new ApiProblem(401, 'Signed out', 'Please sign in again.');
    try {
      const fresh = await request<Tokens>('POST', '/api/auth/refresh', { refreshToken: current.refreshToken }, { auth: false });
      tokenStore.set(fresh);
      return fresh;
    } catch (e) {
      tokenStore.expired();
      throw e;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

async function accessToken(): Promise<string> {
  const t = tokenStore.get();
  if (!t) throw new ApiProblem(401, 'Signed out', 'Please sign in again.');
  if (Date.parse(t.accessTokenExpiresAt) - Date.now() > 30_000) return t.accessToken;
  return (await refresh()).accessToken;
}

export interface RequestOptions {
  auth?: boolean;
  /** An explicit bearer token (sign-in, before a session exists); no refresh is attempted with it. */
  token?: string;
  signal?: AbortSignal;
  /** Report upload progress (0..1); uses XMLHttpRequest because fetch has no upload progress. */
  onUploadProgress?: (fraction: number) => void;
  /** Extra request headers (e.g. Idempotency-Key on payments). */
  headers?: Record<string, string>;
}

export async function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  const auth = options.auth ?? true;
  let res = await send(method, path, body, auth, options);
  if (res.status === 401 && auth && !options.token && tokenStore.get()) {
    await refresh();
    res = await send(method, path, body, auth, options);
  }
  if (!res.ok) throw await toProblem(res);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** As {@link request}, for a non-JSON answer (a CSV export): the body as text. */
export async function requestText(path: string, options: RequestOptions = {}): Promise<string> {
  let res = await send('GET', path, undefined, true, options);
  if (res.status === 401 && !options.token && tokenStore.get()) {
    await refresh();
    res = await send('GET', path, undefined, true, options);
  }
  if (!res.ok) throw await toProblem(res);
  return res.text();
}

export const api = {
  get: <T>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  post: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('POST', path, body, options),
  put: <T>(path: string, body?: unknown, options?: RequestOptions) => request<T>('PUT', path, body, options),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, undefined, options),
};

interface Sent {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

async function send(method: string, path: string, body: unknown, auth: boolean, options: RequestOptions): Promise<Sent> {
  const headers: Record<string, string> = { ...options.headers, Accept: 'application/json, application/problem+json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  else if (auth) headers.Authorization = `Bearer ${await accessToken()}`;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  if (options.onUploadProgress && payload !== undefined) return sendWithProgress(method, path, payload, headers, options);
  try {
    return await fetch(path, { method, headers, body: payload, signal: options.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiProblem(0, 'Network error', 'The server could not be reached. Check your connection and try again.');
  }
}

function sendWithProgress(method: string, path: string, payload: string, headers: Record<string, string>, options: RequestOptions): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && options.onUploadProgress?.(e.loaded / e.total);
    xhr.onload = () =>
      resolve({
        ok: xhr.status >= 200 && xhr.status < 300,
        status: xhr.status,
        headers: { get: (n) => xhr.getResponseHeader(n) },
        text: () => Promise.resolve(xhr.responseText),
      });
    xhr.onerror = () => reject(new ApiProblem(0, 'Network error', 'The upload did not reach the server. Try again.'));
    xhr.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
    if (options.signal?.aborted) {
      reject(new DOMException('The upload was cancelled.', 'AbortError'));
      return;
    }
    options.signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(payload);
  });
}

async function toProblem(res: Sent): Promise<ApiProblem> {
  const type = res.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      const p = JSON.parse(await res.text()) as { title?: string; detail?: string; errors?: Record<string, string[]>; type?: string };
      const retry = res.headers.get('Retry-After');
      const detail = retry && res.status === 429 ? `${p.detail ?? ''} (try again in ${retry} s)`.trim() : p.detail;
      return new ApiProblem(res.status, p.title ?? `Request failed (${res.status})`, detail, p.errors, p.type);
    } catch {
      // fall through to the generic message
    }
  }
  return new ApiProblem(res.status, `Request failed (${res.status})`, res.status >= 500 ? 'The server had a problem; try again.' : undefined);
}

// The desk's one way to the API: openapi-fetch typed by the types openapi-typescript
// generates from openapi/openapi.json, so every path, parameter and body here is
// checked against the contract at build time.
//
// Sessions: the access token lives in memory only; the refresh token is kept in
// localStorage so a reload keeps the editor signed in. A 401 refreshes once and
// retries; refreshes are serialised across tabs with a Web Lock, because a refresh
// token used twice revokes its whole family.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Article = Schemas['ArticleResponse'];
export type Block = Schemas['Block'];
export type Image = Schemas['ImageResponse'];
export type User = Schemas['UserResponse'];
export type Role = Schemas['Role'];
export type Problem = Schemas['Problem'];

const REFRESH_KEY = 'dateline.desk.refresh';

let accessToken: string | null = null;
let onSignedOut: () => void = () => {};

/** Called when the session ends by itself (refresh refused): the app shows sign-in. */
export function whenSignedOut(handler: () => void) {
  onSignedOut = handler;
}

export function hasStoredSession(): boolean {
  return localStorage.getItem(REFRESH_KEY) !== null;
}

export function accessTokenNow(): string | null {
  return accessToken;
}

function keep(tokens: Schemas['TokenResponse']) {
  accessToken = tokens.access_token;
  localStorage.setItem(REFRESH_KEY, tokens.refresh_token);
}

export function forget() {
  accessToken = null;
  localStorage.removeItem(REFRESH_KEY);
}

/** An error answer from the API, with its problem document when it sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | null;
  constructor(status: number, problem: Problem | null) {
    super(problem?.detail || problem?.title || (status === 0 ? 'The server could not be reached' : `HTTP ${status}`));
    this.status = status;
    this.problem = problem;
  }
  /** The message for one field, if the API named it. */
  field(name: string): string | undefined {
    return this.problem?.errors?.find((e) => e.field === name || e.field.startsWith(`${name}.`) || e.field.startsWith(`${name}[`))
      ?.message;
  }
}

async function rawRefresh(): Promise<boolean> {
  const token = localStorage.getItem(REFRESH_KEY);
  if (!token) return false;
  let res: Response;
  try {
    res = await fetch('/api/v1/auth/refresh', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: token }),
    });
  } catch {
    return false;
  }
  if (!res.ok) {
    // Refused (expired, revoked): only then is the stored session over.
    if (res.status === 401 || res.status === 400 || res.status === 422) forget();
    return false;
  }
  keep((await res.json()) as Schemas['TokenResponse']);
  return true;
}

let refreshing: Promise<boolean> | null = null;

/** Trades the stored refresh token for a new pair, once at a time across tabs. */
export function refresh(): Promise<boolean> {
  if (!refreshing) {
    const run = () => rawRefresh();
    const locked: Promise<boolean> = navigator.locks
      ? (navigator.locks.request('dateline-desk-refresh', run) as Promise<unknown> as Promise<boolean>)
      : run();
    refreshing = locked.finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function authedFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  if (accessToken) request.headers.set('authorization', `Bearer ${accessToken}`);
  const res = await fetch(request);
  if (res.status !== 401 || request.url.includes('/auth/')) return res;
  if (!(await refresh())) {
    onSignedOut();
    return res;
  }
  retry.headers.set('authorization', `Bearer ${accessToken}`);
  return fetch(retry);
}

export const api = createClient<paths>({ baseUrl: '', fetch: authedFetch });

/** The data of an answer, or an ApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result;
  try {
    result = await call;
  } catch {
    throw new ApiError(0, null);
  }
  if (result.response.ok && result.data !== undefined) return result.data;
  if (result.response.ok) return undefined as T;
  throw new ApiError(result.response.status, (result.error as Problem | undefined) ?? null);
}

export async function signIn(email: string, password: string): Promise<void> {
  const tokens = await ok(api.POST('/api/v1/auth/login', { body: { email, password } }));
  keep(tokens);
}

export async function signOut(): Promise<void> {
  const token = localStorage.getItem(REFRESH_KEY);
  if (token) {
    await api.POST('/api/v1/auth/logout').catch(() => undefined);
  }
  forget();
}

/** An upload with progress (fetch has none): multipart to POST /images. */
export function uploadImage(
  file: File,
  meta: { alt?: string; caption?: string; credit?: string },
  onProgress: (fraction: number) => void,
): Promise<Image> {
  const send = (): Promise<{ status: number; body: unknown }> =>
    new Promise((resolve, reject) => {
      const form = new FormData();
      form.append('file', file);
      if (meta.alt) form.append('alt', meta.alt);
      if (meta.caption) form.append('caption', meta.caption);
      if (meta.credit) form.append('credit', meta.credit);
      const xhr = new XMLHttpRequest();
      xhr.open('POST', '/api/v1/images');
      if (accessToken) xhr.setRequestHeader('authorization', `Bearer ${accessToken}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        resolve({ status: xhr.status, body });
      };
      xhr.onerror = () => reject(new ApiError(0, null));
      xhr.send(form);
    });
  return (async () => {
    let res = await send();
    if (res.status === 401 && (await refresh())) res = await send();
    if (res.status >= 200 && res.status < 300) {
      onProgress(1);
      return res.body as Image;
    }
    throw new ApiError(res.status, res.body as Problem | null);
  })();
}

// The signed-in citizen of this tab (only the report form needs one). Tokens
// live in sessionStorage: gone when the tab closes, never in a cookie.
const accessKey = "cabildo.access_token";
// H3 (extended): the refresh token, the access token's expiry and who is
// signed in, so an expired access token is never sent (public pages keep
// working) and the report form can renew it or ask to sign in again.
const refreshKey = "cabildo.refresh_token";
const expiresKey = "cabildo.access_expires_at";
const userKey = "cabildo.user";

function read(key: string): string | undefined {
  try {
    return sessionStorage.getItem(key) ?? undefined;
  } catch {
    return undefined;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  } catch {
    // Storage disabled: the session lasts only while this page is open.
  }
}

/** The access token, unless it has expired (or is about to, within 20 s). */
export function accessToken(): string | undefined {
  const expiresAt = Number(read(expiresKey) ?? "0");
  if (expiresAt && Date.now() > expiresAt - 20_000) return undefined;
  return read(accessKey);
}

export function setAccessToken(token: string | null): void {
  write(accessKey, token);
  if (!token) write(expiresKey, null);
}

export interface SessionUser {
  name: string;
  email: string;
}

/** Stores a token pair from /v1/auth/login or /v1/auth/refresh. */
export function setSession(pair: { access_token: string; refresh_token: string; expires_in: number }): void {
  write(accessKey, pair.access_token);
  write(refreshKey, pair.refresh_token);
  write(expiresKey, String(Date.now() + pair.expires_in * 1000));
}

export function refreshToken(): string | undefined {
  return read(refreshKey);
}

export function sessionUser(): SessionUser | undefined {
  try {
    const raw = read(userKey);
    return raw ? (JSON.parse(raw) as SessionUser) : undefined;
  } catch {
    return undefined;
  }
}

export function setSessionUser(user: SessionUser | null): void {
  write(userKey, user ? JSON.stringify(user) : null);
}

/** Forgets the whole session (sign-out, or a refresh token the server refused). */
export function clearSession(): void {
  for (const key of [accessKey, refreshKey, expiresKey, userKey]) write(key, null);
}

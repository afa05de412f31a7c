// The signed-in citizen of this tab (only the report form needs one). Tokens
// live in sessionStorage: gone when the tab closes, never in a cookie.
const accessKey = "cabildo.access_token";

export function accessToken(): string | undefined {
  try {
    return sessionStorage.getItem(accessKey) ?? undefined;
  } catch {
    return undefined;
  }
}

export function setAccessToken(token: string | null): void {
  try {
    if (token) sessionStorage.setItem(accessKey, token);
    else sessionStorage.removeItem(accessKey);
  } catch {
    // Storage disabled: the session lasts only while this page is open.
  }
}

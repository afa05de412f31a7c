// The portal's only way to the server: the typed client (@cabildo/client,
// generated from /v1/openapi.json), same origin, with GET answers cached per
// ETag. A revisit sends If-None-Match and a 304 reuses the stored body, so a
// citizen on a slow phone downloads a list again only when it changed.
import { createCabildoClient, type components } from "@cabildo/client";

import { accessToken, clearSession } from "./session";

export type Tenant = components["schemas"]["Tenant"];

const cachePrefix = "cabildo.etag:";
const maxCachedEntries = 60;
const maxCachedBodyChars = 512 * 1024;

interface CachedAnswer {
  etag: string;
  type: string;
  body: string;
}

function readCached(url: string): CachedAnswer | null {
  try {
    const raw = sessionStorage.getItem(cachePrefix + url);
    return raw ? (JSON.parse(raw) as CachedAnswer) : null;
  } catch {
    return null;
  }
}

// The oldest entries go first when the bound (or the browser's quota) is hit.
function storeCached(url: string, answer: CachedAnswer): void {
  if (answer.body.length > maxCachedBodyChars) return;
  try {
    const order: string[] = JSON.parse(sessionStorage.getItem(cachePrefix) ?? "[]");
    const next = order.filter((key) => key !== url);
    next.push(url);
    while (next.length > maxCachedEntries) sessionStorage.removeItem(cachePrefix + next.shift());
    sessionStorage.setItem(cachePrefix + url, JSON.stringify(answer));
    sessionStorage.setItem(cachePrefix, JSON.stringify(next));
  } catch {
    // Storage full or disabled: the portal still works, without the cache.
  }
}

/** fetch with the ETag cache for anonymous GETs (a signed-in answer is never stored). */
export async function cachedFetch(request: Request): Promise<Response> {
  if (request.method !== "GET") return fetch(request);
  if (request.headers.has("Authorization")) return signedGet(request);
  const cached = readCached(request.url);
  if (cached) request.headers.set("If-None-Match", cached.etag);
  const response = await fetch(request);
  if (response.status === 304 && cached) {
    return new Response(cached.body, {
      status: 200,
      headers: { "Content-Type": cached.type, ETag: cached.etag, "X-Cabildo-Cache": "etag" },
    });
  }
  const etag = response.headers.get("ETag");
  const type = response.headers.get("Content-Type") ?? "";
  if (response.ok && etag && type.startsWith("application/json")) {
    const body = await response.clone().text();
    storeCached(request.url, { etag, type, body });
  }
  return response;
}

export const api = createCabildoClient({
  baseUrl: location.origin,
  fetch: (input) => cachedFetch(input instanceof Request ? input : new Request(input)),
  accessToken,
});

/** The path of a tenant's route, for links to datasets (CSV/JSON downloads). */
export const tenantPath = (tenant: string, rest: string): string =>
  `/v1/tenants/${encodeURIComponent(tenant)}/${rest}`;

/** A problem document (or Open311 error array, or anything else) as one Spanish sentence. */
export function problemMessage(error: unknown): string {
  if (Array.isArray(error) && error.length > 0) {
    return error.map((e) => (e && typeof e === "object" && "description" in e ? String(e.description) : "")).join(" ");
  }
  if (error && typeof error === "object") {
    const problem = error as { detail?: unknown; title?: unknown; errors?: unknown };
    const parts: string[] = [];
    if (typeof problem.detail === "string") parts.push(problem.detail);
    else if (typeof problem.title === "string") parts.push(problem.title);
    if (Array.isArray(problem.errors)) {
      for (const e of problem.errors) {
        if (e && typeof e === "object" && "message" in e) parts.push(String((e as { message: unknown }).message));
      }
    }
    if (parts.length) return parts.join(" ");
  }
  return "No se pudo completar la operación. Intenta de nuevo en unos momentos.";
}

/** Every page of a cursor list, bounded (a portal never needs more than a few pages). */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; next_cursor?: string | null } | undefined>,
  maxPages = 10,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const answer = await fetchPage(cursor);
    if (!answer) break;
    items.push(...answer.items);
    if (!answer.next_cursor) break;
    cursor = answer.next_cursor;
  }
  return items;
}

// H3 (appended): a signed-in GET answered 401 (a token revoked, or no longer
// valid on this server) forgets the session and is retried anonymously: a
// stale sign-in must never break the public pages of the tab.
async function signedGet(request: Request): Promise<Response> {
  const retry = request.clone();
  const response = await fetch(request);
  if (response.status !== 401) return response;
  clearSession();
  retry.headers.delete("Authorization");
  return cachedFetch(retry);
}

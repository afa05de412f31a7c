// Cabildo's typed client: openapi-fetch over the types openapi-typescript
// generates from the server's /v1/openapi.json (src/schema.d.ts, written by
// scripts/client and never edited by hand). Every path, parameter, body and
// answer is typed by the same declarations the server validates with.
//
//   const api = createCabildoClient({ baseUrl: "https://datos.durango.gob.mx" });
//   const { data, error } = await api.GET("/v1/tenants/{tenant}/public-works/projects", {
//     params: { path: { tenant: "durango" }, query: { limit: 20 } },
//   });
//
// Errors come back as `error` (the problem document, or Open311's error
// array on its routes), never thrown; a network failure throws.
//
// Offline use (src/offline-cache.ts): etagFetch revalidates public answers
// with If-None-Match, SyncedCollection keeps a list with updated_since.
// Open311 (src/open311.ts): open311Form posts a report as its clients do.
// Rate limits (src/retry.ts): retryAfterFetch waits out a 429 and retries.
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, operations, paths } from "./schema";

export type { components, operations, paths };
export * from "./offline-cache.js";
export * from "./open311.js";
export * from "./retry.js";

export interface CabildoClientOptions {
  /** The instance's origin, e.g. "https://datos.durango.gob.mx" (no trailing slash). */
  baseUrl: string;
  /** The access token of the signed-in user, read before every request (it changes on refresh). */
  accessToken?: () => string | undefined;
  /** fetch to use (a test's, or a platform's); the global one by default. */
  fetch?: typeof globalThis.fetch;
}

export type CabildoClient = Client<paths>;

export function createCabildoClient(options: CabildoClientOptions): CabildoClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const accessToken = options.accessToken;
  if (accessToken) {
    const auth: Middleware = {
      onRequest({ request }) {
        const token = accessToken();
        if (token) request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    };
    client.use(auth);
  }
  return client;
}

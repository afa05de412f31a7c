// What a phone needs to work offline and download little, on top of the
// typed client:
//
// * etagFetch: a fetch for createCabildoClient({ fetch }) that keeps the
//   ETag and body of every public GET answer and revalidates it with
//   If-None-Match: a 304 (no body on the wire) is handed back as the stored
//   200, marked with the header X-Cabildo-Cache: revalidated.
// * SyncedCollection: a local copy of one list, kept with the server's delta
//   sync: the first sync walks every page; later ones ask only for what
//   changed since the newest `updated_at` it holds (`updated_since`), apply
//   tombstones ({"id", "deleted": true}) and move that watermark once the walk
//   is complete. Its state is plain JSON, for the app to persist.
//
//   const publicApi = createCabildoClient({ baseUrl, fetch: etagFetch({ store }) });
//   const works = new SyncedCollection<components["schemas"]["PublicWorksProject"]>(saved);
//   await works.sync((query) => publicApi.GET("/v1/tenants/{tenant}/public-works/projects", {
//     params: { path: { tenant: "durango" }, query: { ...query, include_descendants: true } },
//   }));
//   save(works.toJSON());
//
// Nothing here touches a platform API beyond fetch: storage is the app's
// (EtagStore over AsyncStorage, SQLite, localStorage...; MemoryEtagStore for tests).

/** A stored answer: its ETag, Content-Type and body text. */
export interface CachedAnswer {
  etag: string;
  contentType: string;
  body: string;
}

/** Where etagFetch keeps answers, keyed by URL. May be synchronous or not. */
export interface EtagStore {
  get(url: string): CachedAnswer | undefined | Promise<CachedAnswer | undefined>;
  set(url: string, answer: CachedAnswer): void | Promise<void>;
  delete(url: string): void | Promise<void>;
}

/** An EtagStore in memory, bounded: the least recently used answers go first. */
export class MemoryEtagStore implements EtagStore {
  private readonly entries = new Map<string, CachedAnswer>();
  private chars = 0;

  constructor(
    private readonly maxEntries = 200,
    private readonly maxChars = 8 * 1024 * 1024,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(url: string): CachedAnswer | undefined {
    const answer = this.entries.get(url);
    if (answer) {
      // Most recently used last.
      this.entries.delete(url);
      this.entries.set(url, answer);
    }
    return answer;
  }

  set(url: string, answer: CachedAnswer): void {
    this.delete(url);
    if (answer.body.length > this.maxChars) return;
    this.entries.set(url, answer);
    this.chars += answer.body.length;
    for (const [oldest, old] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= old.body.length;
    }
  }

  delete(url: string): void {
    const old = this.entries.get(url);
    if (!old) return;
    this.entries.delete(url);
    this.chars -= old.body.length;
  }
}

/** The header etagFetch adds to an answer it took from its store after a 304. */
export const cacheHeader = "X-Cabildo-Cache";

export interface EtagFetchOptions {
  store: EtagStore;
  /** The fetch underneath (the platform's by default). */
  fetch?: (request: Request) => Promise<Response>;
}

/**
 * A fetch that revalidates public GETs with If-None-Match. Only answers to
 * requests without Authorization are stored, and never one marked
 * Cache-Control: no-store (the server marks every answer to a signed-in
 * request so): use one client without accessToken for public data and one
 * with it for the user's own.
 */
export function etagFetch(
  options: EtagFetchOptions,
): (input: Request | string | URL, init?: RequestInit) => Promise<Response> {
  const store = options.store;
  const next = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  return async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    if (request.method !== "GET" || request.headers.has("Authorization")) return next(request);
    const url = request.url;
    const cached = await store.get(url);
    if (cached && !request.headers.has("If-None-Match")) request.headers.set("If-None-Match", cached.etag);
    const response = await next(request);
    if (response.status === 304 && cached) {
      return new Response(cached.body, {
        status: 200,
        headers: { "Content-Type": cached.contentType, ETag: cached.etag, [cacheHeader]: "revalidated" },
      });
    }
    const etag = response.headers.get("ETag");
    const contentType = response.headers.get("Content-Type") ?? "";
    const noStore = /(^|,)\s*no-store\s*(,|$)/i.test(response.headers.get("Cache-Control") ?? "");
    if (response.status === 200 && etag && !noStore && contentType.includes("json")) {
      await store.set(url, { etag, contentType, body: await response.clone().text() });
    } else if (cached && response.status !== 304) {
      await store.delete(url);
    }
    return response;
  };
}

/** What every synced item has: the list's id, updated_at and, on a tombstone, deleted. */
export interface SyncItem {
  readonly id: string;
  readonly updated_at: string;
  readonly deleted?: boolean;
}

/** The paging and sync query SyncedCollection asks for; spread it into the route's query. */
export interface SyncQuery {
  limit: number;
  cursor?: string;
  updated_since?: string;
}

/** One page as the typed client answers it (`{ data, error, response }`). */
export interface PageResult<T> {
  data?: { items: T[]; next_cursor: string | null };
  error?: unknown;
  response: Response;
}

/** The state of a collection as plain JSON: what the app persists between runs. */
export interface SyncState<T> {
  /** The newest updated_at of a completed sync; null before the first. */
  watermark: string | null;
  items: T[];
}

export interface SyncResult {
  /** true when this was a full sync (no watermark yet). */
  full: boolean;
  pages: number;
  /** Items added or replaced. */
  upserted: number;
  /** Items removed by tombstones. */
  removed: number;
}

/** A sync that could not finish: the collection and its watermark are as before it. */
export class SyncError extends Error {
  constructor(
    message: string,
    /** The problem document (or Open311 array) the server answered, if any. */
    readonly problem: unknown,
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = "SyncError";
  }
}

export interface SyncOptions {
  /** Items per page (1..100; the server's maximum is 100). */
  pageSize?: number;
  /** A bound on the pages of one sync (a runaway list is an error, not a loop). */
  maxPages?: number;
}

/**
 * A local copy of one list kept with updated_since. The list must be
 * ordered by (updated_at, id), as every Cabildo list that takes
 * updated_since is. The watermark moves only when a walk reaches its last
 * page, so an interrupted sync is simply repeated.
 */
export class SyncedCollection<T extends SyncItem> {
  private items = new Map<string, T>();
  private mark: string | null = null;
  private readonly pageSize: number;
  private readonly maxPages: number;

  constructor(state?: SyncState<T>, options: SyncOptions = {}) {
    this.pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
    this.maxPages = Math.max(1, options.maxPages ?? 1000);
    if (state) {
      this.mark = state.watermark;
      for (const item of state.items) this.items.set(item.id, item);
    }
  }

  /** The updated_since of the next sync; null before the first complete one. */
  get watermark(): string | null {
    return this.mark;
  }

  get size(): number {
    return this.items.size;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  values(): T[] {
    return [...this.items.values()];
  }

  toJSON(): SyncState<T> {
    return { watermark: this.mark, items: this.values() };
  }

  /**
   * Brings the copy up to date: every page of `fetchPage` (the same query
   * each time, with this sync's limit, cursor and updated_since). Throws
   * SyncError on an error answer or a walk beyond maxPages; then nothing changed.
   */
  async sync(fetchPage: (query: SyncQuery) => Promise<PageResult<T>>): Promise<SyncResult> {
    const since = this.mark;
    const received: T[] = [];
    let cursor: string | undefined;
    let pages = 0;
    for (;;) {
      if (pages === this.maxPages) {
        throw new SyncError(`more than ${this.maxPages} pages: sync stopped`, undefined, undefined);
      }
      const query: SyncQuery = { limit: this.pageSize };
      if (cursor) query.cursor = cursor;
      if (since) query.updated_since = since;
      const { data, error, response } = await fetchPage(query);
      pages++;
      if (!data) {
        throw new SyncError(`the list answered ${response.status}`, error, response.status);
      }
      received.push(...data.items);
      if (!data.next_cursor) break;
      cursor = data.next_cursor;
    }
    // Complete: apply it all, in the server's order, and move the watermark.
    let upserted = 0;
    let removed = 0;
    let mark = since;
    for (const item of received) {
      if (item.deleted) {
        if (this.items.delete(item.id)) removed++;
      } else {
        this.items.set(item.id, item);
        upserted++;
      }
      if (mark === null || laterThan(item.updated_at, mark)) mark = item.updated_at;
    }
    this.mark = mark;
    return { full: since === null, pages, upserted, removed };
  }
}

// RFC 3339 UTC times as the server writes them ("2026-12-06T12:12:35.660152Z"):
// compared as instants, with the fraction's digits beyond milliseconds kept.
function laterThan(a: string, b: string): boolean {
  const [aSeconds, aFraction] = splitFraction(a);
  const [bSeconds, bFraction] = splitFraction(b);
  if (aSeconds !== bSeconds) return aSeconds > bSeconds;
  return aFraction > bFraction;
}

function splitFraction(time: string): [number, string] {
  const match = /^(.*?)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!match) return [Date.parse(time), ""];
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  return [seconds, (match[2] ?? "").padEnd(9, "0")];
}

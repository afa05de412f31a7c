// src/offline-cache.ts without a server: etagFetch against a fake fetch that
// answers like Cabildo (ETag, 304 on If-None-Match, no-store when signed in),
// and SyncedCollection against a fake list ordered by (updated_at, id).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  MemoryEtagStore,
  SyncError,
  SyncedCollection,
  cacheHeader,
  etagFetch,
  type PageResult,
  type SyncQuery,
} from "../../src/index.js";

interface Seen {
  url: string;
  ifNoneMatch: string | null;
  authorization: string | null;
}

// A server holding one JSON body per URL; its ETag is the body's version.
function fakeServer(bodies: Map<string, string>, seen: Seen[]) {
  return async (request: Request): Promise<Response> => {
    seen.push({
      url: request.url,
      ifNoneMatch: request.headers.get("If-None-Match"),
      authorization: request.headers.get("Authorization"),
    });
    const body = bodies.get(request.url);
    if (body === undefined) return new Response('{"status":404}', { status: 404 });
    const etag = `"${body.length}-${body.charCodeAt(body.length - 2)}"`;
    const headers: Record<string, string> = { "Content-Type": "application/json", ETag: etag };
    if (request.headers.has("Authorization")) headers["Cache-Control"] = "no-store";
    if (request.headers.get("If-None-Match") === etag) return new Response(null, { status: 304, headers });
    return new Response(body, { status: 200, headers });
  };
}

describe("MemoryEtagStore", () => {
  test("keeps at most maxEntries and maxChars, dropping the least recently used", () => {
    const store = new MemoryEtagStore(2, 10);
    const answer = (body: string) => ({ etag: '"x"', contentType: "application/json", body });
    store.set("a", answer("1234"));
    store.set("b", answer("1234"));
    assert.ok(store.get("a")); // a is now the most recent
    store.set("c", answer("12"));
    assert.equal(store.size, 2);
    assert.equal(store.get("b"), undefined);
    store.set("d", answer("123456789"));
    assert.equal(store.size, 1, "10 characters at most");
    assert.ok(store.get("d"));
    store.set("e", answer("12345678901"));
    assert.equal(store.get("e"), undefined, "a body over the bound is never stored");
  });
});

describe("etagFetch", () => {
  const url = "https://datos.example/v1/tenants/durango/public-works/projects";

  test("revalidates a stored answer: 304 on the wire, the stored 200 to the caller", async () => {
    const seen: Seen[] = [];
    const bodies = new Map([[url, '{"items":[{"id":"1"}],"next_cursor":null}']]);
    const fetch = etagFetch({ store: new MemoryEtagStore(), fetch: fakeServer(bodies, seen) });

    const first = await fetch(url);
    assert.equal(first.status, 200);
    assert.equal(first.headers.get(cacheHeader), null);
    assert.deepEqual(await first.json(), { items: [{ id: "1" }], next_cursor: null });

    const again = await fetch(url);
    assert.equal(seen[1]?.ifNoneMatch, first.headers.get("ETag"));
    assert.equal(again.status, 200);
    assert.equal(again.headers.get(cacheHeader), "revalidated");
    assert.deepEqual(await again.json(), { items: [{ id: "1" }], next_cursor: null });

    // Changed on the server: a new 200, stored in turn.
    bodies.set(url, '{"items":[{"id":"1"},{"id":"2"}],"next_cursor":null}');
    const changed = await fetch(new Request(url));
    assert.equal(changed.headers.get(cacheHeader), null);
    assert.equal((await changed.json()).items.length, 2);
    const third = await fetch(url);
    assert.equal(third.headers.get(cacheHeader), "revalidated");
    assert.equal((await third.json()).items.length, 2);
  });

  test("never stores a signed-in answer, a no-store one or an error, and passes writes through", async () => {
    const seen: Seen[] = [];
    const store = new MemoryEtagStore();
    const bodies = new Map([[url, '{"items":[],"next_cursor":null}']]);
    const fetch = etagFetch({ store, fetch: fakeServer(bodies, seen) });

    await fetch(url, { headers: { Authorization: "Bearer t" } });
    await fetch(url, { headers: { Authorization: "Bearer t" } });
    assert.equal(seen[1]?.ifNoneMatch, null);
    assert.equal(store.size, 0);

    await fetch(`${url}/missing`);
    assert.equal(store.size, 0);

    const posted = await fetch(url, { method: "POST", body: "{}" });
    assert.equal(posted.status, 200);
    assert.equal(store.size, 0);
  });

  test("forgets a stored answer the server no longer has", async () => {
    const seen: Seen[] = [];
    const store = new MemoryEtagStore();
    const bodies = new Map([[url, '{"items":[],"next_cursor":null}']]);
    const fetch = etagFetch({ store, fetch: fakeServer(bodies, seen) });
    await fetch(url);
    assert.equal(store.size, 1);
    bodies.delete(url);
    assert.equal((await fetch(url)).status, 404);
    assert.equal(store.size, 0);
  });
});

interface Item {
  id: string;
  updated_at: string;
  title?: string;
  deleted?: true;
}

// A list as Cabildo serves it: ordered by (updated_at, id); updated_since
// keeps what changed after it, tombstones included; the cursor is the last
// key of the page.
function fakeList(rows: Item[], queries: SyncQuery[]) {
  return async (query: SyncQuery): Promise<PageResult<Item>> => {
    queries.push({ ...query });
    const sorted = [...rows].sort((a, b) =>
      a.updated_at === b.updated_at ? a.id.localeCompare(b.id) : a.updated_at.localeCompare(b.updated_at),
    );
    let visible = sorted.filter((row) =>
      query.updated_since ? row.updated_at > query.updated_since : !row.deleted,
    );
    if (query.cursor) {
      const [at, id] = JSON.parse(query.cursor) as [string, string];
      visible = visible.filter((row) => row.updated_at > at || (row.updated_at === at && row.id > id));
    }
    const page = visible.slice(0, query.limit);
    const last = page[page.length - 1];
    const next = visible.length > query.limit && last ? JSON.stringify([last.updated_at, last.id]) : null;
    return { data: { items: page, next_cursor: next }, response: new Response(null, { status: 200 }) };
  };
}

describe("SyncedCollection", () => {
  const t0 = "2026-12-06T12:00:00.000001Z";
  const t1 = "2026-12-06T12:00:00.5Z";
  const t2 = "2026-12-06T12:00:00.500001Z";

  test("a full sync walks every page; a delta asks only for changes and applies tombstones", async () => {
    const rows: Item[] = [
      { id: "a", updated_at: t0, title: "A" },
      { id: "b", updated_at: t0, title: "B" },
      { id: "c", updated_at: t0, title: "C" },
      { id: "gone", updated_at: t0, deleted: true },
    ];
    const queries: SyncQuery[] = [];
    const works = new SyncedCollection<Item>(undefined, { pageSize: 2 });
    const full = await works.sync(fakeList(rows, queries));
    assert.deepEqual(full, { full: true, pages: 2, upserted: 3, removed: 0 });
    assert.equal(queries[0]?.updated_since, undefined);
    assert.ok(queries[1]?.cursor, "the second page by cursor");
    assert.equal(works.watermark, t0);
    assert.equal(works.size, 3);

    // Nothing changed: one page, nothing applied.
    queries.length = 0;
    assert.deepEqual(await works.sync(fakeList(rows, queries)), {
      full: false,
      pages: 1,
      upserted: 0,
      removed: 0,
    });
    assert.deepEqual(queries, [{ limit: 2, updated_since: t0 }]);

    // One edited, one deleted: only those come back.
    rows[1] = { id: "b", updated_at: t1, title: "B2" };
    rows[2] = { id: "c", updated_at: t2, deleted: true };
    const delta = await works.sync(fakeList(rows, queries));
    assert.deepEqual(delta, { full: false, pages: 1, upserted: 1, removed: 1 });
    assert.equal(works.get("b")?.title, "B2");
    assert.equal(works.get("c"), undefined);
    assert.equal(works.watermark, t2, "microseconds past the millisecond count");

    // The state round-trips through JSON.
    const copy = new SyncedCollection<Item>(JSON.parse(JSON.stringify(works.toJSON())));
    assert.equal(copy.watermark, t2);
    assert.deepEqual(
      copy.values().map((item) => item.id).sort(),
      ["a", "b"],
    );
  });

  test("an error answer throws SyncError and leaves the copy and watermark as they were", async () => {
    const works = new SyncedCollection<Item>({ watermark: t0, items: [{ id: "a", updated_at: t0 }] });
    let calls = 0;
    const failing = async (): Promise<PageResult<Item>> => {
      calls++;
      if (calls === 1) {
        return {
          data: { items: [{ id: "z", updated_at: t1 }], next_cursor: "next" },
          response: new Response(null, { status: 200 }),
        };
      }
      return { error: { status: 503, detail: "Intente más tarde." }, response: new Response(null, { status: 503 }) };
    };
    await assert.rejects(works.sync(failing), (error: unknown) => {
      assert.ok(error instanceof SyncError);
      assert.equal(error.status, 503);
      assert.deepEqual(error.problem, { status: 503, detail: "Intente más tarde." });
      return true;
    });
    assert.equal(works.watermark, t0);
    assert.equal(works.size, 1);
    assert.equal(works.get("z"), undefined);
  });

  test("a list that never ends stops at maxPages", async () => {
    const works = new SyncedCollection<Item>(undefined, { maxPages: 3 });
    let calls = 0;
    const endless = async (): Promise<PageResult<Item>> => {
      calls++;
      return {
        data: { items: [{ id: String(calls), updated_at: t0 }], next_cursor: String(calls) },
        response: new Response(null, { status: 200 }),
      };
    };
    await assert.rejects(works.sync(endless), SyncError);
    assert.equal(calls, 3);
    assert.equal(works.size, 0);
    assert.equal(works.watermark, null);
  });
});

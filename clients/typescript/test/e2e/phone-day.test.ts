// A phone's day against a real server with the demo data (issue 21, point 2),
// through the typed client only: register and sign in; keep the state's
// public works offline with ETags and delta sync while an administrator
// changes one; search a procedure; apply for a scholarship; report a broken
// street light through Open311 and follow it as staff attend it; refresh the
// tokens; retry a POST with the same Idempotency-Key; sign out.
//
// Run by scripts/test.d/50-e2e.sh with CABILDO_E2E_URL (the server),
// CABILDO_E2E_ADMIN_EMAIL/_PASSWORD (its bootstrap instance admin: the
// municipality's staff and the app's publisher) and CABILDO_E2E_ARTIFACTS,
// where phone-day.json gets every step's time and the bytes the phone
// downloaded. The steps share state and run in order.
import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";

import {
  MemoryEtagStore,
  SyncedCollection,
  cacheHeader,
  createCabildoClient,
  etagFetch,
  isOpen311Errors,
  open311Form,
  retryAfterFetch,
  type components,
} from "../../src/index.js";

type Schemas = components["schemas"];

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run through scripts/test.d/50-e2e.sh`);
  return value;
}
const baseUrl = required("CABILDO_E2E_URL").replace(/\/$/, "");
const adminEmail = required("CABILDO_E2E_ADMIN_EMAIL");
const adminPassword = required("CABILDO_E2E_ADMIN_PASSWORD");
const artifacts = process.env.CABILDO_E2E_ARTIFACTS ?? join(process.cwd(), "e2e-artifacts");

// ---------------------------------------------------------------------------
// The wire as the phone sees it: every answer's body bytes as received (and
// what gzip would make of them: the API is not compressed today).

interface Exchange {
  step: string;
  who: "phone" | "staff";
  method: string;
  path: string;
  status: number;
  body_bytes: number;
  content_encoding: string | null;
  gzip_bytes: number;
}
const exchanges: Exchange[] = [];
const steps: { step: string; ms: number }[] = [];
let currentStep = "";

function counting(who: Exchange["who"]) {
  return async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const response = await fetch(request);
    const body = new Uint8Array(await response.clone().arrayBuffer());
    const url = new URL(request.url);
    exchanges.push({
      step: currentStep,
      who,
      method: request.method,
      path: url.pathname + url.search,
      status: response.status,
      body_bytes: body.byteLength,
      content_encoding: response.headers.get("Content-Encoding"),
      gzip_bytes: body.byteLength ? gzipSync(body).byteLength : 0,
    });
    return response;
  };
}

/** The phone's exchanges since index `from` (of exchanges), optionally of one step. */
function phoneSince(from: number): Exchange[] {
  return exchanges.slice(from).filter((e) => e.who === "phone");
}
/** Not a tombstone ({"id", "deleted": true}: lists read with updated_since carry them). */
function live<T extends object>(item: T): item is Exclude<T, { deleted: true }> {
  return !("deleted" in item && item.deleted === true);
}
const sum = (list: Exchange[], field: "body_bytes" | "gzip_bytes") => list.reduce((n, e) => n + e[field], 0);

// Each step is timed; the steps share the state below.
function step(name: string, body: () => Promise<void>) {
  test(name, async () => {
    currentStep = name;
    const started = performance.now();
    try {
      await body();
    } finally {
      steps.push({ step: name, ms: Math.round(performance.now() - started) });
    }
  });
}

// ---------------------------------------------------------------------------
// The phone's clients: one for public data, with the ETag cache (answers to
// signed-in requests are never cacheable), one for the citizen's own.

interface Session {
  access_token: string;
  refresh_token: string;
}
let session: Session | undefined;
let staffToken: string | undefined;

// Both wait out a 429 (Retry-After): the portal's tests post from this address
// just before, and the auth and report limits count per address.
const etagStore = new MemoryEtagStore();
const phoneFetch = retryAfterFetch({ fetch: counting("phone"), maxWaitSeconds: 90 });
const publicApi = createCabildoClient({ baseUrl, fetch: etagFetch({ store: etagStore, fetch: phoneFetch }) });
const api = createCabildoClient({ baseUrl, fetch: phoneFetch, accessToken: () => session?.access_token });
const staff = createCabildoClient({
  baseUrl,
  fetch: retryAfterFetch({ fetch: counting("staff"), maxWaitSeconds: 90 }),
  accessToken: () => staffToken,
});

const citizen = {
  email: `ciudadana-${randomBytes(6).toString("hex")}@example.mx`,
  password: `Luz-de-la-calle-${randomBytes(4).toString("hex")}`,
  name: "Rosa Elena Martínez Soto",
};

type Project = Schemas["PublicWorksProject"];
type MyRequest = Schemas["ServiceRequestsRequest"];
const works = new SyncedCollection<Project>(undefined, { pageSize: 3 });
const myRequests = new SyncedCollection<MyRequest>();
const report: { folio?: string; id?: string } = {};
const figures: Record<string, unknown> = {};

const worksPage = (query: { limit: number; cursor?: string; updated_since?: string }) =>
  publicApi.GET("/v1/tenants/{tenant}/public-works/projects", {
    params: { path: { tenant: "durango" }, query: { ...query, include_descendants: true } },
  });
const mineOf = (tenant: string) => (query: { limit: number; cursor?: string; updated_since?: string }) =>
  api.GET("/v1/tenants/{tenant}/service-requests/requests/mine", { params: { path: { tenant }, query } });

// A valid CURP (RENAPO's rules and check digit) born 2005-03-12, woman, in
// Durango, with random letters so that every run applies anew.
function randomCurp(): string {
  const letters = "BCDFGHJKLMNPQRSTVWXYZ";
  const pick = () => letters[randomBytes(1)[0]! % letters.length]!;
  const prefix = `${pick()}A${pick()}${pick()}050312MDG${pick()}${pick()}${pick()}${pick()}`;
  const alphabet = "0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ";
  let total = 0;
  for (let i = 0; i < 17; i++) total += alphabet.indexOf(prefix[i]!) * (18 - i);
  return prefix + String((10 - (total % 10)) % 10);
}

// The staff moves a request through the workflow as the portal's back office would.
async function staffMovesRequest(id: string, status: "assigned" | "in_progress" | "resolved", notes: string) {
  const current = await staff.GET("/v1/tenants/{tenant}/service-requests/requests/{id}", {
    params: { path: { tenant: "municipio-durango", id } },
  });
  assert.equal(current.response.status, 200);
  const etag = current.response.headers.get("ETag");
  assert.ok(etag, "a request's GET has an ETag for If-Match");
  const moved = await staff.PATCH("/v1/tenants/{tenant}/service-requests/requests/{id}", {
    params: { path: { tenant: "municipio-durango", id }, header: { "If-Match": etag } },
    body: { status, status_notes: notes },
  });
  assert.equal(moved.response.status, 200, JSON.stringify(moved.error));
}

after(() => {
  mkdirSync(artifacts, { recursive: true });
  const phone = exchanges.filter((e) => e.who === "phone");
  const summary = {
    server: baseUrl,
    steps,
    total_ms: steps.reduce((n, s) => n + s.ms, 0),
    phone_requests: phone.length,
    phone_body_bytes: sum(phone, "body_bytes"),
    phone_gzip_bytes: sum(phone, "gzip_bytes"),
    rate_limited_answers: exchanges.filter((e) => e.status === 429).length,
    ...figures,
    exchanges,
  };
  writeFileSync(join(artifacts, "phone-day.json"), `${JSON.stringify(summary, null, 2)}\n`);
});

describe("a phone's day", () => {
  step("registers a citizen and signs in", async () => {
    const registered = await api.POST("/v1/auth/register", { body: citizen });
    assert.equal(registered.response.status, 201, JSON.stringify(registered.error));
    assert.equal(registered.data?.email, citizen.email);
    assert.ok(!JSON.stringify(registered.data).includes(citizen.password));

    const again = await api.POST("/v1/auth/register", { body: citizen });
    assert.equal(again.response.status, 409, "an email registers once");

    const wrong = await api.POST("/v1/auth/login", { body: { email: citizen.email, password: "no-es-la-clave" } });
    assert.equal(wrong.response.status, 401);
    assert.equal(wrong.error?.status, 401, "errors are problem documents");
    assert.ok(wrong.error?.detail, "with a Spanish detail to show");

    const login = await api.POST("/v1/auth/login", { body: { email: citizen.email, password: citizen.password } });
    assert.equal(login.response.status, 200);
    assert.equal(login.data?.token_type, "Bearer");
    assert.ok((login.data?.expires_in ?? 0) > 0);
    session = login.data;
    const me = await api.GET("/v1/me");
    assert.equal(me.response.status, 200);
    assert.equal(me.data?.email, citizen.email);
    assert.deepEqual(me.data?.roles, []);

    const admin = await staff.POST("/v1/auth/login", { body: { email: adminEmail, password: adminPassword } });
    assert.equal(admin.response.status, 200, "the bootstrap admin signs in");
    staffToken = admin.data?.access_token;
  });

  step("keeps the state's public works offline: ETags, updated_since, one change, a tombstone", async () => {
    // The first sync walks every page of the state and its municipalities.
    let from = exchanges.length;
    const first = await works.sync(worksPage);
    const full = phoneSince(from);
    assert.equal(first.full, true);
    assert.ok(first.pages >= 2, "pages of 3 walked by cursor");
    assert.ok(works.size >= 6, `the demo's published works (got ${works.size})`);
    assert.deepEqual([...new Set(works.values().map((w) => w.tenant))].sort(), [
      "durango",
      "municipio-durango",
      "tepehuanes",
    ]);
    assert.ok(works.watermark);
    figures.full_sync = {
      items: works.size,
      pages: first.pages,
      body_bytes: sum(full, "body_bytes"),
      gzip_bytes: sum(full, "gzip_bytes"),
    };

    // Opening the list again: every page revalidated, nothing downloaded.
    from = exchanges.length;
    const again = new SyncedCollection<Project>(undefined, { pageSize: 3 });
    await again.sync(worksPage);
    const revalidated = phoneSince(from);
    assert.deepEqual(
      revalidated.map((e) => e.status),
      full.map(() => 304),
    );
    assert.equal(sum(revalidated, "body_bytes"), 0, "a 304 has no body");
    assert.deepEqual(again.toJSON(), works.toJSON(), "the stored bodies are the same list");
    const page = await worksPage({ limit: 3 });
    assert.equal(page.response.headers.get(cacheHeader), "revalidated");
    figures.revalidation = { requests: revalidated.length + 1, body_bytes: 0 };

    // Nothing changed: a delta sync is one tiny page, then a 304.
    from = exchanges.length;
    assert.deepEqual(await works.sync(worksPage), { full: false, pages: 1, upserted: 0, removed: 0 });
    assert.deepEqual(await works.sync(worksPage), { full: false, pages: 1, upserted: 0, removed: 0 });
    const idle = phoneSince(from);
    assert.deepEqual(
      idle.map((e) => e.status),
      [200, 304],
    );
    figures.empty_delta = { body_bytes: sum(idle, "body_bytes") };

    // The municipality's staff edit one work, as they read it (If-Match).
    const target = works.values().find((w) => w.tenant === "municipio-durango");
    assert.ok(target);
    const read = await staff.GET("/v1/tenants/{tenant}/public-works/projects/{id}", {
      params: { path: { tenant: "municipio-durango", id: target.id } },
    });
    const etag = read.response.headers.get("ETag");
    assert.ok(etag);
    const original = read.data?.description ?? null;
    const edited = `${original ?? ""} Se amplió el horario de obra.`.trim();
    const patched = await staff.PATCH("/v1/tenants/{tenant}/public-works/projects/{id}", {
      params: { path: { tenant: "municipio-durango", id: target.id }, header: { "If-Match": etag } },
      body: { description: edited },
    });
    assert.equal(patched.response.status, 200, JSON.stringify(patched.error));
    const stale = await staff.PATCH("/v1/tenants/{tenant}/public-works/projects/{id}", {
      params: { path: { tenant: "municipio-durango", id: target.id }, header: { "If-Match": etag } },
      body: { description: "otra edición sin conexión" },
    });
    assert.equal(stale.response.status, 412, "an offline edit never overwrites a newer one");

    // The resync downloads that work only.
    const before = works.size;
    from = exchanges.length;
    assert.deepEqual(await works.sync(worksPage), { full: false, pages: 1, upserted: 1, removed: 0 });
    const resync = phoneSince(from);
    assert.equal(works.size, before);
    assert.equal(works.get(target.id)?.description, edited);
    const fullBytes = (figures.full_sync as { body_bytes: number }).body_bytes;
    const resyncBytes = sum(resync, "body_bytes");
    assert.ok(
      resyncBytes * 4 < fullBytes,
      `the resync after one change (${resyncBytes} B) is a small part of the full list (${fullBytes} B)`,
    );
    figures.resync_after_one_change = {
      items: 1,
      body_bytes: resyncBytes,
      gzip_bytes: sum(resync, "gzip_bytes"),
      fraction_of_full: Number((resyncBytes / fullBytes).toFixed(3)),
    };

    // Unpublished: the phone gets a tombstone and drops it; published again: back.
    const unpublished = await staff.POST("/v1/tenants/{tenant}/public-works/projects/{id}/unpublish", {
      params: { path: { tenant: "municipio-durango", id: target.id } },
    });
    assert.equal(unpublished.response.status, 200, JSON.stringify(unpublished.error));
    from = exchanges.length;
    assert.deepEqual(await works.sync(worksPage), { full: false, pages: 1, upserted: 0, removed: 1 });
    assert.equal(works.get(target.id), undefined);
    assert.equal(works.size, before - 1);
    figures.tombstone_sync = { body_bytes: sum(phoneSince(from), "body_bytes") };
    const republished = await staff.POST("/v1/tenants/{tenant}/public-works/projects/{id}/publish", {
      params: { path: { tenant: "municipio-durango", id: target.id } },
    });
    assert.equal(republished.response.status, 200, JSON.stringify(republished.error));

    // The demo is left as it was (the portal's tests read it next).
    const reread = await staff.GET("/v1/tenants/{tenant}/public-works/projects/{id}", {
      params: { path: { tenant: "municipio-durango", id: target.id } },
    });
    const restored = await staff.PATCH("/v1/tenants/{tenant}/public-works/projects/{id}", {
      params: {
        path: { tenant: "municipio-durango", id: target.id },
        header: { "If-Match": reread.response.headers.get("ETag") ?? "" },
      },
      body: { description: original },
    });
    assert.equal(restored.response.status, 200, JSON.stringify(restored.error));
    assert.deepEqual(await works.sync(worksPage), { full: false, pages: 1, upserted: 1, removed: 0 });
    assert.equal(works.size, before);
    assert.equal(works.get(target.id)?.description, original);
  });

  step("searches a procedure", async () => {
    const search = () =>
      publicApi.GET("/v1/tenants/{tenant}/procedure-registry/procedures", {
        params: { path: { tenant: "municipio-durango" }, query: { q: "licencia construccion" } },
      });
    const found = await search();
    assert.equal(found.response.status, 200);
    const first = found.data?.items.filter(live)[0];
    assert.equal(first?.name, "Licencia de construcción", "accents and case do not matter");
    assert.ok(first?.homoclave);
    const again = await search();
    assert.equal(again.response.headers.get(cacheHeader), "revalidated");
    assert.equal(again.data?.items[0]?.id, first?.id);
  });

  step("applies for the state's open scholarship and sees it among its own", async () => {
    const calls = await publicApi.GET("/v1/tenants/{tenant}/scholarships/calls", {
      params: { path: { tenant: "durango" } },
    });
    assert.equal(calls.response.status, 200);
    const open = calls.data?.items.filter(live).find((call) => call.open);
    assert.ok(open, "the demo's state call is open");
    const application: Schemas["ScholarshipsApplicationInput"] = {
      curp: randomCurp(),
      full_name: "ROSA ELENA MARTINEZ SOTO",
      birth_date: "2005-03-12",
      sex: "M",
      email: citizen.email,
      phone: "6181234567",
      address: { street: "Calle Negrete", exterior_number: "410", neighborhood: "Zona Centro", municipality_code: "10005", postal_code: "34000" },
      education_level: "superior",
      school: "Universidad Juárez del Estado de Durango",
      gpa: 9.1,
      answers: Object.fromEntries((open.questions ?? []).map((q) => [q.code, "Para pagar el transporte a la universidad."])),
      privacy_notice_accepted: true,
    };
    const sent = await api.POST("/v1/tenants/{tenant}/scholarships/calls/{id}/applications", {
      params: { path: { tenant: "durango", id: open.id } },
      body: application,
    });
    assert.equal(sent.response.status, 201, JSON.stringify(sent.error));
    assert.equal(sent.data?.status, "submitted");
    const twice = await api.POST("/v1/tenants/{tenant}/scholarships/calls/{id}/applications", {
      params: { path: { tenant: "durango", id: open.id } },
      body: application,
    });
    assert.equal(twice.response.status, 409, "one application per CURP per call");
    assert.ok(twice.error?.detail);

    const mine = await api.GET("/v1/tenants/{tenant}/scholarships/my-applications", {
      params: { path: { tenant: "durango" } },
    });
    assert.equal(mine.response.status, 200);
    assert.deepEqual(
      mine.data?.items.map((a) => [a.id, a.status]),
      [[sent.data?.id, "submitted"]],
    );
  });

  step("reports a broken street light through Open311 and follows it", async () => {
    // The app's publisher gets its key from the municipality, once.
    const issued = await staff.POST("/v1/tenants/{tenant}/service-requests/api-keys", {
      params: { path: { tenant: "municipio-durango" } },
      body: { name: "Durango Ciudadano (app)" },
    });
    assert.equal(issued.response.status, 201, JSON.stringify(issued.error));
    const apiKey = issued.data?.key;
    assert.ok(apiKey);

    const services = await publicApi.GET("/v1/tenants/{tenant}/service-requests/open311/v2/services.json", {
      params: { path: { tenant: "municipio-durango" } },
    });
    const lights = services.data?.find((s) => s.service_code === "alumbrado-publico");
    assert.equal(lights?.service_name, "Alumbrado público");
    assert.match(lights?.keywords ?? "", /luminaria/);
    const definition = await publicApi.GET(
      "/v1/tenants/{tenant}/service-requests/open311/v2/services/{service_code}.json",
      { params: { path: { tenant: "municipio-durango", service_code: "alumbrado-publico" } } },
    );
    const falla = definition.data?.attributes.find((a) => a.code === "falla");
    assert.equal(falla?.required, true);
    assert.ok(falla?.values?.some((v) => v.key === "apagada"));

    const path = "/v1/tenants/{tenant}/service-requests/open311/v2/requests.json" as const;
    const streetLight = {
      service_code: "alumbrado-publico",
      lat: "24.02395",
      long: "-104.66912",
      address_string: "Calle Negrete 410, Zona Centro",
      description: "La luminaria frente al número 410 está apagada desde hace tres noches.",
      // attribute[code]=value as the typed body spells it (open311Form also nests objects).
      "attribute[falla]": "apagada",
    };
    const keyless = await api.POST(path, {
      params: { path: { tenant: "municipio-durango" } },
      body: streetLight,
      ...open311Form,
    });
    assert.equal(keyless.response.status, 403);
    assert.ok(isOpen311Errors(keyless.error) && keyless.error[0]?.code === 403, "Open311's error array");

    // Signed in as well: the report is filed under the citizen's account.
    const posted = await api.POST(path, {
      params: { path: { tenant: "municipio-durango" } },
      body: { ...streetLight, api_key: apiKey },
      ...open311Form,
    });
    assert.equal(posted.response.status, 200, JSON.stringify(posted.error));
    report.folio = posted.data?.[0]?.service_request_id;
    assert.ok(report.folio, "a realtime service answers the folio at once");
    assert.match(posted.data?.[0]?.service_notice ?? "", /folio/);

    const followed = async () => {
      const read = await publicApi.GET(
        "/v1/tenants/{tenant}/service-requests/open311/v2/requests/{service_request_id}.json",
        { params: { path: { tenant: "municipio-durango", service_request_id: report.folio! } } },
      );
      assert.equal(read.response.status, 200);
      return read.data?.[0];
    };
    assert.equal((await followed())?.status, "open");

    assert.deepEqual(await myRequests.sync(mineOf("municipio-durango")), {
      full: true,
      pages: 1,
      upserted: 1,
      removed: 0,
    });
    const mine = myRequests.values()[0];
    assert.equal(mine?.service_request_id, report.folio);
    assert.equal(mine?.status, "received");
    report.id = mine?.id;

    // Staff attend it; each change reaches the phone through both doors.
    await staffMovesRequest(report.id!, "assigned", "Asignado a la cuadrilla de alumbrado 2.");
    assert.equal((await followed())?.status, "open");
    assert.deepEqual(await myRequests.sync(mineOf("municipio-durango")), {
      full: false,
      pages: 1,
      upserted: 1,
      removed: 0,
    });
    assert.equal(myRequests.get(report.id!)?.status, "assigned");

    await staffMovesRequest(report.id!, "resolved", "Se cambió la luminaria por una LED.");
    const closed = await followed();
    assert.equal(closed?.status, "closed");
    assert.equal(closed?.status_notes, "Se cambió la luminaria por una LED.");
    const from = exchanges.length;
    await myRequests.sync(mineOf("municipio-durango"));
    assert.equal(myRequests.get(report.id!)?.status, "resolved");
    assert.equal(myRequests.get(report.id!)?.open311_status, "closed");
    figures.request_status_sync = { body_bytes: sum(phoneSince(from), "body_bytes") };
  });

  step("refreshes its tokens; a replayed refresh token ends the session", async () => {
    const old = session!;
    const refreshed = await api.POST("/v1/auth/refresh", { body: { refresh_token: old.refresh_token } });
    assert.equal(refreshed.response.status, 200);
    assert.notEqual(refreshed.data?.access_token, old.access_token);
    assert.notEqual(refreshed.data?.refresh_token, old.refresh_token);
    session = refreshed.data;
    assert.equal((await api.GET("/v1/me")).response.status, 200);

    const replayed = await api.POST("/v1/auth/refresh", { body: { refresh_token: old.refresh_token } });
    assert.equal(replayed.response.status, 401, "a refresh token works once");
    assert.equal(
      (await api.GET("/v1/me")).response.status,
      401,
      "its reuse revokes the whole family: the phone signs in again",
    );
    const login = await api.POST("/v1/auth/login", { body: { email: citizen.email, password: citizen.password } });
    assert.equal(login.response.status, 200);
    session = login.data;
  });

  step("retries a report with the same Idempotency-Key and gets one record", async () => {
    const key = randomUUID();
    const send = () =>
      api.POST("/v1/tenants/{tenant}/service-requests/requests", {
        params: { path: { tenant: "municipio-durango" }, header: { "Idempotency-Key": key } },
        body: {
          service_code: "alumbrado-publico",
          lat: 24.03012,
          long: -104.65001,
          description: "La lámpara del parque parpadea toda la noche.",
          attributes: { falla: "intermitente" },
        },
      });
    const first = await send();
    assert.equal(first.response.status, 201, JSON.stringify(first.error));
    const retry = await send(); // the answer was lost on a bad signal
    assert.equal(retry.response.status, 201);
    assert.equal(retry.response.headers.get("Idempotent-Replayed"), "true");
    assert.equal(retry.data?.id, first.data?.id);

    const before = myRequests.size;
    assert.deepEqual(await myRequests.sync(mineOf("municipio-durango")), {
      full: false,
      pages: 1,
      upserted: 1,
      removed: 0,
    });
    assert.equal(myRequests.size, before + 1, "one record for both attempts");
  });

  step("signs out: neither token works any more", async () => {
    const refreshToken = session!.refresh_token;
    const out = await api.POST("/v1/auth/logout");
    assert.equal(out.response.status, 204);
    assert.equal((await api.GET("/v1/me")).response.status, 401);
    const refreshed = await api.POST("/v1/auth/refresh", { body: { refresh_token: refreshToken } });
    assert.equal(refreshed.response.status, 401);
    session = undefined;
  });
});

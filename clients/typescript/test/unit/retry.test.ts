// src/retry.ts: 429/503 with Retry-After waited out and the request sent again.
import assert from "node:assert/strict";
import { test } from "node:test";

import { retryAfterFetch, retryAfterSeconds } from "../../src/index.js";

test("a 429 is waited out for Retry-After seconds and the same request (body included) sent again", async () => {
  const bodies: string[] = [];
  const waits: number[] = [];
  let calls = 0;
  const fetch = retryAfterFetch({
    fetch: async (request) => {
      bodies.push(await request.text());
      calls++;
      return calls === 1
        ? new Response("[]", { status: 429, headers: { "Retry-After": "2" } })
        : new Response("{}", { status: 201 });
    },
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  const response = await fetch("https://datos.example/v1/x", { method: "POST", body: '{"a":1}' });
  assert.equal(response.status, 201);
  assert.deepEqual(bodies, ['{"a":1}', '{"a":1}']);
  assert.deepEqual(waits, [2000]);
});

test("other errors, a missing or too long Retry-After, and a second refusal are answered as they are", async () => {
  const answers = [
    new Response("", { status: 400 }),
    new Response("", { status: 429 }),
    new Response("", { status: 429, headers: { "Retry-After": "3600" } }),
    new Response("", { status: 503, headers: { "Retry-After": "1" } }),
    new Response("", { status: 503, headers: { "Retry-After": "1" } }),
  ];
  let calls = 0;
  const fetch = retryAfterFetch({ fetch: async () => answers[calls++]!, sleep: async () => {} });
  assert.equal((await fetch("https://datos.example/")).status, 400);
  assert.equal((await fetch("https://datos.example/")).status, 429);
  assert.equal((await fetch("https://datos.example/")).status, 429);
  assert.equal((await fetch("https://datos.example/")).status, 503, "one retry, then the app decides");
  assert.equal(calls, 5);
  const at = Date.parse("2026-12-06T12:00:00Z");
  assert.equal(retryAfterSeconds(new Response("", { headers: { "Retry-After": "Sun, 06 Dec 2026 12:00:30 GMT" } }), at), 30);
  assert.equal(retryAfterSeconds(new Response("", { headers: { "Retry-After": "pronto" } })), undefined);
});

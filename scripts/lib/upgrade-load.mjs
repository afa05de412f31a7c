// Load and comparison of scripts/test.d/68-upgrade.sh (node, stdlib only).
//
//   node upgrade-load.mjs load --base URL --out DIR --token T [--readers 4 --read-rate 25
//        --writers 2 --write-rate 5 --login-email E --login-password P --login-rate 1]
//     Mixed load on the PREVIOUS release's server until SIGTERM/SIGINT: anonymous
//     reads of every module's public lists and of the core's, admin writes
//     (public-works drafts, then each read back by id), keep-alive, from several
//     loopback addresses. Every write is logged to DIR/attempted-writes.txt before it
//     is sent and to DIR/acked-writes.txt (id<TAB>title) as soon as its 201 arrives,
//     synchronously. With --login-email, login cycles too (login, /v1/me 200, logout
//     204, /v1/me 401: the token tables). Any answer other than the expected one is a failure (5xx counted
//     apart); DIR/stats.json holds the counts, the failures (first 50) and a
//     per-second timeline of requests/failures, written after in-flight requests end.
//   node upgrade-load.mjs compare --a URL --b URL --paths P1,P2,...
//     GET each path (anonymous) on both servers: every field of A's JSON answer must
//     be in B's with the same value (B, the new release, may add fields: expand),
//     and list answers must hold the same items in the same order. Prints JSON
//     {same: bool, paths: [{path, a, b, same, diff}]}.
import fs from 'node:fs';
import path from 'node:path';
import { parseOptions, sleep, now, json, destroyAgents, request, PROJECT } from './load-common.mjs';

const args = process.argv.slice(2);
const mode = args.shift();
const opt = parseOptions(args, 'upgrade-load');
const num = (name, dflt) => (opt[name] === undefined ? dflt : Number(opt[name]));

export const READ_PATHS = [
  '/v1/tenants?limit=20',
  '/v1/tenants/durango',
  '/v1/modules',
  '/v1/tenants/durango/public-works/projects?limit=20',
  '/v1/tenants/durango/public-works/projects?limit=20&include_descendants=true',
  '/v1/tenants/municipio-durango/procedure-registry/procedures?limit=20',
  '/v1/tenants/durango/open-government/plans?limit=20',
  '/v1/tenants/durango/scholarships/calls?limit=20',
  '/v1/tenants/gomez-palacio/service-requests/requests?limit=20',
];

async function load() {
  const base = opt.base;
  const out = opt.out;
  fs.mkdirSync(out, { recursive: true });
  const acked = fs.openSync(path.join(out, 'acked-writes.txt'), 'a');
  const attempted = fs.openSync(path.join(out, 'attempted-writes.txt'), 'a');
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const started = now();
  const stats = {
    started_ms: Math.round(started), reads: { ok: 0, fail: 0 }, writes: { ok: 0, fail: 0 },
    login_cycles: { ok: 0, fail: 0 }, requests: 0, failed: 0, server_errors: 0, failures: [], timeline: [], max_latency_ms: 0,
  };
  const second = (t) => {
    const s = Math.floor((t - started) / 1000);
    while (stats.timeline.length <= s) stats.timeline.push({ s: stats.timeline.length, requests: 0, failed: 0 });
    return stats.timeline[s];
  };
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { stopping = true; });

  function note(res, kind, what, expected) {
    stats.requests++;
    const t = now();
    stats.max_latency_ms = Math.max(stats.max_latency_ms, Math.round(t - res.sent));
    const slot = second(res.sent);
    slot.requests++;
    if (res.status === expected) return true;
    stats.failed++;
    slot.failed++;
    if (res.status >= 500) stats.server_errors++;
    if (stats.failures.length < 50) {
      stats.failures.push({ sent_ms: Math.round(res.sent), t_ms: Math.round(t), kind, what, status: res.status,
        error: res.error || (res.body || '').slice(0, 300) });
    }
    return false;
  }

  async function paced(ratePerSec, fn) {
    const interval = ratePerSec > 0 ? 1000 / ratePerSec : 0;
    let n = 0;
    while (!stopping) {
      const t0 = now();
      await fn(n++);
      const wait = interval - (now() - t0);
      if (wait > 0 && !stopping) await sleep(wait);
    }
  }

  const workers = [];
  for (let w = 0; w < num('readers', 4); w++) {
    const from = `127.0.1.${w + 1}`;
    workers.push(paced(num('read-rate', 25), async (n) => {
      const p = READ_PATHS[(n + w) % READ_PATHS.length];
      const res = await request(base, 'GET', p, { from });
      if (note(res, 'read', `GET ${p}`, 200)) stats.reads.ok++;
      else stats.reads.fail++;
    }));
  }
  for (let w = 0; w < num('writers', 2); w++) {
    workers.push(paced(num('write-rate', 5), async (n) => {
      const from = `127.0.3.${(n % 20) + 1 + w * 20}`;
      const title = `Obra actualización ${run}-${w}-${n}`;
      fs.writeSync(attempted, `${title}\n`);
      const res = await request(base, 'POST', '/v1/tenants/durango/public-works/projects',
        { body: { title, ...PROJECT }, token: opt.token, from });
      const id = res.status === 201 ? (json(res.body) || {}).id : undefined;
      if (res.status === 201 && !id) res.status = -201;
      if (!note(res, 'write', `POST projects "${title}"`, 201)) {
        stats.writes.fail++;
        return;
      }
      fs.writeSync(acked, `${id}\t${title}\n`);
      stats.writes.ok++;
      // Read back through the old binary: its prepared statements against the
      // table the new release is migrating.
      const back = await request(base, 'GET', `/v1/tenants/durango/public-works/projects/${id}`,
        { token: opt.token, from });
      if (!note(back, 'read', 'GET project just written', 200) || (json(back.body) || {}).title !== title) {
        if (back.status === 200) { stats.failed++; stats.failures.push({ what: 'read-back title differs', id }); }
      }
    }));
  }
  if (opt['login-email']) {
    workers.push(paced(num('login-rate', 1), async (n) => {
      const from = `127.0.2.${(n % 50) + 1}`;
      const login = await request(base, 'POST', '/v1/auth/login',
        { body: { email: opt['login-email'], password: opt['login-password'] }, from });
      if (!note(login, 'login', 'POST /v1/auth/login', 200)) {
        stats.login_cycles.fail++;
        return;
      }
      const token = (json(login.body) || {}).access_token;
      for (const [method, target, expected, what] of [
        ['GET', '/v1/me', 200, 'GET /v1/me (signed in)'],
        ['POST', '/v1/auth/logout', 204, 'POST /v1/auth/logout'],
        ['GET', '/v1/me', 401, 'GET /v1/me after logout'],
      ]) {
        if (!note(await request(base, method, target, { token, from }), 'login', what, expected)) {
          stats.login_cycles.fail++;
          return;
        }
      }
      stats.login_cycles.ok++;
    }));
  }
  await Promise.all(workers);
  stats.duration_s = (now() - started) / 1000;
  fs.closeSync(acked);
  fs.closeSync(attempted);
  fs.writeFileSync(path.join(out, 'stats.json'), `${JSON.stringify(stats, null, 1)}\n`);
  destroyAgents();
}

// Every field of a is in b with the same value; arrays: same length, element-wise.
function subsetDiff(a, b, where = '') {
  if (Array.isArray(a)) {
    if (!Array.isArray(b)) return `${where}: not an array in B`;
    if (a.length !== b.length) return `${where}: ${a.length} items in A, ${b.length} in B`;
    for (let i = 0; i < a.length; i++) {
      const d = subsetDiff(a[i], b[i], `${where}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (a && typeof a === 'object') {
    if (!b || typeof b !== 'object') return `${where}: not an object in B`;
    for (const k of Object.keys(a)) {
      // Signed cursors and links may be signed differently per process.
      if (k === 'next_cursor' || k === 'cursor') continue;
      if (!(k in b)) return `${where}.${k}: missing in B`;
      const d = subsetDiff(a[k], b[k], `${where}.${k}`);
      if (d) return d;
    }
    return null;
  }
  return a === b ? null : `${where}: ${JSON.stringify(a)} in A, ${JSON.stringify(b)} in B`;
}

async function compare() {
  const paths = (opt.paths || READ_PATHS.join(',')).split(',');
  const result = { same: true, paths: [] };
  for (const p of paths) {
    const [a, b] = await Promise.all([request(opt.a, 'GET', p), request(opt.b, 'GET', p)]);
    let diff = null;
    if (a.status !== 200 || b.status !== 200) diff = `status ${a.status} in A, ${b.status} in B`;
    else diff = subsetDiff(json(a.body), json(b.body));
    const items = (json(a.body) || {}).items;
    result.paths.push({ path: p, a: a.status, b: b.status, items: Array.isArray(items) ? items.length : null,
      same: !diff, diff });
    if (diff) result.same = false;
  }
  destroyAgents();
  console.log(JSON.stringify(result));
}

const modes = { load, compare };
if (!modes[mode]) {
  console.error('usage: upgrade-load.mjs load|compare --option value ...');
  process.exit(2);
}
modes[mode]().catch((e) => {
  console.error(`upgrade-load ${mode}: ${e.stack || e}`);
  process.exit(1);
});

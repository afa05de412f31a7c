// Load generator and probes of scripts/test.d/60-replicas.sh (node, stdlib only).
//
//   node replicas-load.mjs load --base URL --out DIR --token T --login-email E --login-password P
//        [--readers 6 --read-rate 40 --writers 2 --write-rate 5 --logins 1 --login-rate 1]
//     Mixed load through the proxy until SIGTERM/SIGINT: anonymous reads of public
//     lists, admin writes (public-works drafts), and login cycles (login, /v1/me 200,
//     logout 204, /v1/me 401: the last two usually reach other replicas than the
//     login, so every cycle checks shared revocation too). Each worker keeps HTTP/1.1
//     keep-alive connections from its own loopback addresses (127.0.1.x, 127.0.2.x,
//     127.0.3.x): every address is a separate client for the rate limits, as many
//     citizens are. Rates are per worker (requests or cycles per second, paced).
//     On a signal, in-flight requests finish, then DIR/stats.json is written.
//     Every write is logged to DIR/attempted-writes.txt before it is sent and to
//     DIR/acked-writes.txt (id<TAB>title) as soon as its 201 arrives, synchronously,
//     so the files survive anything short of the machine dying.
//   node replicas-load.mjs visibility --replicas URL,URL,URL --token T --rounds N
//     A write on replica i (create + publish a project) against anonymous readers on
//     the other two replicas whose cache holds the old answer: prints the delays (ms,
//     from the publish's 2xx to the first read showing the project) as JSON.
//   node replicas-load.mjs ratelimit --replicas URL,URL,URL --limit N --sync-ms M [--via URL]
//     From 127.0.0.9 (not a trusted proxy, so the client itself) spends the auth
//     bucket on replica 1, then polls replicas 2 and 3 until they refuse: JSON.
//     With --via (the proxy), the same from 127.0.0.10 through it.
//   node replicas-load.mjs revocation --replicas URL,URL,URL --email E --password P
//     Login on replica 1, /v1/me 200 on all three, logout on replica 1, /v1/me 401 on
//     all three at once afterwards: JSON.
import fs from 'node:fs';
import path from 'node:path';
import { destroyAgents, json, now, paced as pacedUntil, parseOptions, request, sleep, PROJECT } from './load-common.mjs';

const args = process.argv.slice(2);
const mode = args.shift();
const opt = parseOptions(args, 'replicas-load');
const num = (name, dflt) => (opt[name] === undefined ? dflt : Number(opt[name]));

// ------------------------------------------------------------------- load
async function load() {
  const base = opt.base;
  const out = opt.out;
  fs.mkdirSync(out, { recursive: true });
  const acked = fs.openSync(path.join(out, 'acked-writes.txt'), 'a');
  const attempted = fs.openSync(path.join(out, 'attempted-writes.txt'), 'a');
  const run = `${process.pid}-${Date.now().toString(36)}`;
  const stats = {
    started_ms: now(), reads: { ok: 0, fail: 0 }, writes: { ok: 0, fail: 0 },
    login_cycles: { ok: 0, fail: 0 }, requests: 0, replicas: {}, failures: [],
  };
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { stopping = true; });

  const readPaths = [
    '/v1/tenants/durango/public-works/projects?limit=20',
    '/v1/tenants/durango/public-works/projects?limit=20&include_descendants=true',
    '/v1/tenants?limit=20',
    '/v1/tenants/durango',
    '/v1/tenants/municipio-durango/procedure-registry/procedures?limit=20',
    '/v1/tenants/durango/public-works/summary?include_descendants=true',
  ];

  function note(res, kind, what, expected) {
    stats.requests++;
    const replica = res.headers && res.headers['x-replica'];
    if (replica) stats.replicas[replica] = (stats.replicas[replica] || 0) + 1;
    if (res.status === expected) return true;
    stats.failures.push({
      sent_ms: Math.round(res.sent), t_ms: Math.round(now()), kind, what, status: res.status, replica: replica || null,
      error: res.error || (res.body || '').slice(0, 200),
    });
    return false;
  }

  const paced = (ratePerSec, fn) => pacedUntil(ratePerSec, () => stopping, fn);

  const workers = [];
  for (let w = 0; w < num('readers', 6); w++) {
    const from = `127.0.1.${w + 1}`;
    workers.push(paced(num('read-rate', 40), async (n) => {
      const p = readPaths[(n + w) % readPaths.length];
      const res = await request(base, 'GET', p, { from });
      if (note(res, 'read', `GET ${p}`, 200)) stats.reads.ok++;
      else stats.reads.fail++;
    }));
  }
  for (let w = 0; w < num('writers', 2); w++) {
    workers.push(paced(num('write-rate', 5), async (n) => {
      const from = `127.0.3.${(n % 20) + 1 + w * 20}`; // 20 addresses per writer
      const title = `Obra réplica ${run}-${w}-${n}`;
      fs.writeSync(attempted, `${title}\n`);
      const res = await request(base, 'POST', '/v1/tenants/durango/public-works/projects',
        { body: { title, ...PROJECT }, token: opt.token, from });
      const id = res.status === 201 ? (json(res.body) || {}).id : undefined;
      if (res.status === 201 && !id) res.status = -201; // a 201 without an id is a failure too
      if (note(res, 'write', `POST projects "${title}"`, 201)) {
        fs.writeSync(acked, `${id}\t${title}\n`);
        stats.writes.ok++;
      } else {
        stats.writes.fail++;
      }
    }));
  }
  for (let w = 0; w < num('logins', 1); w++) {
    workers.push(paced(num('login-rate', 1), async (n) => {
      const from = `127.0.2.${(n % 50) + 1 + w * 50}`; // auth bucket: 20 per address per minute
      const login = await request(base, 'POST', '/v1/auth/login',
        { body: { email: opt['login-email'], password: opt['login-password'] }, from });
      if (!note(login, 'login', 'POST /v1/auth/login', 200)) {
        stats.login_cycles.fail++;
        return;
      }
      const token = (json(login.body) || {}).access_token;
      const steps = [
        ['GET', '/v1/me', 200, 'GET /v1/me (signed in)'],
        ['POST', '/v1/auth/logout', 204, 'POST /v1/auth/logout'],
        ['GET', '/v1/me', 401, 'GET /v1/me after logout (must be 401 on every replica)'],
      ];
      for (const [method, target, expected, what] of steps) {
        const res = await request(base, method, target, { token, from });
        if (!note(res, 'login', what, expected)) {
          stats.login_cycles.fail++;
          return;
        }
      }
      stats.login_cycles.ok++;
    }));
  }
  await Promise.all(workers);
  stats.stopped_ms = now();
  stats.duration_s = (stats.stopped_ms - stats.started_ms) / 1000;
  stats.failed = stats.reads.fail + stats.writes.fail + stats.login_cycles.fail;
  fs.closeSync(acked);
  fs.closeSync(attempted);
  fs.writeFileSync(path.join(out, 'stats.json'), `${JSON.stringify(stats, null, 1)}\n`);
  destroyAgents();
}

// ------------------------------------------------------------- visibility
async function visibility() {
  const replicas = opt.replicas.split(',');
  const rounds = num('rounds', 3);
  const result = { bound_ms: num('bound-ms', 100), rounds: [] };
  for (let r = 0; r < rounds; r++) {
    const writer = r % replicas.length;
    const readers = replicas.map((u, i) => i).filter((i) => i !== writer);
    const title = `Visibilidad ${process.pid}-${Date.now().toString(36)}-${r}`;
    const list = `/v1/tenants/durango/public-works/projects?limit=20&q=${encodeURIComponent(title)}`;
    // The readers' caches hold the empty answer first (twice: the second is served
    // from their cache), so the test sees stale-cache invalidation, not a miss.
    for (let k = 0; k < 2; k++) {
      for (const i of readers) {
        const res = await request(replicas[i], 'GET', list, { from: '127.0.0.12' });
        if (res.status !== 200 || (json(res.body) || {}).items?.length !== 0) {
          throw new Error(`visibility: warm-up read on replica ${i + 1}: ${res.status} ${res.body}`);
        }
      }
    }
    const created = await request(replicas[writer], 'POST', '/v1/tenants/durango/public-works/projects',
      { body: { title, ...PROJECT }, token: opt.token, from: '127.0.0.12' });
    const id = (json(created.body) || {}).id;
    if (created.status !== 201 || !id) throw new Error(`visibility: create: ${created.status} ${created.body}`);
    const published = await request(replicas[writer], 'POST',
      `/v1/tenants/durango/public-works/projects/${id}/publish`, { token: opt.token, from: '127.0.0.12' });
    const acked = now();
    if (published.status !== 200) throw new Error(`visibility: publish: ${published.status} ${published.body}`);
    const own = await request(replicas[writer], 'GET', list, { from: '127.0.0.12' });
    const ownSees = (json(own.body) || {}).items?.some((it) => it.id === id) === true;
    // Each reader is read back to back until it shows the project. A stale answer
    // to a read sent at t (ms after the publish's 2xx) means that replica served
    // the old generation at some time in [t, answer]: `last_stale_sent_ms` is the
    // certain part (what the bound is checked against), `seen_ms` the answer time
    // of the first fresh read (an upper bound, request latency included).
    const per = await Promise.all(readers.map(async (i) => {
      const o = { replica: i + 1, seen_ms: null, last_stale_sent_ms: null, last_stale_answered_ms: null, stale_reads: 0 };
      while (now() < acked + 5000) {
        const sent = now() - acked;
        const res = await request(replicas[i], 'GET', list, { from: '127.0.0.12' });
        const answered = now() - acked;
        if (res.status === 200 && (json(res.body) || {}).items?.some((it) => it.id === id)) {
          o.seen_ms = Math.round(answered * 10) / 10;
          break;
        }
        o.stale_reads++;
        o.last_stale_sent_ms = Math.round(sent * 10) / 10;
        o.last_stale_answered_ms = Math.round(answered * 10) / 10;
      }
      return o;
    }));
    result.rounds.push({ writer: writer + 1, own_replica_sees_at_once: ownSees, readers: per });
  }
  const readers = result.rounds.flatMap((r) => r.readers);
  result.all_seen = readers.every((o) => o.seen_ms !== null) && result.rounds.every((r) => r.own_replica_sees_at_once);
  result.max_seen_ms = Math.max(...readers.map((o) => o.seen_ms ?? Infinity));
  result.max_last_stale_sent_ms = Math.max(0, ...readers.map((o) => o.last_stale_sent_ms ?? 0));
  result.max_last_stale_answered_ms = Math.max(0, ...readers.map((o) => o.last_stale_answered_ms ?? 0));
  console.log(JSON.stringify(result));
}
// --------------------------------------------------------------- ratelimit
async function ratelimit() {
  const replicas = opt.replicas.split(',');
  const limit = num('limit', 20);
  const syncMs = num('sync-ms', 200);
  const refresh = { body: { refresh_token: 'no-es-un-token-valido' } };
  const result = { limit, sync_ms: syncMs };

  // Windows are fixed and aligned to the epoch (now / window): a check that
  // straddles a boundary would see the count restart. Start well inside one.
  const windowMs = num('window-s', 60) * 1000;
  async function spend(target, from, n) {
    const left = windowMs - (Date.now() % windowMs);
    if (left < 15000) await sleep(left + 50);
    const statuses = [];
    for (let k = 0; k < n; k++) {
      statuses.push((await request(target, 'POST', '/v1/auth/refresh', { ...refresh, from })).status);
    }
    return statuses;
  }
  // Direct: the whole bucket on replica 1.
  const direct = await spend(replicas[0], '127.0.0.9', limit);
  result.direct_spent_statuses = [...new Set(direct)];
  result.direct_spent_refused = direct.filter((s) => s === 429).length;
  const t0 = now();
  result.direct_next_on_replica1 = (await request(replicas[0], 'POST', '/v1/auth/refresh',
    { ...refresh, from: '127.0.0.9' })).status;
  // The others learn the count at their next synchronisations (<= 2 x sync),
  // both polled at once from the same start.
  await Promise.all([1, 2].map(async (i) => {
    let waited = null;
    let tries = 0;
    while (now() - t0 < 5000) {
      const { status } = await request(replicas[i], 'POST', '/v1/auth/refresh', { ...refresh, from: '127.0.0.9' });
      tries++;
      if (status === 429) {
        waited = Math.round(now() - t0);
        break;
      }
      await sleep(10);
    }
    result[`direct_replica${i + 1}_refused_after_ms`] = waited;
    result[`direct_replica${i + 1}_requests_before_refusal`] = tries - 1;
  }));
  if (opt.via) {
    // Through the proxy, from another client: the proxy's X-Forwarded-For names it.
    const spent = await spend(opt.via, '127.0.0.10', limit);
    result.via_spent_refused = spent.filter((s) => s === 429).length;
    // Then through the proxy until three answers in a row are 429 from three
    // different replicas (each learns the total at its next synchronisations).
    const t1 = now();
    const seq = [];
    while (now() - t1 < 5000) {
      const res = await request(opt.via, 'POST', '/v1/auth/refresh', { ...refresh, from: '127.0.0.10' });
      seq.push({ status: res.status, replica: res.headers?.['x-replica'] || null, t_ms: Math.round(now() - t1) });
      const last = seq.slice(-3);
      if (last.length === 3 && last.every((x) => x.status === 429) && new Set(last.map((x) => x.replica)).size === 3) break;
      await sleep(10);
    }
    const last = seq.slice(-3);
    result.via_all_refuse = last.length === 3 && last.every((x) => x.status === 429) && new Set(last.map((x) => x.replica)).size === 3;
    result.via_all_refuse_after_ms = result.via_all_refuse ? seq[seq.length - 3].t_ms : null;
    result.via_answers_before = seq.slice(0, -3).map((x) => `${x.replica}:${x.status}`);
    // Another client through the same proxy is not refused.
    result.via_other_client = (await request(opt.via, 'POST', '/v1/auth/refresh',
      { ...refresh, from: '127.0.0.13' })).status;
  }
  console.log(JSON.stringify(result));
}

// -------------------------------------------------------------- revocation
async function revocation() {
  const replicas = opt.replicas.split(',');
  const from = '127.0.0.11';
  const login = await request(replicas[0], 'POST', '/v1/auth/login',
    { body: { email: opt.email, password: opt.password }, from });
  const token = (json(login.body) || {}).access_token;
  if (login.status !== 200 || !token) throw new Error(`revocation: login: ${login.status} ${login.body}`);
  const me = async () => Promise.all(replicas.map(async (u) =>
    (await request(u, 'GET', '/v1/me', { token, from })).status));
  const before = await me();
  const logout = (await request(replicas[0], 'POST', '/v1/auth/logout', { token, from })).status;
  const after = await me();
  console.log(JSON.stringify({ before, logout, after }));
}

const modes = { load, visibility, ratelimit, revocation };
if (!modes[mode]) {
  console.error('usage: replicas-load.mjs load|visibility|ratelimit|revocation --option value ...');
  process.exit(2);
}
modes[mode]().catch((e) => {
  console.error(`replicas-load ${mode}: ${e.stack || e}`);
  process.exit(1);
});

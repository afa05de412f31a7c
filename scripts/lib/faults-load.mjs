// Load generator and probes of scripts/test.d/65-faults.sh (node, stdlib only).
//
//   node faults-load.mjs load --base URL --out DIR --setup FILE [--phase N]
//        [--readers 4 --read-rate 30 --write-scale 1 --login-rate 0.5]
//     Mixed load until SIGTERM/SIGINT, with keep-alive connections from many
//     loopback addresses (each a client of its own for the rate limits):
//       reads   anonymous GETs of every module's public lists and the core's
//               (127.0.1.x);
//       writes  public-works drafts, procedure-registry procedures and
//               open-government commitments by the admin, scholarship
//               applications by a citizen (a new valid CURP each), and
//               service-requests reports by the citizen, as JSON and through
//               Open311 with an API key (127.0.3.x-127.0.8.x);
//       logins  login, /v1/me 200, logout 204, /v1/me 401 (127.0.2.x).
//     FILE (JSON, written by the script's setup) holds the tokens, the call,
//     commitment and service codes, the API key. Every write is logged to
//     DIR/attempted-writes.txt before it is sent and to DIR/acked-writes.txt
//     (module<TAB>key) as soon as its 2xx arrives, synchronously. Every request
//     goes to DIR/requests.ndjson (sent time, latency, kind, route, status,
//     Retry-After, error); on the signal, in-flight requests finish, then
//     DIR/stats.json is written.
//   node faults-load.mjs visibility --a URL --b URL --token T [--rounds 5]
//     A project created and published on server A against anonymous readers
//     of server B whose cache holds the old answer: JSON with, per round, the
//     delay (ms after the publish's 2xx) of the last stale answer and the first
//     fresh one.
//   node faults-load.mjs ratelimit --base URL --limit N --from ADDR
//     Spends the auth bucket (POST /v1/auth/refresh with a bogus token) from one
//     address: JSON {statuses: [...]} of limit + 2 attempts.
//   node faults-load.mjs burst --base URL --token T --path P [--n 300 --c 16]
//     Closed loop: N GETs of P with C at a time: JSON {rps, statuses, p50, max}.
import fs from 'node:fs';
import path from 'node:path';
import { destroyAgents, json, now, paced, parseOptions, request, sleep, PROJECT } from './load-common.mjs';

const args = process.argv.slice(2);
const mode = args.shift();
const opt = parseOptions(args, 'faults-load');
const num = (name, dflt) => (opt[name] === undefined ? dflt : Number(opt[name]));

// ------------------------------------------------------------------ CURPs
// A valid CURP (the checks of plugins/scholarships/src/curp.cc) unique per
// (phase, n): the four initials spell n in base 26, the inner consonants the
// phase; born 2006-04-18 (eligible: 15-29), woman, Durango.
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const CONSONANTS = 'BCDFGHJKLMNPQRSTVWXYZ';
function checkDigit(prefix) {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = prefix[i];
    const v = c >= '0' && c <= '9' ? c.charCodeAt(0) - 48 : 10 + (c.charCodeAt(0) - 65) + (c > 'N' ? 1 : 0);
    sum += v * (18 - i);
  }
  return (10 - (sum % 10)) % 10;
}
export function curpFor(phase, n) {
  let x = n;
  let initials = '';
  for (let i = 0; i < 4; i++) {
    initials = LETTERS[x % 26] + initials;
    x = Math.floor(x / 26);
  }
  const p = phase % (21 * 21);
  const inner = CONSONANTS[Math.floor(p / 21)] + CONSONANTS[p % 21] + 'R';
  const prefix = `${initials}060418MDG${inner}${LETTERS[Math.floor(n / 456976) % 26]}`;
  return prefix + checkDigit(prefix);
}

// ------------------------------------------------------------------- load
async function load() {
  const base = opt.base;
  const out = opt.out;
  const setup = JSON.parse(fs.readFileSync(opt.setup, 'utf8'));
  const phase = num('phase', 0);
  const scale = num('write-scale', 1);
  fs.mkdirSync(out, { recursive: true });
  const acked = fs.openSync(path.join(out, 'acked-writes.txt'), 'a');
  const attempted = fs.openSync(path.join(out, 'attempted-writes.txt'), 'a');
  const log = path.join(out, 'requests.ndjson');
  let pending = [];
  const flush = () => {
    if (pending.length) fs.appendFileSync(log, pending.join(''));
    pending = [];
  };
  const flusher = setInterval(flush, 500);
  const run = `${phase}${process.pid.toString(36)}${Date.now().toString(36)}`.toUpperCase();
  const stats = { started_ms: now(), requests: 0, ok: 0, by_route: {} };
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { stopping = true; });
  const stop = () => stopping;

  // kind: read | write | login; route: a short label; expected: the status it should have.
  function note(res, kind, route, expected) {
    stats.requests++;
    const ok = res.status === expected;
    if (ok) stats.ok++;
    const r = (stats.by_route[route] ||= { ok: 0, other: 0 });
    if (ok) r.ok++;
    else r.other++;
    pending.push(`${JSON.stringify({
      t: Math.round(res.sent), ms: Math.round(res.ms * 10) / 10, k: kind, r: route, s: res.status, x: expected,
      ra: (res.headers && res.headers['retry-after']) || null,
      e: ok ? null : (res.error || (res.body || '').slice(0, 160)),
    })}\n`);
    return ok;
  }

  const readPaths = [
    ['pw', '/v1/tenants/durango/public-works/projects?limit=20'],
    ['pw', '/v1/tenants/durango/public-works/summary?include_descendants=true'],
    ['pr', '/v1/tenants/durango/procedure-registry/procedures?limit=20'],
    ['pr', '/v1/tenants/municipio-durango/procedure-registry/procedures?limit=20'],
    ['og', '/v1/tenants/durango/open-government/plans?limit=20'],
    ['sch', '/v1/tenants/durango/scholarships/calls?limit=20'],
    ['sr', '/v1/tenants/gomez-palacio/service-requests/requests?limit=20'],
    ['sr', '/v1/tenants/gomez-palacio/service-requests/open311/v2/requests.json'],
    ['core', '/v1/tenants?limit=20'],
    ['core', '/v1/tenants/durango'],
    ['core', '/v1/modules'],
  ];
  const workers = [];
  for (let w = 0; w < num('readers', 4); w++) {
    const from = `127.0.1.${w + 1}`;
    workers.push(paced(num('read-rate', 30), stop, async (n) => {
      const [m, p] = readPaths[(n + w * 3) % readPaths.length];
      const res = await request(base, 'GET', p, { from });
      note(res, 'read', `GET ${m}`, 200);
    }));
  }

  // A writer: rate per second, a module label, the request, and how to find
  // the key to log (the record's id, or the Open311 folio).
  function writer(label, rate, slot, send, keyOf, expected = 201) {
    if (rate <= 0) return;
    workers.push(paced(rate * scale, stop, async (n) => {
      const from = `127.0.${3 + Math.floor(slot / 2)}.${(n % 100) + 1 + (slot % 2) * 100}`;
      const tag = `${run}-${n}`;
      fs.writeSync(attempted, `${label}\t${tag}\n`);
      const res = await send(n, tag, from);
      let key;
      if (res.status === expected) {
        key = keyOf(json(res.body));
        if (!key) res.status = -expected; // a 2xx without its id is a failure too
      }
      if (note(res, 'write', `POST ${label}`, expected)) fs.writeSync(acked, `${label}\t${key}\t${tag}\n`);
    }));
  }
  const admin = setup.admin_token;
  const citizen = setup.citizen_token;
  writer('pw', 3, 0, (n, tag, from) => request(base, 'POST', '/v1/tenants/durango/public-works/projects',
    { body: { title: `Obra falla ${tag}`, ...PROJECT }, token: admin, from }), (b) => b && b.id);
  writer('pr', 2, 1, (n, tag, from) => request(base, 'POST',
    '/v1/tenants/municipio-durango/procedure-registry/procedures',
    { body: { homoclave: `F-${tag}`.slice(0, 40), kind: 'procedure', name: `Trámite de prueba ${tag}` },
      token: admin, from }), (b) => b && b.id);
  writer('og', 2, 2, (n, tag, from) => request(base, 'POST',
    `/v1/tenants/durango/open-government/plans/${setup.plan_id}/commitments`,
    { body: { title: `Compromiso de prueba ${tag}` }, token: admin, from }), (b) => b && b.id);
  writer('sch', 1, 3, (n, tag, from) => request(base, 'POST',
    `/v1/tenants/durango/scholarships/calls/${setup.call_id}/applications`,
    { body: {
      curp: curpFor(phase, n), full_name: 'Solicitante de Prueba', birth_date: '2006-04-18', sex: 'M',
      address: { street: 'Calle Negrete', exterior_number: '100', postal_code: '34000', municipality_code: '10005' },
      phone: '6185550000', email: 'solicitante@correo.test', school: 'Colegio de Bachilleres',
      education_level: 'media_superior', gpa: 9.1, answers: { motivo: `Prueba ${tag}` },
      privacy_notice_accepted: true,
    }, token: citizen, from }), (b) => b && b.id);
  writer('sr', 1, 4, (n, tag, from) => request(base, 'POST', '/v1/tenants/gomez-palacio/service-requests/requests',
    { body: { service_code: setup.service_code, address_string: `Calle Falla ${n}, Gómez Palacio`,
      description: `Reporte de prueba ${tag}`, attributes: setup.service_attributes }, token: citizen, from }),
  (b) => b && b.id);
  writer('o311', 0.5, 5, (n, tag, from) => request(base, 'POST',
    '/v1/tenants/gomez-palacio/service-requests/open311/v2/requests.json',
    { form: { api_key: setup.api_key, service_code: setup.service_code,
      address_string: `Avenida Falla ${n}, Gómez Palacio`, description: `Reporte Open311 ${tag}`,
      ...Object.fromEntries(Object.entries(setup.service_attributes).map(([k, v]) => [`attribute[${k}]`, v])) },
    from }),
  (b) => Array.isArray(b) && b[0] && b[0].service_request_id, 200);

  const loginRate = num('login-rate', 0.5);
  if (loginRate > 0) {
    workers.push(paced(loginRate, stop, async (n) => {
      const from = `127.0.2.${(n % 200) + 1}`; // auth bucket: 20 per address per window
      const login = await request(base, 'POST', '/v1/auth/login',
        { body: { email: setup.login_email, password: setup.login_password }, from });
      if (!note(login, 'login', 'POST login', 200)) return;
      const token = (json(login.body) || {}).access_token;
      const steps = [
        ['GET', '/v1/me', 200, 'GET me'],
        ['POST', '/v1/auth/logout', 204, 'POST logout'],
        ['GET', '/v1/me', 401, 'GET me after logout'],
      ];
      for (const [method, target, expected, route] of steps) {
        if (!note(await request(base, method, target, { token, from }), 'login', route, expected)) return;
      }
    }));
  }
  await Promise.all(workers);
  clearInterval(flusher);
  flush();
  stats.stopped_ms = now();
  stats.duration_s = (stats.stopped_ms - stats.started_ms) / 1000;
  fs.closeSync(acked);
  fs.closeSync(attempted);
  fs.writeFileSync(path.join(out, 'stats.json'), `${JSON.stringify(stats, null, 1)}\n`);
  destroyAgents();
}

// ------------------------------------------------------------- visibility
async function visibility() {
  const a = opt.a;
  const b = opt.b;
  const from = '127.0.0.12';
  const result = { rounds: [] };
  for (let r = 0; r < num('rounds', 5); r++) {
    const title = `Coherencia ${process.pid}-${Date.now().toString(36)}-${r}`;
    const list = `/v1/tenants/durango/public-works/projects?limit=20&q=${encodeURIComponent(title)}`;
    for (let k = 0; k < 2; k++) { // B's cache holds the empty answer (the second read is a hit)
      const res = await request(b, 'GET', list, { from });
      if (res.status !== 200) throw new Error(`visibility: warm-up read on B: ${res.status} ${res.body}`);
    }
    const created = await request(a, 'POST', '/v1/tenants/durango/public-works/projects',
      { body: { title, ...PROJECT }, token: opt.token, from });
    const id = (json(created.body) || {}).id;
    if (created.status !== 201 || !id) throw new Error(`visibility: create: ${created.status} ${created.body}`);
    const published = await request(a, 'POST', `/v1/tenants/durango/public-works/projects/${id}/publish`,
      { token: opt.token, from });
    const acked = now();
    if (published.status !== 200) throw new Error(`visibility: publish: ${published.status} ${published.body}`);
    const o = { seen_ms: null, last_stale_sent_ms: null, stale_reads: 0 };
    while (now() < acked + 5000) {
      const sent = now() - acked;
      const res = await request(b, 'GET', list, { from });
      if (res.status === 200 && (json(res.body) || {}).items?.some((it) => it.id === id)) {
        o.seen_ms = Math.round((now() - acked) * 10) / 10;
        break;
      }
      o.stale_reads++;
      o.last_stale_sent_ms = Math.round(sent * 10) / 10;
    }
    result.rounds.push(o);
    await sleep(50);
  }
  result.all_seen = result.rounds.every((o) => o.seen_ms !== null);
  result.max_seen_ms = Math.max(...result.rounds.map((o) => o.seen_ms ?? Infinity));
  result.max_last_stale_sent_ms = Math.max(0, ...result.rounds.map((o) => o.last_stale_sent_ms ?? 0));
  console.log(JSON.stringify(result));
}

// --------------------------------------------------------------- ratelimit
async function ratelimit() {
  const limit = num('limit', 20);
  const statuses = [];
  for (let k = 0; k < limit + 2; k++) {
    statuses.push((await request(opt.base, 'POST', '/v1/auth/refresh',
      { body: { refresh_token: 'no-es-un-token-valido' }, from: opt.from })).status);
  }
  console.log(JSON.stringify({ limit, statuses }));
}

// ------------------------------------------------------------------- burst
async function burst() {
  const n = num('n', 300);
  const c = num('c', 16);
  const statuses = {};
  const lat = [];
  let next = 0;
  const t0 = now();
  await Promise.all(Array.from({ length: c }, async (_, i) => {
    while (next < n) {
      next++;
      const res = await request(opt.base, 'GET', opt.path, { token: opt.token, from: `127.0.9.${i + 1}` });
      statuses[res.status] = (statuses[res.status] || 0) + 1;
      lat.push(res.ms);
    }
  }));
  const s = (now() - t0) / 1000;
  lat.sort((x, y) => x - y);
  console.log(JSON.stringify({ n, c, rps: Math.round(n / s), statuses,
    p50_ms: Math.round(lat[Math.floor(lat.length / 2)]), max_ms: Math.round(lat[lat.length - 1]) }));
  destroyAgents();
}

const modes = { load, visibility, ratelimit, burst };
if (!modes[mode]) {
  console.error('usage: faults-load.mjs load|visibility|ratelimit|burst --option value ...');
  process.exit(2);
}
modes[mode]().catch((e) => {
  console.error(`faults-load ${mode}: ${e.stack || e}`);
  process.exit(1);
});

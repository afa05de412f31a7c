// Mixed load of bench/soak (node, stdlib only). Runs until SIGTERM/SIGINT, then
// lets in-flight requests finish and writes OUT/stats.json.
//
//   node soak-load.mjs --base URL --out DIR --token ADMIN_TOKEN
//        --login-email E --login-password P
//        [--readers 4 --read-rate 40 --export-rate 1 --writers 1 --write-rate 4 --logins 1 --login-rate 0.5]
//
// Readers: anonymous GETs of every module's public lists and items (public-works,
// open-government, procedure-registry, scholarships, service-requests incl. Open311)
// and of the core's lists, each reader from its own loopback address (127.0.4.x);
// one more worker downloads the state's exports (streamed CSV/JSON), one at a time.
// Writers: alternately a public-works draft (the admin's token) and a
// service-requests report by a signed-in citizen (the login user's token), from 40
// addresses each (the per-address write limits are not what is measured).
// Logins: login, GET /v1/me 200, logout 204, GET /v1/me 401 (Argon2id verify each
// time: the largest single allocation of the server, 64 MiB).
// Every unexpected status counts as a failure; the first 50 are kept in stats.json.
import fs from 'node:fs';
import path from 'node:path';
import { parseOptions, sleep, now, json, destroyAgents, request as requestFrom } from '../../scripts/lib/load-common.mjs';

const args = process.argv.slice(2);
const opt = parseOptions(args, 'soak-load');
const num = (name, dflt) => (opt[name] === undefined ? dflt : Number(opt[name]));
// Every request goes to the one server under load.
const request = (method, target, options) => requestFrom(opt.base, method, target, options);

const stats = {
  reads: { ok: 0, fail: 0 }, writes: { ok: 0, fail: 0 }, login_cycles: { ok: 0, fail: 0 },
  by_kind: {}, failures: [],
};
function note(res, kind, what, expected) {
  stats.by_kind[kind] = (stats.by_kind[kind] || 0) + 1;
  if (res.status === expected) return true;
  if (stats.failures.length < 50) {
    stats.failures.push({ t_ms: Math.round(now()), kind, what, status: res.status,
      error: res.error || (res.body || '').slice(0, 300) });
  }
  return false;
}

// The first item of a list (its `items`/`data` array, or Open311's bare array).
async function firstId(target, key = 'id') {
  const res = await request('GET', target, { from: '127.0.4.200' });
  const doc = json(res.body);
  const items = Array.isArray(doc) ? doc : (doc && (doc.items || doc.data)) || [];
  return items.length ? items[0][key] : undefined;
}

async function main() {
  const out = opt.out;
  fs.mkdirSync(out, { recursive: true });
  let stopping = false;
  for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { stopping = true; });

  const reads = [
    '/v1/tenants?limit=20',
    '/v1/tenants/durango',
    '/v1/modules',
    '/v1/tenants/durango/modules',
    '/v1/tenants/durango/public-works/projects?limit=20',
    '/v1/tenants/durango/public-works/projects?limit=20&include_descendants=true',
    '/v1/tenants/durango/public-works/summary?include_descendants=true',
    '/v1/tenants/durango/open-government/dashboard?include_descendants=true',
    '/v1/tenants/municipio-durango/open-government/plans',
    '/v1/tenants/municipio-durango/open-government/secretariat/sessions',
    '/v1/tenants/municipio-durango/procedure-registry/procedures?limit=20',
    '/v1/tenants/municipio-durango/procedure-registry/procedures?q=licencia%20construccion&limit=20',
    '/v1/tenants/durango/procedure-registry/stats?include_descendants=true',
    '/v1/tenants/durango/scholarships/calls?limit=20',
    '/v1/tenants/gomez-palacio/service-requests/services?limit=20',
    '/v1/tenants/gomez-palacio/service-requests/requests?limit=20',
    '/v1/tenants/gomez-palacio/service-requests/open311/v2/services.json',
    '/v1/tenants/gomez-palacio/service-requests/open311/v2/requests.json',
    '/v1/tenants/durango/service-requests/stats?include_descendants=true',
  ];
  // Streamed, never cached: the largest bodies (CSV/JSON exports of the state).
  // One worker, one at a time: the server runs at most 2 exports at once (503 beyond).
  const exportsList = [
    '/v1/tenants/durango/procedure-registry/export.json?include_descendants=true',
    '/v1/tenants/durango/scholarships/beneficiaries.csv?include_descendants=true',
    '/v1/tenants/durango/service-requests/export.csv?include_descendants=true',
  ];
  // Items: one of each module's, looked up once.
  const items = [
    ['/v1/tenants/durango/public-works/projects?limit=1', (id) => `/v1/tenants/durango/public-works/projects/${id}`],
    ['/v1/tenants/municipio-durango/open-government/plans', (id) => `/v1/tenants/municipio-durango/open-government/plans/${id}`],
    ['/v1/tenants/municipio-durango/procedure-registry/procedures?limit=1',
      (id) => `/v1/tenants/municipio-durango/procedure-registry/procedures/${id}`],
    ['/v1/tenants/durango/scholarships/calls?limit=1', (id) => `/v1/tenants/durango/scholarships/calls/${id}`],
    ['/v1/tenants/gomez-palacio/service-requests/requests?limit=1',
      (id) => `/v1/tenants/gomez-palacio/service-requests/requests/${id}`],
  ];
  for (const [list, item] of items) {
    const id = await firstId(list);
    if (id) reads.push(item(id));
    else console.error(`soak-load: no item in ${list} (skipped)`);
  }
  stats.read_targets = reads;

  const login = await request('POST', '/v1/auth/login', { from: '127.0.4.201',
    body: { email: opt['login-email'], password: opt['login-password'] } });
  const citizen = (json(login.body) || {}).access_token;
  if (!citizen) {
    console.error(`soak-load: the citizen could not log in (${login.status} ${login.body || login.error})`);
    process.exit(1);
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

  const run = `${process.pid}-${Date.now().toString(36)}`;
  const workers = [];
  for (let w = 0; w < num('readers', 4); w++) {
    const from = `127.0.4.${w + 1}`;
    workers.push(paced(num('read-rate', 40), async (n) => {
      const p = reads[(n * 7 + w) % reads.length];
      const res = await request('GET', p, { from });
      if (note(res, 'read', `GET ${p}`, 200)) stats.reads.ok++;
      else stats.reads.fail++;
    }));
  }
  workers.push(paced(num('export-rate', 1), async (n) => {
    const p = exportsList[n % exportsList.length];
    const res = await request('GET', p, { from: '127.0.4.100' });
    if (note(res, 'export', `GET ${p}`, 200)) stats.reads.ok++;
    else stats.reads.fail++;
  }));
  for (let w = 0; w < num('writers', 1); w++) {
    workers.push(paced(num('write-rate', 4), async (n) => {
      const from = `127.0.5.${(n % 40) + 1 + w * 40}`;
      let res;
      let what;
      if (n % 2 === 0) {
        what = 'POST public-works/projects';
        res = await request('POST', '/v1/tenants/durango/public-works/projects', {
          from, token: opt.token,
          body: { title: `Obra soak ${run}-${w}-${n}`, status: 'identification', type: 'construction',
            sector: 'transporte', budget_mxn: '1250000.00',
            description: 'Carga de prueba de larga duración. '.repeat(1 + (n % 20)) },
        });
      } else {
        what = 'POST service-requests/requests';
        res = await request('POST', '/v1/tenants/gomez-palacio/service-requests/requests', {
          from, token: citizen,
          body: { service_code: 'limpieza-calles', lat: 25.56 + (n % 1000) / 10000,
            long: -103.5 - (n % 1000) / 10000, description: `Basura acumulada, reporte soak ${n}.`,
            attributes: { tipo_residuo: ['basura_domestica', 'escombro', 'ramas'][n % 3], volumen_m3: 0.5 } },
        });
      }
      if (note(res, 'write', what, 201)) stats.writes.ok++;
      else stats.writes.fail++;
    }));
  }
  for (let w = 0; w < num('logins', 1); w++) {
    workers.push(paced(num('login-rate', 0.5), async (n) => {
      const from = `127.0.6.${(n % 60) + 1 + w * 60}`;
      const li = await request('POST', '/v1/auth/login',
        { body: { email: opt['login-email'], password: opt['login-password'] }, from });
      if (!note(li, 'login', 'POST /v1/auth/login', 200)) {
        stats.login_cycles.fail++;
        return;
      }
      const token = (json(li.body) || {}).access_token;
      for (const [method, target, expected] of [['GET', '/v1/me', 200], ['POST', '/v1/auth/logout', 204],
        ['GET', '/v1/me', 401]]) {
        const res = await request(method, target, { token, from });
        if (!note(res, 'login', `${method} ${target}`, expected)) {
          stats.login_cycles.fail++;
          return;
        }
      }
      stats.login_cycles.ok++;
    }));
  }
  await Promise.all(workers);
  stats.failed = stats.reads.fail + stats.writes.fail + stats.login_cycles.fail;
  fs.writeFileSync(path.join(out, 'stats.json'), `${JSON.stringify(stats, null, 1)}\n`);
  destroyAgents();
}

main();

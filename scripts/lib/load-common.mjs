// Shared helpers of the node load generators (scripts/lib/replicas-load.mjs,
// faults-load.mjs, upgrade-load.mjs and bench/lib/soak-load.mjs): argument parsing, an HTTP/1.1 keep-alive
// request from a chosen loopback address, and small utilities. Stdlib only.
import http from 'node:http';

// `--name value` pairs after the mode: {name: value}. Exits 2 on a stray word.
export function parseOptions(argv, tool) {
  const opt = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      console.error(`${tool}: bad arguments near '${argv[i]}'`);
      process.exit(2);
    }
    opt[argv[i].slice(2)] = argv[i + 1];
  }
  return opt;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.timeOrigin + performance.now(); // ms since the epoch, sub-ms

export function json(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const agents = new Map();
export function agentFor(localAddress) {
  const key = localAddress || '';
  if (!agents.has(key)) {
    // Idle connections are closed after 4 s, before a proxy's or the server's
    // keep-alive timeout would: a request sent on a connection the other side is
    // closing at that very moment gets ECONNRESET (the client's race, not the
    // service's; browsers retry those).
    agents.set(key, new http.Agent({ keepAlive: true, maxSockets: 4, localAddress, timeout: 4000 }));
  }
  return agents.get(key);
}
export function destroyAgents() {
  for (const a of agents.values()) a.destroy();
  agents.clear();
}

// One request; resolves {status, body, headers, sent, ms} or {status: 0, error, sent, ms}.
// `body` is sent as JSON, or `form` (an object) as application/x-www-form-urlencoded.
export function request(base, method, target, { body, form, token, from, timeoutMs = 15000, headers = {} } = {}) {
  return new Promise((resolve) => {
    const url = new URL(target, base);
    const h = { Accept: 'application/json', ...headers };
    let payload;
    if (body !== undefined) {
      payload = Buffer.from(JSON.stringify(body));
      h['Content-Type'] = 'application/json';
    } else if (form !== undefined) {
      payload = Buffer.from(new URLSearchParams(form).toString());
      h['Content-Type'] = 'application/x-www-form-urlencoded';
    }
    if (payload) h['Content-Length'] = payload.length;
    if (token) h.Authorization = `Bearer ${token}`;
    const sent = now();
    const done = (r) => resolve({ ...r, sent, ms: now() - sent });
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: h,
        agent: agentFor(from) },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => done({ status: res.statusCode, body: Buffer.concat(chunks).toString(), headers: res.headers }));
        res.on('error', (e) => done({ status: 0, error: `response: ${e.code || e.message}` }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => done({ status: 0, error: e.code || e.message }));
    if (payload) req.write(payload);
    req.end();
  });
}

// Runs fn(n) about ratePerSec times a second until stop() says so.
export async function paced(ratePerSec, stop, fn) {
  const interval = ratePerSec > 0 ? 1000 / ratePerSec : 0;
  let n = 0;
  while (!stop()) {
    const t0 = now();
    await fn(n++);
    const wait = interval - (now() - t0);
    if (wait > 0 && !stop()) await sleep(wait);
  }
}

// The fields of a public-works draft besides its title (the writes of the loads).
export const PROJECT = {
  status: 'identification', type: 'construction', sector: 'transporte', budget_mxn: '1250000.00',
  funding: [{ origin: 'federal', fund: 'FAIS', amount_mxn: '750000.00' },
    { origin: 'municipal', fund: 'Municipal', amount_mxn: '500000.00' }],
};

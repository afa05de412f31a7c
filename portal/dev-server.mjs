// Development only: serves dist/ and passes every other path to the API at
// $CABILDO_API (e.g. http://127.0.0.1:8080), so the portal runs same-origin
// as it does when `cabildo serve` serves it (CABILDO_PORTAL_DIR).
//
//   CABILDO_API=http://127.0.0.1:8080 PORT=5173 node dev-server.mjs
import { readFile } from "node:fs/promises";
import { createServer, request as httpRequest } from "node:http";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const dist = join(dirname(fileURLToPath(import.meta.url)), "dist");
const api = new URL(process.env.CABILDO_API ?? "http://127.0.0.1:8080");
const port = Number(process.env.PORT ?? 5173);
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml" };

createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (!path.startsWith("/v1/")) {
    const file = normalize(join(dist, path === "/" ? "index.html" : path));
    if (file.startsWith(dist)) {
      try {
        const body = await readFile(file);
        res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" });
        res.end(body);
        return;
      } catch {}
    }
  }
  const upstream = httpRequest(
    { host: api.hostname, port: api.port, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => { res.writeHead(502); res.end(); });
  req.pipe(upstream);
}).listen(port, "127.0.0.1", () => console.log(`portal dev: http://127.0.0.1:${port} → ${api}`));

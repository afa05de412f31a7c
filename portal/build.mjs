// Builds the public portal into dist/: index.html (served with no-cache) and
// assets/<name>-<hash>.{js,css} (content-hashed, served as immutable), with
// esbuild. Fails when the JavaScript of the first load is over the budget: a
// citizen on a slow phone downloads all of it before seeing anything.
//
//   node build.mjs            type-check (tsc), then build dist/
//   node build.mjs --watch    rebuild on change (development)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, "dist");
const jsBudgetBytes = 150 * 1024;

const options = {
  absWorkingDir: here,
  entryPoints: { main: "src/main.ts", styles: "src/styles.css" },
  outdir: join(dist, "assets"),
  entryNames: "[name]-[hash]",
  bundle: true,
  // The client (file:../clients/typescript) imports openapi-fetch, which a
  // fresh clone has only here (its own node_modules are not installed).
  nodePaths: [join(here, "node_modules")],
  minify: true,
  format: "esm",
  target: "es2020",
  legalComments: "none",
  metafile: true,
  logLevel: "warning",
};

function writeIndex(metafile) {
  const outputs = Object.entries(metafile.outputs);
  const pick = (entry) => {
    const found = outputs.find(([, out]) => out.entryPoint === entry);
    if (!found) throw new Error(`build: no output for ${entry}`);
    return "assets/" + basename(found[0]);
  };
  const js = pick("src/main.ts");
  const css = pick("src/styles.css");
  const html = readFileSync(join(here, "src/index.html"), "utf8")
    .replaceAll("%MAIN_JS%", js)
    .replaceAll("%MAIN_CSS%", css);
  writeFileSync(join(dist, "index.html"), html);

  // Every .js output is loaded at first (no code splitting).
  const sizes = { js_bytes: 0, js_gzip_bytes: 0, css_bytes: 0, css_gzip_bytes: 0 };
  for (const [file] of outputs) {
    const bytes = readFileSync(join(here, file));
    const kind = file.endsWith(".js") ? "js" : file.endsWith(".css") ? "css" : null;
    if (!kind) continue;
    sizes[`${kind}_bytes`] += bytes.length;
    sizes[`${kind}_gzip_bytes`] += gzipSync(bytes, { level: 9 }).length;
  }
  sizes.html_bytes = Buffer.byteLength(html);
  sizes.js_budget_bytes = jsBudgetBytes;
  // Beside dist/, not in it: everything in dist/ is served to the public.
  writeFileSync(join(here, "build-sizes.json"), JSON.stringify(sizes, null, 2) + "\n");
  console.log(
    `portal: ${js} ${sizes.js_bytes} B (gzip ${sizes.js_gzip_bytes} B), ` +
      `${css} ${sizes.css_bytes} B (gzip ${sizes.css_gzip_bytes} B), ` +
      `budget ${jsBudgetBytes} B of JavaScript`,
  );
  if (sizes.js_bytes > jsBudgetBytes) {
    throw new Error(`build: ${sizes.js_bytes} B of JavaScript is over the ${jsBudgetBytes} B budget`);
  }
}

// esbuild strips types without checking them: tsc does, first.
if (!process.argv.includes("--watch")) {
  execFileSync(join(here, "node_modules/.bin/tsc"), ["-p", here], { stdio: "inherit" });
}
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
if (process.argv.includes("--watch")) {
  const ctx = await esbuild.context({
    ...options,
    plugins: [{ name: "index", setup: (b) => b.onEnd((r) => r.metafile && writeIndex(r.metafile)) }],
  });
  await ctx.watch();
} else {
  const result = await esbuild.build(options);
  writeIndex(result.metafile);
}

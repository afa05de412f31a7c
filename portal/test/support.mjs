// What every browser test of the portal shares: Debian's Chromium driven by
// puppeteer-core, the portal at $CABILDO_E2E_URL (served by `cabildo serve`
// from CABILDO_PORTAL_DIR, with demo data: scripts/test.d/50-e2e.sh),
// axe-core's scan and screenshots kept in $CABILDO_E2E_ARTIFACTS.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);

export const baseUrl = process.env.CABILDO_E2E_URL ?? "http://127.0.0.1:8080";
export const artifacts = process.env.CABILDO_E2E_ARTIFACTS ?? join(tmpdir(), "cabildo-e2e-artifacts");
const chromium = process.env.CABILDO_CHROMIUM ?? "/usr/bin/chromium";

/** A headless Chromium with a throwaway profile; close it with `await browser.close()`. */
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), "cabildo-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: profile,
    // No sandbox: CI runs as root. The rest keeps Chromium off the network
    // this machine does not have (it would retry Google's hosts at every start).
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--lang=es-MX"],
  });
  browser.once("disconnected", () => {
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch {
      // Chromium may still be flushing its profile; /tmp is cleaned anyway.
    }
  });
  return browser;
}

/**
 * Opens `#${hashPath}` (e.g. "/t/durango/plan") at `width` px and waits until
 * the view has rendered (main[data-state] is "ready" or "error"). Console
 * errors and failed requests of the page are collected in `page.problems`.
 */
export async function openPortal(browser, hashPath = "/", { width = 1280, height = 900 } = {}) {
  const page = await browser.newPage();
  page.problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") page.problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => page.problems.push(`page error: ${error.message}`));
  await page.setViewport({ width, height, deviceScaleFactor: 1 });
  await page.goto(`${baseUrl}/#${hashPath}`, { waitUntil: "networkidle0" });
  await waitForView(page);
  return page;
}

/** Waits for the current view to finish rendering (after a click or navigation). */
export async function waitForView(page, { timeout = 15000 } = {}) {
  await page.waitForFunction(
    () => ["ready", "error"].includes(document.getElementById("main")?.dataset.state ?? ""),
    { timeout },
  );
  return page.$eval("#main", (main) => main.dataset.state);
}

/** axe-core's WCAG 2 A/AA scan of the page: the violations, serious and critical only. */
export async function axeScan(page) {
  // Evaluated through the DevTools protocol, which the page's CSP does not
  // govern: the portal's own CSP stays in force, and a violation of it by
  // the portal's code shows in page.problems.
  await page.evaluate(readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  return result.violations
    .filter((violation) => violation.impact === "serious" || violation.impact === "critical")
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 5).map((node) => node.target.join(" ")),
    }));
}

/** A full-page PNG at $CABILDO_E2E_ARTIFACTS/<name>.png; returns its path. */
export async function screenshot(page, name) {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Whether the page scrolls sideways (a 360 px phone must never need to). */
export async function scrollsSideways(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}

/**
 * Clicks "Enviar reporte" and waits for an element matching `selector` with
 * some text. The server admits 10 reports a minute per address, counting
 * every attempt, and other suites post from the same address: on its 429
 * (said in the form: "espere N segundos") the test waits as told and sends again.
 */
export async function sendReport(page, selector) {
  for (let attempt = 0; attempt < 3; attempt++) {
    await page.click(".report-form button[type=submit]");
    const handle = await page.waitForFunction(
      (wanted) => {
        const alert = document.querySelector(".report-form .form-alert")?.textContent ?? "";
        if (/Demasiadas solicitudes/.test(alert)) return alert;
        return document.querySelector(wanted)?.textContent ? "ok" : false;
      },
      { timeout: 15000 },
      selector,
    );
    const outcome = await handle.jsonValue();
    if (outcome === "ok") return;
    const seconds = Number(/espere (\d+)/.exec(outcome)?.[1] ?? 60);
    await new Promise((resolve) => setTimeout(resolve, (seconds + 1) * 1000));
  }
  throw new Error("the report was rate-limited three times");
}

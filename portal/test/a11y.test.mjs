// Every page of the portal, at a phone's 360 px and a desktop's 1280 px:
// no serious or critical axe-core violation (WCAG 2.1 A/AA), no sideways
// scroll, no console error or CSP violation, and a screenshot of each in
// $CABILDO_E2E_ARTIFACTS. Plus the keyboard basics: the skip link comes
// first and takes focus to the content.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { axeScan, baseUrl, launchBrowser, openPortal, screenshot, scrollsSideways, sendReport, waitForView } from "./support.mjs";

// One page of each kind, of a tenant that has it in the demo data (page name → hash).
const pages = [
  ["home", "/"],
  ["tenant", "/t/gomez-palacio"],
  ["tenant-state", "/t/durango"],
  ["plan", "/t/durango/plan"],
  ["obras", "/t/durango/obras"],
  ["obras-municipio", "/t/municipio-durango/obras"],
  ["tramites", "/t/durango/tramites"],
  ["becas", "/t/durango/becas"],
  ["becas-municipio", "/t/municipio-durango/becas"],
  ["reportes", "/t/gomez-palacio/reportes"],
  ["reportes-estado", "/t/durango/reportes"],
];

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function check(page, name, width) {
  const violations = await axeScan(page);
  assert.deepEqual(violations, [], `${name} at ${width} px: ${JSON.stringify(violations, null, 1)}`);
  assert.equal(await scrollsSideways(page), false, `${name} at ${width} px scrolls sideways`);
  await screenshot(page, `${name}-${width}`);
}

for (const width of [360, 1280]) {
  for (const [name, hash] of pages) {
    test(`${name} (${hash}) at ${width} px: accessible, no sideways scroll, no console errors`, async () => {
      const page = await openPortal(browser, hash, { width });
      assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready", `${hash} rendered`);
      // One h1 per page, and headings never skip a level going down.
      const levels = await page.$$eval("main h1, main h2, main h3, main h4", (hs) => hs.map((x) => Number(x.tagName[1])));
      assert.equal(levels.filter((l) => l === 1).length, 1, `one h1 on ${hash}`);
      levels.forEach((level, i) => assert.ok(i === 0 || level <= levels[i - 1] + 1, `heading levels ${levels.join(",")} on ${hash}`));
      await check(page, name, width);
      assert.deepEqual(page.problems, [], `${hash}: ${page.problems.join("; ")}`);
      await page.close();
    });
  }
}

// Under the CSP the server sends (`cabildo serve`'s), each page is used a
// little (a map point, the list filter) and every securitypolicyviolation
// event is recorded, so an inline style or script the real server would
// block fails here, named by directive and source line.
test("every page runs under the portal's Content-Security-Policy without a violation", async (t) => {
  const policy = (await fetch(`${baseUrl}/`)).headers.get("content-security-policy");
  // The development server sends none; `cabildo serve` does (then this pass is real).
  t.diagnostic(policy ? `CSP: ${policy}` : "the server sent no Content-Security-Policy: nothing to violate");
  for (const [name, hash] of pages) {
    const page = await browser.newPage();
    const problems = [];
    page.on("console", (message) => { if (message.type() === "error") problems.push(message.text()); });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.evaluateOnNewDocument(() => {
      window.__cspViolations = [];
      document.addEventListener("securitypolicyviolation", (event) =>
        window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
    });
    await page.setViewport({ width: 360, height: 800 });
    await page.goto(`${baseUrl}/#${hash}`, { waitUntil: "networkidle0" });
    assert.equal(await waitForView(page), "ready", `${name} rendered under CSP`);
    // Use the page a little: a map point, the list filter (styles set at run time).
    if (await page.$(".map-point")) await page.click(".map-point");
    if (await page.$("#filtro-estado")) await page.select("#filtro-estado", "open");
    assert.deepEqual(await page.evaluate(() => window.__cspViolations), [], `${hash} CSP violations`);
    assert.deepEqual(problems, [], `${hash} console errors`);
    await page.close();
  }
});

// The report form appears only to a signed-in citizen: scan it too, empty
// and with its error messages showing.
for (const width of [360, 1280]) {
  test(`reportes signed in at ${width} px: the form and its errors are accessible`, async () => {
    const email = `a11y-${Date.now()}-${randomUUID().slice(0, 8)}@example.mx`;
    const password = "accesible-para-todos";
    const post = (path, body) => fetch(`${baseUrl}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    assert.equal((await post("/v1/auth/register", { email, name: "Persona de Prueba", password })).status, 201);
    const login = await post("/v1/auth/login", { email, password });
    assert.equal(login.status, 200);
    const pair = await login.json();

    const page = await openPortal(browser, "/t/gomez-palacio/reportes", { width });
    await page.evaluate((session) => {
      sessionStorage.setItem("cabildo.access_token", session.pair.access_token);
      sessionStorage.setItem("cabildo.refresh_token", session.pair.refresh_token);
      sessionStorage.setItem("cabildo.access_expires_at", String(Date.now() + session.pair.expires_in * 1000));
      sessionStorage.setItem("cabildo.user", JSON.stringify({ name: "Persona de Prueba", email: session.email }));
    }, { pair, email });
    await page.reload({ waitUntil: "networkidle0" });
    await waitForView(page);
    await page.waitForSelector("#reporte-servicio");
    await check(page, "reportes-formulario", width);

    // Send it empty-handed: the portal's and the server's messages show.
    await page.select("#reporte-servicio", "limpieza-calles");
    await page.type("#reporte-descripcion", "Basura acumulada.");
    await sendReport(page, "#reporte-direccion-error");
    await check(page, "reportes-formulario-errores", width);
    assert.deepEqual(page.problems.filter((p) => !/status of 422/.test(p)), []);
    await page.close();
  });
}

test("keyboard: from the top, Tab reaches the skip link first and it moves focus to the content", async () => {
  for (const hash of ["/", "/t/durango/obras", "/t/gomez-palacio/reportes"]) {
    // A fresh load: nothing is focused (the router focuses main only after
    // a navigation), so the first Tab is the page's first stop.
    const page = await openPortal(browser, hash, { width: 1280 });
    assert.equal(await page.evaluate(() => document.activeElement === document.body), true);
    await page.keyboard.press("Tab");
    const first = await page.evaluate(() => ({
      id: document.activeElement?.id,
      text: document.activeElement?.textContent,
      visible: (() => {
        const box = document.activeElement.getBoundingClientRect();
        return box.left >= 0 && box.width > 0;
      })(),
    }));
    assert.equal(first.id, "skip-link", `first Tab stop on ${hash}`);
    assert.equal(first.text, "Saltar al contenido");
    assert.ok(first.visible, "the skip link shows when focused");
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main", `the skip link focuses main on ${hash}`);
    assert.match(page.url(), new RegExp(`#${hash.replace(/\//g, "\\/")}$`), "the route is kept");
    // The next Tab goes into the content.
    await page.keyboard.press("Tab");
    assert.ok(await page.evaluate(() => document.getElementById("main").contains(document.activeElement)), `Tab continues inside main on ${hash}`);
    await page.close();
  }
});

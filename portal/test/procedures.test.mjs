// The procedure catalogue (#/t/{tenant}/tramites) and the scholarships page
// (#/t/{tenant}/becas) in a real browser against demo data: a citizen types
// into the search box without accents and finds the procedure; the state's
// scholarships page is the single portal of every call, with the padrón of
// the resolved one (a minor shown by initials).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { axeScan, baseUrl, launchBrowser, openPortal, screenshot, scrollsSideways } from "./support.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** Types `text` into the search box and submits it with the button, as a person would. */
async function searchFor(page, text, { submit = "button" } = {}) {
  await page.click("#q", { clickCount: 3 });
  await page.keyboard.press("Backspace");
  await page.type("#q", text);
  if (submit === "enter") await page.keyboard.press("Enter");
  else await page.click('form[role="search"] button[type="submit"]');
  await page.waitForFunction(() => !document.getElementById("resultados")?.hasAttribute("aria-busy"));
  // The form keeps the result in the address (a shareable link), without a reload.
  await page.waitForFunction((q) => new URLSearchParams(location.hash.split("?")[1] ?? "").get("q") === q, {}, text);
}

const resultNames = (page) => page.$$eval(".results .procedure h3", (hs) => hs.map((h) => h.textContent));

test("searching “licencia construccion” (no accent) finds “Licencia de construcción”", async () => {
  const page = await openPortal(browser, "/t/municipio-durango/tramites");
  assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");
  // The whole catalogue first, then the search.
  assert.equal((await resultNames(page)).length, 6);
  assert.equal(await page.$eval('form[role="search"] label', (l) => l.getAttribute("for")), "q");
  assert.equal(await page.$eval("#q", (i) => i.type), "search");

  await searchFor(page, "licencia construccion");
  const names = await resultNames(page);
  assert.ok(names.includes("Licencia de construcción"), names.join(", "));
  assert.ok(!names.includes("Constancia de residencia"), names.join(", "));
  assert.match(await page.$eval('[role="status"]', (s) => s.textContent), /resultado/);
  assert.match(page.url(), /#\/t\/municipio-durango\/tramites\?q=licencia\+construccion$/);

  // Its card: dependency, cost (with cents), time; the details open by keyboard.
  const card = await page.$('.procedure:has(h3)');
  const facts = await card.$eval(".facts", (ul) => ul.textContent);
  assert.match(facts, /Dirección Municipal de Desarrollo Urbano/);
  assert.match(facts, /\$1,250\.50/);
  assert.match(facts, /10 días hábiles/);
  await page.focus(".procedure summary");
  await page.keyboard.press("Enter");
  const opened = await page.$eval(".procedure details", (d) => ({ open: d.open, text: d.textContent }));
  assert.equal(opened.open, true);
  assert.match(opened.text, /Requisitos/);
  assert.match(opened.text, /Reglamento de Construcciones para el Municipio de Durango/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a search that matches nothing (submitted with Enter) says so in Spanish and offers the whole catalogue", async () => {
  const page = await openPortal(browser, "/t/municipio-durango/tramites");
  await searchFor(page, "xqzwv kjhgf", { submit: "enter" }); // the keyboard's way
  assert.deepEqual(await resultNames(page), []);
  const empty = await page.$eval(".empty-result", (n) => n.textContent);
  assert.match(empty, /No encontramos ningún trámite ni servicio que coincida con «xqzwv kjhgf»/);
  assert.match(empty, /Ver todos los trámites y servicios/);
  assert.match(await page.$eval('[role="status"]', (s) => s.textContent), /No encontramos/);
  // "Ver todos" brings the whole catalogue back, with an empty search box.
  await page.click(".empty-result a");
  await page.waitForFunction(() => document.querySelectorAll(".results .procedure").length === 6);
  assert.equal(await page.$eval("#q", (i) => i.value), "");
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a misspelt search offers the names that look alike", async () => {
  const page = await openPortal(browser, "/t/municipio-durango/tramites");
  await searchFor(page, "constansia recidencia");
  assert.deepEqual(await resultNames(page), ["Constancia de residencia"]);
  assert.match(await page.$eval("#resultados h2", (h) => h.textContent), /Quisiste decir/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a link with ?q= opens with the search done; the state's catalogue includes its municipalities", async () => {
  const page = await openPortal(browser, "/t/durango/tramites?q=licencia%20construccion");
  assert.equal(await page.$eval("#q", (i) => i.value), "licencia construccion");
  const cards = await page.$$eval(".results .procedure", (lis) => lis.map((li) => li.textContent));
  assert.ok(cards.some((text) => text.includes("Licencia de construcción") && text.includes("Municipio de Durango")));
  assert.ok(cards.some((text) => text.includes("Licencia de construcción") && text.includes("Municipio de Gómez Palacio")));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the catalogue's CSV and JSON download", async () => {
  const page = await openPortal(browser, "/t/municipio-durango/tramites");
  const links = await page.$$eval("a.download", (as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(links.map((href) => href.split("?")[0].split("/").pop()).sort(), ["export.csv", "export.json"]);
  for (const href of links) {
    const response = await fetch(`${baseUrl}${href}`);
    assert.equal(response.status, 200, href);
    assert.match(await response.text(), /Licencia de construcción/);
  }
  await page.close();
});

test("the state's scholarships page lists the open call first and the resolved call's padrón, minor masked", async () => {
  const page = await openPortal(browser, "/t/durango/becas");
  assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");
  const openCalls = await page.$$eval('[aria-labelledby="abiertas"] .call h3', (hs) => hs.map((h) => h.textContent));
  assert.deepEqual(openCalls, ["Beca Estatal de Permanencia Escolar"]);
  const openText = await page.$eval('[aria-labelledby="abiertas"] .call', (c) => c.textContent);
  assert.match(openText, /\$3,000/);
  assert.match(openText, /Constancia de estudios/);
  assert.match(openText, /oficina|aplicación/i, "says where to apply");

  // The resolved call (municipio-durango's) with its padrón, as the API publishes it.
  const padron = await page.$$eval("table.padron", (tables) => tables.map((table) => ({
    caption: table.caption?.textContent ?? "",
    headers: [...table.querySelectorAll("thead th")].map((th) => th.getAttribute("scope")),
    rows: [...table.tBodies[0].rows].map((row) => [...row.cells].map((cell) => cell.textContent)),
  })));
  assert.equal(padron.length, 1);
  assert.match(padron[0].caption, /Becas Municipales de Excelencia/);
  assert.ok(padron[0].headers.every((scope) => scope === "col"));
  const api = await (await fetch(`${baseUrl}/v1/tenants/municipio-durango/scholarships/calls/${
    await page.$eval("table.padron", (t) => t.dataset.call)}/beneficiaries`)).json();
  assert.deepEqual(padron[0].rows.map((row) => row[0]), api.items.map((item) => item.name));
  const minor = padron[0].rows.find((row) => row[2] === "17");
  assert.ok(minor, "the demo's 17-year-old beneficiary");
  assert.equal(minor[0], "M. Q. V.", "a minor appears by initials only");
  assert.ok(padron[0].rows.some((row) => row[0] === "Ana Sofía de la Cruz Ríos"));
  const text = await page.$eval("#main", (m) => m.textContent);
  assert.doesNotMatch(text, /[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d/, "no CURP anywhere");

  const links = await page.$$eval("a.download", (as) => as.map((a) => a.getAttribute("href")));
  assert.deepEqual(links.map((href) => href.split("?")[0].split("/").pop()).sort(), ["beneficiaries.csv", "beneficiaries.json"]);
  for (const href of links) {
    const response = await fetch(`${baseUrl}${href}`);
    assert.equal(response.status, 200, href);
    assert.match(await response.text(), /M\. Q\. V\./);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

const pages = [
  ["tramites", "/t/municipio-durango/tramites?q=licencia%20construccion"],
  ["tramites-vacio", "/t/municipio-durango/tramites?q=xqzwv"],
  ["becas", "/t/durango/becas"],
];
for (const [name, hash] of pages) {
  for (const width of [360, 1280]) {
    test(`${name} at ${width} px: no serious accessibility violation, no sideways scroll, no console error`, async () => {
      const page = await openPortal(browser, hash, { width });
      assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");
      assert.equal(await page.$$eval("h1", (hs) => hs.length), 1);
      // Open every details element: what is inside must pass too.
      await page.$$eval("details", (all) => all.forEach((d) => { d.open = true; }));
      assert.deepEqual(await axeScan(page), []);
      assert.equal(await scrollsSideways(page), false);
      assert.deepEqual(page.problems, []);
      await screenshot(page, `${name}-${width}`);
      await page.close();
    });
  }
}

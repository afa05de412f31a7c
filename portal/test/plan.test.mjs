// The action plan dashboard (#/t/{tenant}/plan) in a real browser against
// demo data: the progress it shows is the API's, commitment by commitment,
// and matches the figures computed by hand from scripts/demo-data-open-government.sql.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { axeScan, baseUrl, launchBrowser, openPortal, screenshot, scrollsSideways } from "./support.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function getJson(path) {
  const response = await fetch(`${baseUrl}${path}`);
  assert.equal(response.status, 200, `GET ${path}`);
  return response.json();
}

const round1 = (value) => Math.round(value * 10) / 10;

/** Each commitment card: its id, heading and the aria values of its bar. */
async function commitmentBars(page) {
  return page.$$eval("[data-commitment]", (cards) => cards.map((card) => {
    const bar = card.querySelector('[role="progressbar"]');
    return {
      id: card.dataset.commitment,
      heading: card.querySelector("h3")?.textContent ?? "",
      now: Number(bar?.getAttribute("aria-valuenow")),
      min: Number(bar?.getAttribute("aria-valuemin")),
      max: Number(bar?.getAttribute("aria-valuemax")),
      label: bar?.getAttribute("aria-label") ?? "",
      milestones: [...card.querySelectorAll(".milestone")].map((m) => m.textContent),
    };
  }));
}

test("municipio-durango's plan: every commitment's bar is the API's progress, and the demo's figures", async () => {
  const page = await openPortal(browser, "/t/municipio-durango/plan");
  assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");
  assert.equal(await page.$$eval("h1", (hs) => hs.length), 1);
  assert.match(await page.$eval(".lead", (p) => p.textContent), /Tercer Plan de Acción Local .*Municipio de Durango/);

  const bars = await commitmentBars(page);
  assert.equal(bars.length, 6, "the demo plan has six commitments");
  const byNumber = {};
  for (const bar of bars) {
    const api = await getJson(`/v1/tenants/municipio-durango/open-government/commitments/${bar.id}`);
    assert.equal(bar.now, round1(api.progress_pct), `${bar.heading}: bar ${bar.now} vs API ${api.progress_pct}`);
    assert.equal(bar.min, 0);
    assert.equal(bar.max, 100);
    assert.ok(bar.label.length > 0);
    assert.equal(bar.milestones.length, api.milestones.length, `${bar.heading}: milestones`);
    byNumber[api.number] = bar;
  }
  // By hand from the demo SQL (met 100, partially_met 50, else 0; weighted):
  // 1: (100+100+50+0)/4 = 62.5; 2: (100·1 + 0·2 + 0·1)/4 = 25; 3: 100;
  // 4: (50+0)/2 = 25; 5: 0; 6: (100+100+50+0)/4 = 62.5.
  assert.deepEqual(
    Object.fromEntries(Object.entries(byNumber).map(([number, bar]) => [number, bar.now])),
    { 1: 62.5, 2: 25, 3: 100, 4: 25, 5: 0, 6: 62.5 },
  );
  assert.ok(byNumber[3].milestones.every((text) => text.startsWith("Cumplido")), byNumber[3].milestones.join(" | "));
  assert.match(byNumber[3].heading, /Catálogo|trámites/i);

  // The plan's overall figure: the mean of the six, 275 / 6 = 45.83 → 45.8.
  const overall = await page.$eval('[aria-label="Avance general del plan"]', (bar) => Number(bar.getAttribute("aria-valuenow")));
  const dashboard = await getJson("/v1/tenants/municipio-durango/open-government/dashboard");
  assert.equal(overall, round1(dashboard.tenants[0].plans[0].mean_progress_pct));
  assert.equal(overall, 45.8);

  // The STL by sector, the sessions, and the plan's datasets (which download).
  const text = await page.$eval("#main", (m) => m.textContent);
  for (const heading of ["Secretariado Técnico Local", "Autoridades", "Sociedad civil", "Órgano garante", "Sesiones del Secretariado"]) {
    assert.ok(text.includes(heading), heading);
  }
  assert.match(text, /Sesión ordinaria del 23 de junio de 2025/);
  const links = await page.$$eval("a.download", (as) => as.map((a) => a.getAttribute("href")));
  assert.equal(links.length, 3);
  for (const name of ["results.csv", "results.json", "document.json"]) {
    const href = links.find((link) => link.endsWith(name));
    assert.ok(href, name);
    const response = await fetch(`${baseUrl}${href}`);
    assert.equal(response.status, 200, href);
    await response.arrayBuffer();
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("gómez-palacio's plan: weighted milestones give commitment 2 its 50 %", async () => {
  const page = await openPortal(browser, "/t/gomez-palacio/plan");
  const bars = await commitmentBars(page);
  assert.equal(bars.length, 2);
  // Weights 1, 2, 1 with met, partially_met, scheduled: (100 + 2·50 + 0) / 4 = 50.
  const second = bars.find((bar) => bar.heading.startsWith("2."));
  assert.equal(second?.now, 50);
  assert.match(second.heading, /prevención del suicidio/);
  assert.ok(second.milestones.some((text) => text.includes("Peso: 2")), "the double weight is said");
  assert.equal(bars.find((bar) => bar.heading.startsWith("1."))?.now, 62.5);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("the state's plan page also shows its municipalities' progress", async () => {
  const page = await openPortal(browser, "/t/durango/plan");
  const bars = await commitmentBars(page);
  assert.equal(bars.length, 1);
  assert.equal(bars[0].now, 62.5);
  const municipalities = await page.$$eval('[aria-labelledby="municipios-plan"] h3 a', (as) => as.map((a) => a.textContent));
  assert.deepEqual([...municipalities].sort(), ["Municipio de Durango", "Municipio de Gómez Palacio", "Municipio de Tepehuanes"]);
  assert.deepEqual(page.problems, []);
  await page.close();
});

for (const width of [360, 1280]) {
  test(`plan at ${width} px: no serious accessibility violation, no sideways scroll, no console error`, async () => {
    const page = await openPortal(browser, "/t/municipio-durango/plan", { width });
    assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");
    assert.deepEqual(await axeScan(page), []);
    assert.equal(await scrollsSideways(page), false);
    assert.deepEqual(page.problems, []);
    await screenshot(page, `plan-${width}`);
    await page.close();
  });
}

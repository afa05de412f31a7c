// The public works page against the API's own figures: one map point per
// project with coordinates, the list with the API's progress, and the
// follow-the-money charts whose totals are the summary route's.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { baseUrl, launchBrowser, openPortal, screenshot } from "./support.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

async function apiGet(path) {
  const response = await fetch(`${baseUrl}${path}`);
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return response.json();
}

async function allProjects(tenant, descendants) {
  const items = [];
  let cursor = "";
  for (let page = 0; page < 20; page++) {
    const query = new URLSearchParams({ limit: "100" });
    if (descendants) query.set("include_descendants", "true");
    if (cursor) query.set("cursor", cursor);
    const answer = await apiGet(`/v1/tenants/${tenant}/public-works/projects?${query}`);
    items.push(...answer.items.filter((item) => !item.deleted));
    if (!answer.next_cursor) break;
    cursor = answer.next_cursor;
  }
  return items;
}

const exact = new Intl.NumberFormat("es-MX", { style: "currency", currency: "MXN", minimumFractionDigits: 2, maximumFractionDigits: 2 });
const hasPoint = (project) => typeof project.location?.lat === "number" && typeof project.location?.lon === "number";

for (const [tenant, descendants] of [["durango", true], ["municipio-durango", false]]) {
  test(`${tenant}: the map and the list show the API's projects with their progress`, async () => {
    const projects = await allProjects(tenant, descendants);
    assert.ok(projects.length >= 3, "demo data has public works");
    const page = await openPortal(browser, `/t/${tenant}/obras`, { width: 1280 });
    assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");

    // The map: one named, focusable point per project with coordinates.
    const points = await page.$$eval(".works-map .map-point", (nodes) =>
      nodes.map((node) => ({ id: node.dataset.project, name: node.getAttribute("aria-label"), role: node.getAttribute("role"), tabindex: node.getAttribute("tabindex") })),
    );
    const located = projects.filter(hasPoint);
    assert.equal(points.length, located.length);
    for (const project of located) {
      const point = points.find((p) => p.id === project.id);
      assert.ok(point, `a point for ${project.title}`);
      assert.ok(point.name.includes(project.title), point.name);
      assert.equal(point.role, "button");
      assert.equal(point.tabindex, "0");
    }
    // Every point is inside the drawing.
    const inside = await page.$eval(".works-map", (map) => {
      const box = map.viewBox.baseVal;
      return [...map.querySelectorAll(".map-dot")].every((dot) => {
        const x = dot.cx.baseVal.value;
        const y = dot.cy.baseVal.value;
        return x >= 0 && x <= box.width && y >= 0 && y <= box.height;
      });
    });
    assert.ok(inside, "every point within the map");

    // The list: every project, with the API's physical and financial progress.
    const entries = await page.$$eval(".project-list > li", (items) =>
      items.map((item) => ({
        id: item.dataset.project,
        title: item.querySelector("h3").textContent,
        progress: [...item.querySelectorAll("[role=progressbar]")].map((bar) => Number(bar.getAttribute("aria-valuenow"))),
        text: item.textContent,
      })),
    );
    assert.equal(entries.length, projects.length);
    for (const project of projects) {
      const entry = entries.find((e) => e.id === project.id);
      assert.ok(entry, `${project.title} listed`);
      assert.ok(entry.title.includes(project.title));
      assert.deepEqual(entry.progress, [Math.round(project.physical_progress_pct), Math.round(project.financial_progress_pct)]);
      if (project.contractor?.name) assert.ok(entry.text.includes(project.contractor.name));
    }

    // Downloads point at the module's export routes, which answer.
    const downloads = await page.$$eval(".downloads a", (links) => links.map((a) => a.getAttribute("href")));
    for (const suffix of ["export.csv", "export.json", "oc4ids.json"]) {
      const href = downloads.find((d) => d.endsWith(`/public-works/${suffix}`));
      assert.ok(href, `${suffix} in ${downloads.join(", ")}`);
      assert.equal((await fetch(`${baseUrl}${href}`)).status, 200, href);
    }
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test(`${tenant}: the follow-the-money charts add up to the API's summary`, async () => {
    const summary = await apiGet(`/v1/tenants/${tenant}/public-works/summary${descendants ? "?include_descendants=true" : ""}`);
    const page = await openPortal(browser, `/t/${tenant}/obras`, { width: 1280 });
    const flow = await page.$$eval("#grafica-flujo .chart-row", (rows) => rows.map((row) => row.dataset.value));
    assert.deepEqual(flow, [summary.totals.budget_mxn, summary.totals.contracted_mxn, summary.totals.spent_mxn]);
    // Its data table says the same figures, to the cent.
    const table = await page.$$eval("#grafica-flujo tbody td", (cells) => cells.map((cell) => cell.textContent));
    assert.deepEqual(table, [summary.totals.budget_mxn, summary.totals.contracted_mxn, summary.totals.spent_mxn].map((v) => exact.format(Number(v))));
    // The chart is an image with a title and a description.
    const labelled = await page.$eval("#grafica-flujo svg", (chart) => ({
      role: chart.getAttribute("role"),
      title: chart.querySelector("title")?.textContent,
      desc: chart.querySelector("desc")?.textContent,
    }));
    assert.equal(labelled.role, "img");
    assert.ok(labelled.title && labelled.desc);

    // Funding by fund: one bar per fund, with what it contributed.
    const funds = await page.$$eval("#grafica-fondos svg .chart-row", (rows) => rows.map((row) => row.dataset.value));
    assert.deepEqual([...funds].sort(), summary.by_fund.map((fund) => fund.funded_mxn).sort());
    const cents = (values) => values.reduce((sum, value) => sum + Math.round(Number(value) * 100), 0);
    assert.equal(cents(funds), cents(summary.by_funding_origin.map((origin) => origin.funded_mxn)));
    const fundNames = await page.$$eval("#grafica-fondos tbody th", (cells) => cells.map((cell) => cell.textContent));
    for (const fund of summary.by_fund) assert.ok(fundNames.includes(fund.fund), `${fund.fund} in ${fundNames}`);
    await page.close();
  });
}

test("a map point works from the keyboard and leads to the project's entry", async () => {
  const page = await openPortal(browser, "/t/municipio-durango/obras", { width: 360 });
  const target = await page.$eval(".map-point", (point) => ({ id: point.dataset.project, name: point.getAttribute("aria-label") }));
  // Tab from the list of downloads (just before the map) until a point has focus.
  await page.$eval(".downloads a:last-of-type", (link) => link.focus());
  let focused = null;
  for (let i = 0; i < 10 && !focused?.startsWith("map-point"); i++) {
    await page.keyboard.press("Tab");
    focused = await page.evaluate(() => `${document.activeElement?.getAttribute("class") ?? ""}|${document.activeElement?.dataset?.project ?? ""}`);
  }
  assert.ok(focused?.startsWith("map-point"), `a map point takes focus (${focused})`);
  const focusedId = focused.split("|")[1];
  await page.keyboard.press("Enter");
  const selection = await page.$eval(".map-selection", (box) => box.textContent);
  const title = await page.$eval(`.project-list [data-project="${focusedId}"] h3`, (h3) => h3.textContent.replace(/^\d+\.\s*/, ""));
  assert.ok(selection.includes(title), `${selection} names ${title}`);
  assert.ok(target.name);
  await page.click(".map-entry-link");
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.project), focusedId);
  assert.match(page.url(), /#\/t\/municipio-durango\/obras$/, "the hash route is kept");
  await screenshot(page, "obras-mapa-seleccion-360");
  await page.close();
});

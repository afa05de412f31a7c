// The home page and a tenant's page, in a real browser against demo data.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";

import { axeScan, launchBrowser, openPortal, screenshot, scrollsSideways, waitForView } from "./support.mjs";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test("the home page lists the state and its three municipalities", async () => {
  const page = await openPortal(browser, "/");
  assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");
  const names = await page.$$eval(".card h3 a", (links) => links.map((a) => a.textContent));
  for (const name of ["Durango", "Gómez Palacio", "Tepehuanes"]) {
    assert.ok(names.some((n) => n.includes(name)), `${name} in ${names.join(", ")}`);
  }
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a tenant's page links to the sections it has enabled, by keyboard too", async () => {
  const page = await openPortal(browser, "/t/gomez-palacio");
  assert.equal(await page.$eval("h1", (h) => h.textContent), "Municipio de Gómez Palacio");
  const sections = await page.$$eval(".tenant-menu a", (links) => links.map((a) => a.textContent));
  assert.ok(sections.includes("Reportes ciudadanos"), sections.join(", "));
  // Tab to the menu's first link and follow it with Enter.
  await page.focus(".tenant-menu a");
  await page.keyboard.press("Enter");
  await waitForView(page);
  assert.match(page.url(), /#\/t\/gomez-palacio\/[a-z]+$/);
  await page.close();
});

test("an unknown tenant is a clear Spanish message, not a blank page", async () => {
  const page = await openPortal(browser, "/t/no-existe");
  assert.equal(await page.$eval("#main", (m) => m.dataset.state), "error");
  assert.match(await page.$eval("#main", (m) => m.textContent), /No existe esa institución/);
  await page.close();
});

for (const width of [360, 1280]) {
  test(`home at ${width} px: no serious accessibility violation, no sideways scroll`, async () => {
    const page = await openPortal(browser, "/", { width });
    assert.deepEqual(await axeScan(page), []);
    assert.equal(await scrollsSideways(page), false);
    await screenshot(page, `home-${width}`);
    await page.close();
  });
}

test("data is cached per ETag: coming back to a page revalidates with If-None-Match (304, no body)", async () => {
  const page = await openPortal(browser, "/");
  const answers = [];
  page.on("response", (response) => {
    if (new URL(response.url()).pathname === "/v1/tenants") {
      answers.push({ status: response.status(), ifNoneMatch: response.request().headers()["if-none-match"] });
    }
  });
  await page.evaluate(() => { location.hash = "#/t/tepehuanes"; });
  await waitForView(page);
  await page.evaluate(() => { location.hash = "#/"; });
  await waitForView(page);
  assert.ok(answers.length >= 1, "the home page asked for the tenants again");
  for (const answer of answers) {
    assert.equal(answer.status, 304, JSON.stringify(answers));
    assert.match(answer.ifNoneMatch ?? "", /^"/);
  }
  const names = await page.$$eval(".card h3 a", (links) => links.map((a) => a.textContent));
  assert.ok(names.some((n) => n.includes("Tepehuanes")), "the page still shows the cached list");
  await page.close();
});

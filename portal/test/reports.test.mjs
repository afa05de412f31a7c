// The citizen reports page as a person uses it: create an account, sign in,
// report a problem on Gómez Palacio's "limpieza-calles" and find it in the
// list; a report without a description or a location shows the errors in
// Spanish next to their fields and stores nothing.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";

import { baseUrl, launchBrowser, openPortal, screenshot, sendReport, waitForView } from "./support.mjs";

const tenant = "gomez-palacio";
const email = `vecina-${Date.now()}-${randomUUID().slice(0, 8)}@example.mx`;
const password = "calles-limpias-2025";

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

/** The API's answer (JSON), with the signed-in person's token if given. */
async function apiGet(path, token) {
  const response = await fetch(`${baseUrl}${path}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  assert.equal(response.status, 200, `${path}: ${response.status}`);
  return response.json();
}

async function typeInto(page, selector, text) {
  await page.click(selector, { clickCount: 3 });
  await page.keyboard.press("Backspace");
  await page.type(selector, text);
}

/** Signs in with the account of the first test, or creates it when that test did not run. */
async function signInOrRegister(page) {
  await typeInto(page, "#acceso-correo", email);
  await typeInto(page, "#acceso-contrasena", password);
  await page.click(".auth-login button[type=submit]");
  const signedIn = await page.waitForSelector("#reporte-servicio", { timeout: 5000 }).then(() => true, () => false);
  if (!signedIn) {
    await typeInto(page, "#registro-nombre", "Vecina de Prueba");
    await typeInto(page, "#registro-correo", email);
    await typeInto(page, "#registro-contrasena", password);
    await page.click(".auth-register button[type=submit]");
    await page.waitForSelector("#reporte-servicio");
  }
}

async function fieldError(page, id) {
  return page.$eval(`#${id}`, (control) => {
    const error = document.getElementById(`${control.id}-error`);
    return {
      text: error?.textContent ?? "",
      invalid: control.getAttribute("aria-invalid"),
      describedBy: (control.getAttribute("aria-describedby") ?? "").split(" "),
    };
  });
}

async function myRequests(page) {
  const token = await page.evaluate(() => sessionStorage.getItem("cabildo.access_token"));
  assert.ok(token, "signed in");
  const answer = await apiGet(`/v1/tenants/${tenant}/service-requests/requests/mine?limit=100`, token);
  return answer.items;
}

test("a citizen creates an account, signs in, reports a problem and sees it listed", async () => {
  const page = await openPortal(browser, `/t/${tenant}/reportes`, { width: 1280 });
  assert.equal(await page.$eval("#main", (m) => m.dataset.state), "ready");

  // A password that is too short: the server's Spanish message, next to the field.
  await typeInto(page, "#registro-nombre", "Vecina de Prueba");
  await typeInto(page, "#registro-correo", email);
  await typeInto(page, "#registro-contrasena", "corta");
  await page.click(".auth-register button[type=submit]");
  await page.waitForFunction(() => document.getElementById("registro-contrasena-error")?.textContent);
  const short = await fieldError(page, "registro-contrasena");
  assert.match(short.text, /al menos 10 caracteres/);
  assert.equal(short.invalid, "true");
  assert.ok(short.describedBy.includes("registro-contrasena-error"));

  // Create the account: the page signs in with it and shows the report form.
  await typeInto(page, "#registro-contrasena", password);
  await page.click(".auth-register button[type=submit]");
  await page.waitForSelector("#reporte-servicio");
  assert.match(await page.$eval(".session-bar", (bar) => bar.textContent), new RegExp(email.replace(/[.]/g, "\\.")));

  // Sign out, then sign in: first with a wrong password (a clear message), then right.
  await page.click(".session-bar button");
  await page.waitForSelector("#acceso-correo");
  await typeInto(page, "#acceso-correo", email);
  await typeInto(page, "#acceso-contrasena", "no-es-la-contrasena");
  await page.click(".auth-login button[type=submit]");
  await page.waitForFunction(() => document.querySelector(".auth-login .form-alert")?.textContent);
  assert.match(await page.$eval(".auth-login .form-alert", (a) => a.textContent), /incorrect/i);
  await typeInto(page, "#acceso-contrasena", password);
  await page.click(".auth-login button[type=submit]");
  await page.waitForSelector("#reporte-servicio");

  // The report: the service, its required question, what happens, where.
  await page.select("#reporte-servicio", "limpieza-calles");
  await page.waitForSelector("#atributo-tipo_residuo");
  await page.select("#atributo-tipo_residuo", "escombro");
  const description = `Escombro de una obra abandonado en la banqueta (prueba ${randomUUID().slice(0, 8)}).`;
  await page.type("#reporte-descripcion", description);
  const address = "Calle Francisco Zarco 320 Nte., Zona Centro";
  await page.type("#reporte-direccion", address);
  await sendReport(page, ".report-result [data-folio]");
  const folio = await page.$eval(".report-result [data-folio]", (notice) => notice.dataset.folio);
  assert.match(folio, /^\d+$/);
  assert.match(await page.$eval(".report-result", (r) => r.textContent), new RegExp(`folio ${folio}`));

  // The list was fetched again and shows it, first, with its status.
  await page.waitForSelector(`.request-list [data-folio="${folio}"]`);
  const entry = await page.$eval(`.request-list [data-folio="${folio}"]`, (li) => ({
    text: li.textContent,
    first: li.parentElement.firstElementChild === li,
    status: li.dataset.status,
  }));
  assert.ok(entry.first, "the new request is the first of the list");
  assert.match(entry.text, /Limpieza de calles/);
  assert.ok(entry.text.includes(address), entry.text);
  if (entry.status === "duplicate") assert.match(entry.text, /Repite un reporte abierto/);
  else assert.match(entry.text, /Abierta\s*Recibida/);

  // The API has it too, as anyone sees it (no reporter data).
  const listed = (await apiGet(`/v1/tenants/${tenant}/service-requests/requests?service_code=limpieza-calles&limit=100`)).items;
  const stored = listed.find((request) => request.service_request_id === folio);
  assert.ok(stored, `folio ${folio} in the public list`);
  assert.equal(stored.description, description);
  assert.equal(stored.address, address);
  assert.deepEqual(stored.attributes, { tipo_residuo: "escombro" });
  await screenshot(page, "reportes-enviado-1280");
  // Chromium logs the answers the test provoked on purpose (422, 401); nothing else.
  assert.deepEqual(page.problems.filter((p) => !/status of (401|422)/.test(p)), []);

  // Reloading the page keeps the session (sessionStorage) and the list still shows it.
  await page.reload({ waitUntil: "networkidle0" });
  await waitForView(page);
  assert.ok(await page.$("#reporte-servicio"), "still signed in after a reload");
  assert.ok(await page.$(`.request-list [data-folio="${folio}"]`));
  await page.close();
});

test("a report without a description or a location shows the errors next to their fields and stores nothing", async () => {
  const page = await openPortal(browser, `/t/${tenant}/reportes`, { width: 360 });
  await signInOrRegister(page);
  const before = await myRequests(page);

  // No description: the portal says so before sending anything.
  await page.select("#reporte-servicio", "limpieza-calles");
  await page.select("#atributo-tipo_residuo", "basura_domestica");
  await page.type("#reporte-direccion", "Av. Morelos 300 Pte., Zona Centro");
  await page.click(".report-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("reporte-descripcion-error")?.textContent);
  const noDescription = await fieldError(page, "reporte-descripcion");
  assert.match(noDescription.text, /Describe el problema/);
  assert.equal(noDescription.invalid, "true");
  assert.ok(noDescription.describedBy.includes("reporte-descripcion-error"));
  assert.equal(await page.evaluate(() => document.activeElement?.id), "reporte-descripcion", "focus moves to the wrong field");

  // A description but no location (nor the service's required question): the
  // server's 422, each message next to its field, in Spanish.
  await page.type("#reporte-descripcion", "Bolsas de basura rotas en la esquina.");
  await typeInto(page, "#reporte-direccion", " ");
  await page.select("#atributo-tipo_residuo", "");
  await sendReport(page, "#reporte-direccion-error");
  const noLocation = await fieldError(page, "reporte-direccion");
  assert.match(noLocation.text, /ubicación/);
  assert.equal(noLocation.invalid, "true");
  assert.ok(noLocation.describedBy.includes("reporte-direccion-error"));
  const attribute = await fieldError(page, "atributo-tipo_residuo");
  assert.match(attribute.text, /obligatorio/);
  assert.equal((await fieldError(page, "reporte-descripcion")).text, "", "the fixed field's error is gone");
  assert.match(await page.$eval(".report-form .form-alert", (a) => a.textContent), /No se envió el reporte/);
  assert.equal(await page.$(".report-result [data-folio]"), null);
  await screenshot(page, "reportes-errores-360");

  const afterwards = await myRequests(page);
  assert.equal(afterwards.length, before.length, "nothing was stored");
  assert.deepEqual(page.problems.filter((p) => !/status of 422/.test(p)), []);
  await page.close();
});

test("the list of requests: newest first, open/closed filter and more on demand, as the API says", async () => {
  const all = [];
  let cursor = "";
  for (let i = 0; i < 20; i++) {
    const answer = await apiGet(`/v1/tenants/${tenant}/service-requests/requests?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    all.push(...answer.items);
    if (!answer.next_cursor) break;
    cursor = answer.next_cursor;
  }
  all.sort((a, b) => (a.requested_at !== b.requested_at ? (a.requested_at < b.requested_at ? 1 : -1) : Number(b.service_request_id) - Number(a.service_request_id)));
  const page = await openPortal(browser, `/t/${tenant}/reportes`, { width: 360 });
  const folios = () => page.$$eval(".request-list > li", (items) => items.map((li) => li.dataset.folio));
  const shown = await folios();
  assert.deepEqual(shown, all.slice(0, 20).map((r) => r.service_request_id));
  if (all.length > 20) {
    await page.click(".requests .more");
    assert.deepEqual(await folios(), all.slice(0, 40).map((r) => r.service_request_id));
  }
  await page.select("#filtro-estado", "open");
  const open = all.filter((r) => r.open311_status === "open");
  assert.deepEqual(await folios(), open.slice(0, 20).map((r) => r.service_request_id));
  const badges = await page.$$eval(".request-list .status-badge", (spans) => [...new Set(spans.map((s) => s.textContent))]);
  assert.deepEqual(badges, open.length ? ["Abierta"] : []);
  assert.match(await page.$eval(".requests [role=status]", (s) => s.textContent), new RegExp(`${open.length} solicitudes|de ${open.length} solicitudes`));
  assert.deepEqual(page.problems, []);
  await page.close();
});

test("a stale sign-in (a token the server no longer accepts) never breaks the pages: they load anonymously and ask to sign in again", async () => {
  const page = await openPortal(browser, `/t/${tenant}/reportes`, { width: 1280 });
  await page.evaluate(() => {
    sessionStorage.setItem("cabildo.access_token", "token-revocado-o-inventado");
    sessionStorage.setItem("cabildo.access_expires_at", String(Date.now() + 600000));
    sessionStorage.setItem("cabildo.user", JSON.stringify({ name: "Alguien", email: "alguien@example.mx" }));
  });
  await page.reload({ waitUntil: "load" });
  assert.equal(await waitForView(page), "ready");
  await page.waitForSelector(".request-list > li");
  // The first signed GET got 401: the session is gone and the page works.
  assert.equal(await page.evaluate(() => sessionStorage.getItem("cabildo.access_token")), null);
  // Other pages work too (hash navigation, as a click on the menu does).
  await page.evaluate(() => { location.hash = "#/t/durango/obras"; });
  await page.waitForFunction(() => document.querySelector("main h1")?.textContent.startsWith("Obra pública"));
  assert.equal(await waitForView(page), "ready");
  await page.evaluate((slug) => { location.hash = `#/t/${slug}/reportes`; }, tenant);
  await page.waitForSelector("#acceso-correo");
  assert.equal(await waitForView(page), "ready");
  assert.deepEqual(page.problems.filter((p) => !/status of 401/.test(p)), []);
  await page.close();
});

test("coordinates: a word instead of a number, or only one of the pair, is said next to the field before sending", async () => {
  const page = await openPortal(browser, `/t/${tenant}/reportes`, { width: 360 });
  await signInOrRegister(page);
  const before = await myRequests(page);
  await page.select("#reporte-servicio", "limpieza-calles");
  await page.select("#atributo-tipo_residuo", "ramas");
  await page.type("#reporte-descripcion", "Ramas en la banqueta.");
  await page.click(".report-form details summary");
  await page.type("#reporte-lat", "norte");
  await page.click(".report-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("reporte-lat-error")?.textContent);
  assert.match((await fieldError(page, "reporte-lat")).text, /Escribe un número/);
  assert.match((await fieldError(page, "reporte-long")).text, /va junto con la latitud/);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "reporte-lat");
  assert.equal((await myRequests(page)).length, before.length, "nothing was sent");
  // (401: the first sign-in attempt when this test runs alone, before the account exists.)
  assert.deepEqual(page.problems.filter((p) => !/status of 401/.test(p)), []);
  await page.close();
});

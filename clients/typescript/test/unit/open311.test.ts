// src/open311.ts: Open311 reports encoded as GeoReport v2 clients send them.
import assert from "node:assert/strict";
import { test } from "node:test";

import { isOpen311Errors, open311Form, open311FormBody } from "../../src/index.js";

test("attributes go as attribute[code] and lists as attribute[code][] once per value", () => {
  const body = open311FormBody({
    api_key: "k",
    service_code: "alumbrado-publico",
    lat: 24.0277,
    long: "-104.6532",
    attribute: { falla: "apagada", materiales: ["pet", "vidrio"] },
    "attribute[numero_poste]": "P-17",
    description: "Luminaria apagada & poste rayado",
    email: undefined,
  });
  assert.equal(
    body,
    "api_key=k&service_code=alumbrado-publico&lat=24.0277&long=-104.6532&attribute%5Bfalla%5D=apagada" +
      "&attribute%5Bmateriales%5D%5B%5D=pet&attribute%5Bmateriales%5D%5B%5D=vidrio" +
      "&attribute%5Bnumero_poste%5D=P-17&description=Luminaria+apagada+%26+poste+rayado",
  );
  const fields = new URLSearchParams(body);
  assert.deepEqual(fields.getAll("attribute[materiales][]"), ["pet", "vidrio"]);
  assert.equal(open311Form.headers["Content-Type"], "application/x-www-form-urlencoded");
  assert.equal(open311Form.bodySerializer({ "attribute[x][]": ["a", "b"] }), "attribute%5Bx%5D%5B%5D=a&attribute%5Bx%5D%5B%5D=b");
});

test("deeper nesting is refused, and Open311 error arrays are recognised", () => {
  assert.throws(() => open311FormBody({ attribute: { a: { b: "c" } } }), TypeError);
  assert.ok(isOpen311Errors([{ code: 403, description: "Falta api_key." }]));
  assert.ok(!isOpen311Errors({ status: 403, detail: "x" }));
});

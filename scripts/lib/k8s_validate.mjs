// Validates Kubernetes objects against the API's own schemas, offline, with
// the kubernetes-models packages (JSON schemas generated from Kubernetes'
// OpenAPI document, checked with ajv): types, required fields, enums and
// formats (an unknown field is not caught; scripts/lib/helm_check.py checks
// the fields the chart promises by name).
//
// Usage: node k8s_validate.mjs <node_modules dir> < objects.json (a JSON array)
// Exit 1 with one line per invalid object; an apiVersion/kind without a model
// is an error too, so nothing goes unchecked silently.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const docs = JSON.parse(readFileSync(0, "utf8"));
let bad = 0;
for (const doc of docs) {
  const where = `${doc.kind} ${doc.metadata?.name}`;
  const slash = doc.apiVersion.indexOf("/");
  const group = slash < 0 ? "" : doc.apiVersion.slice(0, slash);
  const version = doc.apiVersion.slice(slash + 1);
  const file =
    group === "monitoring.coreos.com"
      ? join(modules, "@kubernetes-models/prometheus-operator", group, version, `${doc.kind}.js`)
      : join(modules, "kubernetes-models", group || "v1", group ? version : "", `${doc.kind}.js`);
  let model;
  try {
    model = (await import(pathToFileURL(file).href))[doc.kind];
  } catch (error) {
    console.error(`k8s-validate: ${where}: no schema for ${doc.apiVersion} ${doc.kind} (${error.code ?? error.message})`);
    bad++;
    continue;
  }
  try {
    new model(doc).validate();
  } catch (error) {
    console.error(`k8s-validate: ${where} (${doc.apiVersion}): ${error.message}`);
    bad++;
  }
}
process.exit(bad ? 1 : 0);

// Prints Redocly ignore entries for the operations of an OpenAPI document
// that speak another standard (x-cabildo-error-format: open311, SDK 8):
// their 4xx are that standard's error arrays, not problem documents, and
// their form bodies are application/x-www-form-urlencoded. Read from the
// document itself, so no other operation is excused.
// Usage: node openapi-lint-ignores.js openapi.json >> .redocly.lint-ignore.yaml
const doc = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'));
const pointer = (text) => text.replace(/~/g, '~0').replace(/\//g, '~1');
const problems = [];
const forms = [];
for (const [path, item] of Object.entries(doc.paths || {})) {
  for (const [method, operation] of Object.entries(item)) {
    if (!operation || operation['x-cabildo-error-format'] !== 'open311') continue;
    const at = `#/paths/${pointer(path)}/${method}`;
    for (const code of Object.keys(operation.responses || {})) {
      if (code.startsWith('4')) problems.push(`${at}/responses/${code}`);
    }
    const content = (operation.requestBody && operation.requestBody.content) || {};
    if (content['application/x-www-form-urlencoded']) {
      forms.push(`${at}/requestBody/content/application~1x-www-form-urlencoded`);
    }
  }
}
const list = (rule, items) =>
  items.length ? `  ${rule}:\n` + items.map((item) => `    - '${item}'\n`).join('') : '';
process.stdout.write(list('operation-4xx-problem-details-rfc7807', problems) +
                     list('request-mime-type', forms));

#!/usr/bin/env bash
# Validates an OC4IDS project package against the OC4IDS 0.9.5 JSON Schema
# (draft-04) kept in ../shared/standards/oc4ids-0.9.5, with ajv 6 (the last
# ajv with draft-04 support) cached outside the repo.
#
#   scripts/test.d/40-oc4ids-validate.sh [package.json]
#
# The package: the argument, else $CABILDO_STATE_DIR/oc4ids-sample.json, which
# the public-works integration test writes from its real /oc4ids.json export.
# Without a package (integration tests not run yet) it says so and skips.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

ajv_version="6.12.6"
tools="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/cabildo-tools"
install_dir="$tools/ajv/$ajv_version"
standards="${CABILDO_STANDARDS_DIR:-$ROOT/../shared/standards}/oc4ids-0.9.5"
package="${1:-${CABILDO_STATE_DIR:-$ROOT/.local}/oc4ids-sample.json}"

if [[ ! -f "$standards/project-package-schema.json" ]]; then
  echo "oc4ids-validate: no schema at $standards" >&2
  exit 1
fi
if [[ ! -f "$package" ]]; then
  echo "oc4ids-validate: skipped, no package at $package (run the public-works integration test)"
  exit 0
fi
if [[ ! -f "$install_dir/node_modules/ajv/package.json" ]]; then
  mkdir -p "$install_dir"
  npm install --silent --no-audit --no-fund --prefix "$install_dir" "ajv@$ajv_version" >&2
fi

NODE_PATH="$install_dir/node_modules" node - "$standards" "$package" <<'JS'
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const [standards, packageFile] = process.argv.slice(2);
const read = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
// The draft-04 recipe of ajv 6's README.
const ajv = new Ajv({schemaId: 'id', meta: false, allErrors: true, format: 'full'});
const draft04 = require('ajv/lib/refs/json-schema-draft-04.json');
ajv.addMetaSchema(draft04);
ajv._opts.defaultMeta = draft04.id;
const project = read(path.join(standards, 'project-schema.json'));
const pkg = read(path.join(standards, 'project-package-schema.json'));
ajv.addSchema(project, project.id);
const validate = ajv.compile(pkg);
if (!validate(read(packageFile))) {
  console.error(`oc4ids-validate: ${packageFile} is not valid OC4IDS 0.9.5:`);
  for (const e of validate.errors) console.error(`  ${e.dataPath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  process.exit(1);
}
console.log(`oc4ids-validate: ${packageFile} is valid OC4IDS 0.9.5`);
JS

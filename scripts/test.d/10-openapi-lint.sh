#!/usr/bin/env bash
# Lints the OpenAPI 3.1 document the server publishes at /v1/openapi.json (the
# core plus every loaded plugin) with Redocly CLI, strictly and offline.
#
# The document: $CABILDO_OPENAPI_FILE when set (e.g. api/openapi/core.json),
# else what `cabildo openapi` prints from scripts/test's build. Redocly is one
# bundled npm package (no dependencies), cached outside the repo, so a warm run
# costs only the lint itself and needs no network.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

pkg="@redocly/cli"
pkg_version="2.77.0"
tools="${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/cabildo-tools"
install_dir="$tools/redocly/$pkg_version"
redocly="$install_dir/node_modules/.bin/redocly"
cabildo_bin="$ROOT/build/test/api/cabildo"

# node and npm come with the project's dependencies (quiet when present).
cabildo_install_deps

# Redocly CLI 2.x supports Node >=22.12 or 20.19-20.x; Debian 12's own nodejs
# (18.x) is too old and is refused here, with the reason, rather than half-working.
node_version="$(node -p 'process.versions.node')"
IFS=. read -r node_major node_minor _ <<<"$node_version"
if ! { ((node_major > 22)) || ((node_major == 22 && node_minor >= 12)) ||
  ((node_major == 20 && node_minor >= 19)); }; then
  cabildo_die "openapi-lint: $pkg@$pkg_version needs Node.js >= 22.12 or 20.19+, found $node_version"
fi

if [[ ! -x $redocly ]]; then
  echo "openapi-lint: installing $pkg@$pkg_version into $install_dir"
  mkdir -p "$tools/redocly"
  tmp="$(mktemp -d "$tools/redocly/.install.XXXXXX")"
  if ! npm install --prefix "$tmp" --no-save --no-package-lock --no-audit --no-fund \
    --no-update-notifier --loglevel=error "$pkg@$pkg_version" >/dev/null; then
    rm -rf "$tmp"
    cabildo_die "openapi-lint: npm install $pkg@$pkg_version failed"
  fi
  chmod 755 "$tmp"
  # Renamed into place last, so an interrupted install is never taken as done.
  rm -rf "$install_dir"
  mv "$tmp" "$install_dir"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Always linted as $work/openapi.json: the ignore file below names it so.
doc="$work/openapi.json"
if [[ -n ${CABILDO_OPENAPI_FILE:-} ]]; then
  [[ -f $CABILDO_OPENAPI_FILE ]] || cabildo_die "openapi-lint: no such file: $CABILDO_OPENAPI_FILE"
  cp -- "$CABILDO_OPENAPI_FILE" "$doc"
  what="$CABILDO_OPENAPI_FILE"
else
  [[ -x $cabildo_bin ]] ||
    cabildo_die "openapi-lint: $cabildo_bin is missing: run scripts/test, or set CABILDO_OPENAPI_FILE"
  # Non-zero also when a plugin fails to load or its fragment collides.
  "$cabildo_bin" openapi >"$doc" || cabildo_die "openapi-lint: '$cabildo_bin openapi' failed"
  what="cabildo openapi (core + plugins of ${CABILDO_PLUGIN_DIR:-build/test/plugins})"
fi

# recommended-strict: Redocly's recommended rules, every warning an error.
cat >"$work/redocly.yaml" <<'EOF'
extends:
  - recommended-strict
telemetry: off
rules:
  # We have not chosen a licence for the API description yet.
  info-license: off
  info-license-strict: off
  # Stricter than recommended: our own conventions (api-core.md).
  operation-4xx-problem-details-rfc7807: error  # every 4xx is application/problem+json
  operation-tag-defined: error
  operation-singular-tag: error
  parameter-description: error
  path-params-defined: error
  no-http-verbs-in-paths: error
  array-parameter-serialization: error
  component-name-unique: error
  spec-strict-refs: error
  request-mime-type:
    severity: error
    # application/x-ndjson: the tenant archive (POST /v1/tenants/import).
    allowedValues: [application/json, application/x-ndjson]
EOF

# operation-4xx-response stays on for every plugin route (each can at least
# answer 404, module not enabled). These core operations can only fail with
# 5xx, so they have no 4xx to document; api/src/openapi_test.cc checks the
# same list from the other side.
cat >"$work/.redocly.lint-ignore.yaml" <<'EOF'
openapi.json:
  operation-4xx-response:
    - '#/paths/~1healthz/get/responses'
    - '#/paths/~1readyz/get/responses'
    - '#/paths/~1metrics/get/responses'
    - '#/paths/~1v1~1openapi.json/get/responses'
    - '#/paths/~1v1~1modules/get/responses'
    - '#/paths/~1v1~1roles/get/responses'
EOF

# Operations of another standard's interface (Open311): their 4xx and form
# bodies are excused, and only theirs.
node "$ROOT/scripts/lib/openapi-lint-ignores.js" "$doc" >>"$work/.redocly.lint-ignore.yaml"

echo "openapi-lint: $pkg $pkg_version on $what"
# No update check, no telemetry: the lint needs no network once installed.
# Redocly prints a boxed Node 20 end-of-life notice on every run; dropped.
set +e
(cd "$work" && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_COLOR=1 \
  "$redocly" lint --config redocly.yaml --format stylish --max-problems 1000 openapi.json) \
  >"$work/lint.log" 2>&1
rc=$?
set -e
grep -v -F -e '║' -e '╔' -e '╚' "$work/lint.log" | sed '/^[[:space:]]*$/d' || true
((rc == 0)) || cabildo_die "openapi-lint: redocly lint failed (exit $rc)"
echo "openapi-lint: the OpenAPI document is valid"

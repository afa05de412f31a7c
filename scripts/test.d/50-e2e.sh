#!/usr/bin/env bash
# End to end, against a real server as a person runs it (issue 21): the
# typed client's unit tests; when portal/ exists, the public portal in
# headless Chromium (portal/test/*.test.mjs, after `npm ci` and
# `node build.mjs` there); a phone's day (clients/typescript/test/e2e,
# compiled with the client's pinned tsc into clients/typescript/build/test).
#
# The server is scripts/run itself with the test build's binary
# (CABILDO_E2E_BINARY overrides it), the demo data, a bootstrap instance
# admin with a random password (never printed; the tests get it by
# environment), the portal's build, its own state dir under /tmp and a free
# port. The tests get CABILDO_E2E_URL, CABILDO_E2E_ADMIN_EMAIL,
# CABILDO_E2E_ADMIN_PASSWORD and CABILDO_E2E_ARTIFACTS (build/e2e-artifacts:
# phone-day.json with timings and byte counts, the portal's screenshots, the
# server's log). At the end SIGINT stops scripts/run, which must take its
# PostgreSQL and Redis with it. On a failure the server log's tail is printed.
# Prints a summary of timings and bytes. About a minute, most of it the
# server's start (migrations and demo data). CABILDO_E2E_PORTAL=0 leaves the
# portal out (a quicker loop on the phone's day).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/run-server.sh
source "$ROOT/scripts/lib/run-server.sh"

started=$SECONDS
bin="${CABILDO_E2E_BINARY:-$ROOT/build/test/api/cabildo}"
[[ -x $bin ]] || cabildo_die "e2e: no server binary at $bin (build first, or set CABILDO_E2E_BINARY)"
command -v node >/dev/null || cabildo_die "e2e: node is missing (cabildo_install_deps installs it)"
client="$ROOT/clients/typescript"
portal="$ROOT/portal"
artifacts="$ROOT/build/e2e-artifacts"
# mktemp's short path: the unix sockets of the state dir must fit in 107 bytes.
work="$(mktemp -d /tmp/cabildo-e2e.XXXXXX)"
chmod 711 "$work" # as root, PostgreSQL runs as `postgres` and must reach its state dir
state="$work/state"
log="$work/server.log"
timings=""

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  cabildo_run_kill
  if [[ -f $state/.cabildo-state ]]; then
    CABILDO_STATE_DIR="$state" "$ROOT/scripts/services" stop >/dev/null 2>&1 || true
  fi
  [[ -f $log ]] && mkdir -p "$artifacts" && cp "$log" "$artifacts/server.log"
  rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT

fail() {
  echo "e2e: FAILED: $*" >&2
  if [[ -s $log ]]; then
    echo "--- server log (scripts/run; last 60 lines) ---" >&2
    tail -n 60 "$log" >&2 || true
  fi
  exit 1
}

# phase <name> <command...>: runs it and notes its wall time for the summary.
phase() {
  local name="$1" t0=$SECONDS rc=0
  shift
  "$@" || rc=$?
  timings+="$(printf '  %-34s %4d s' "$name" $((SECONDS - t0)))"$'\n'
  return "$rc"
}

# npm ci unless node_modules was installed after the lock file last changed
# (scripts/client --check has usually just installed the client's).
npm_ci() {
  local dir="$1"
  if [[ -f $dir/node_modules/.package-lock.json &&
    $dir/node_modules/.package-lock.json -nt $dir/package-lock.json &&
    $dir/node_modules/.package-lock.json -nt $dir/package.json ]]; then
    return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}

# --- the client: compiled once, unit tests before any server -----------------
compile_client() {
  npm_ci "$client" || fail "npm ci in clients/typescript failed"
  rm -rf "$client/build/test"
  (cd "$client" && npx --no-install tsc -p tsconfig.test.json) || fail "tsc -p clients/typescript/tsconfig.test.json failed"
}
phase "client: npm ci + tsc" compile_client
phase "client: unit tests" node --test --test-reporter=spec "$client"/build/test/test/unit/*.test.js ||
  fail "the client's unit tests failed"

have_portal=0
if [[ -f $portal/package.json && ${CABILDO_E2E_PORTAL:-1} != 0 ]]; then
  have_portal=1
  build_portal() {
    npm_ci "$portal" || fail "npm ci in portal/ failed"
    (cd "$portal" && node build.mjs) || fail "the portal's build failed"
  }
  phase "portal: npm ci + build" build_portal
fi

# --- the server ----------------------------------------------------------------
port="$(cabildo_free_port)"
base="http://127.0.0.1:$port"
admin_email="e2e-admin@example.mx"
admin_password="$(od -An -tx1 -N18 /dev/urandom | tr -d ' \n')"
# The portal as built above (without it, scripts/run would build it again).
portal_env=()
if ((have_portal)) || [[ -f $portal/dist/index.html ]]; then
  portal_env=(CABILDO_PORTAL_DIR="$portal/dist")
fi
start_server() {
  # Nothing of scripts/test's own services leaks in: scripts/run starts its own.
  cabildo_run_start "$log" env -u CABILDO_STATE_DIR -u CABILDO_DB_NAME -u CABILDO_DATABASE_URL \
    -u CABILDO_DATABASE_ADMIN_URL -u CABILDO_REDIS_URL -u CABILDO_TEST_SERVICES -u CABILDO_DATA_KEY \
    CABILDO_STATE_DIR="$state" CABILDO_LISTEN="127.0.0.1:$port" CABILDO_RUN_BINARY="$bin" \
    CABILDO_DEMO_DATA=1 CABILDO_BOOTSTRAP_ADMIN_EMAIL="$admin_email" \
    CABILDO_BOOTSTRAP_ADMIN_PASSWORD="$admin_password" "${portal_env[@]}" \
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$ROOT/scripts/run"
  cabildo_run_wait_ready "$base" 420 || fail "$CABILDO_RUN_ERROR"
}
phase "server: scripts/run until /readyz" start_server
echo "e2e: $base ready (state $state)"

# --- the tests -----------------------------------------------------------------
rm -rf "$artifacts"
mkdir -p "$artifacts"
export CABILDO_E2E_URL="$base" CABILDO_E2E_ADMIN_EMAIL="$admin_email" \
  CABILDO_E2E_ADMIN_PASSWORD="$admin_password" CABILDO_E2E_ARTIFACTS="$artifacts"
# The portal first: it reads the demo data as loaded, while the phone's day
# edits a work (and puts it back) and works with what it finds.
failed=()
if ((have_portal)); then
  shopt -s nullglob
  portal_tests=("$portal"/test/*.test.mjs)
  shopt -u nullglob
  if ((${#portal_tests[@]})); then
    phase "portal in Chromium (${#portal_tests[@]} files)" node --test --test-reporter=spec "${portal_tests[@]}" ||
      failed+=("the portal's tests (portal/test)")
  fi
fi
phase "phone's day" node --test --test-reporter=spec "$client"/build/test/test/e2e/*.test.js ||
  failed+=("the phone's day (clients/typescript/test/e2e)")
unset CABILDO_E2E_ADMIN_PASSWORD
((${#failed[@]} == 0)) || fail "${failed[*]}"
if grep -qE 'ERROR: AddressSanitizer|runtime error:' "$log"; then
  fail "the server reported a sanitizer error"
fi

phase "server: SIGINT until all stopped" cabildo_run_stop "$base" "$state" "$ROOT/scripts/services" ||
  fail "$CABILDO_RUN_ERROR"

# --- summary ---------------------------------------------------------------------
echo
echo "e2e: passed in $((SECONDS - started)) s"
printf '%s' "$timings"
if [[ -f $artifacts/phone-day.json ]]; then
  node - "$artifacts/phone-day.json" <<'JS'
const day = JSON.parse(require("node:fs").readFileSync(process.argv[2], "utf8"));
const kb = (n) => `${n} B`;
console.log(`phone's day: ${day.steps.length} steps in ${day.total_ms} ms, ${day.phone_requests} requests, ` +
  `${kb(day.phone_body_bytes)} of response bodies (gzip would make ${kb(day.phone_gzip_bytes)})`);
for (const s of day.steps) console.log(`  ${String(s.ms).padStart(5)} ms  ${s.step}`);
const f = day.full_sync, r = day.resync_after_one_change;
if (f && r) {
  console.log(`  public works, full sync: ${f.items} items in ${f.pages} pages, ${kb(f.body_bytes)} (gzip ${kb(f.gzip_bytes)})`);
  console.log(`  revalidation with If-None-Match: ${day.revalidation.requests} × 304, 0 B; empty delta: ${kb(day.empty_delta.body_bytes)}`);
  console.log(`  resync after one change: ${r.items} item, ${kb(r.body_bytes)} (gzip ${kb(r.gzip_bytes)}), ` +
    `${(r.fraction_of_full * 100).toFixed(1)} % of the full sync; tombstone sync ${kb(day.tombstone_sync.body_bytes)}`);
}
JS
fi
if [[ -f $ROOT/portal/build-sizes.json ]]; then
  node -e 'const s = require(process.argv[1]);
    console.log(`portal first load: ${s.js_bytes} B of JavaScript (gzip ${s.js_gzip_bytes} B; budget ${s.js_budget_bytes} B), ${s.css_bytes} B of CSS (gzip ${s.css_gzip_bytes} B)`);' \
    "$ROOT/portal/build-sizes.json"
fi
shopt -s nullglob
shots=("$artifacts"/*.png)
shopt -u nullglob
echo "artifacts: $artifacts (phone-day.json, server.log${shots[*]:+, ${#shots[@]} screenshots})"

#!/usr/bin/env bash
# scripts/run from a fresh clone with nothing beside it, as CI runs it (root):
# the clone lies in a new 0700 directory under /root, which PostgreSQL's
# `postgres` user cannot enter, so scripts/run must fall back to its per-clone
# state dir under /var/tmp (as non-root the clone's own .local/ is used). On a
# free port it waits for /readyz, checks that GET /v1/tenants/durango answers
# 200, stops scripts/run with SIGINT (as Ctrl-C would) and checks that the
# server is gone and that the PostgreSQL and Redis it started are stopped.
#
# Nothing is built: scripts/run serves the test build's binary
# (CABILDO_RUN_BINARY; this script's CABILDO_RUN_TEST_BINARY overrides it).
# The clone is of this checkout's HEAD with this tree's scripts/ copied over
# it, so uncommitted changes to the scripts are what runs. About 20-40 s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/run-server.sh
source "$ROOT/scripts/lib/run-server.sh"

started=$SECONDS
bin="${CABILDO_RUN_TEST_BINARY:-$ROOT/build/test/api/cabildo}"
[[ -x $bin ]] || cabildo_die "run-as-root: no server binary at $bin (build first, or set CABILDO_RUN_TEST_BINARY)"

parent=/tmp
[[ $EUID -eq 0 && -d /root && -w /root ]] && parent=/root
work="$(mktemp -d "$parent/cabildo-run-test.XXXXXX")" # 0700: postgres cannot enter
clone="$work/cabildo"
log="$(mktemp)"
state=""

fail() {
  echo "run-as-root: FAILED: $*" >&2
  echo "--- scripts/run output (last 40 lines) ---" >&2
  tail -n 40 "$log" >&2 || true
  exit 1
}

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  cabildo_run_kill
  if [[ -n $state && -f $state/.cabildo-state ]]; then
    CABILDO_STATE_DIR="$state" "$clone/scripts/services" stop >/dev/null 2>&1 || true
    rm -rf -- "$state"
  fi
  rm -rf -- "$work" "$log"
  exit "$rc"
}
trap cleanup EXIT

git clone -q "$ROOT" "$clone"
git -C "$clone" checkout -q --detach "$(git -C "$ROOT" rev-parse HEAD)"
cp -a "$ROOT/scripts/." "$clone/scripts/"
[[ $(ls -A "$work") == cabildo ]] || fail "the clone has something beside it"

if [[ $EUID -eq 0 ]]; then
  state="/var/tmp/cabildo-run-$(printf %s "$clone" | md5sum | cut -c1-12)"
else
  state="$clone/.local"
fi
[[ ! -e $state ]] || fail "state dir $state already exists"
port="$(cabildo_free_port)"

# scripts/run in its own process group (cabildo_run_start), so it can be sent
# the Ctrl-C a terminal would send. None of scripts/test's service variables
# leak into it: it starts its own.
cabildo_run_start "$log" env -u CABILDO_STATE_DIR -u CABILDO_DB_NAME -u CABILDO_DATABASE_URL \
  -u CABILDO_DATABASE_ADMIN_URL -u CABILDO_REDIS_URL -u CABILDO_TEST_SERVICES \
  CABILDO_LISTEN="127.0.0.1:$port" CABILDO_RUN_BINARY="$bin" ASAN_OPTIONS=detect_leaks=0 \
  "$clone/scripts/run"

base="http://127.0.0.1:$port"
cabildo_run_wait_ready "$base" 120 || fail "$CABILDO_RUN_ERROR"
echo "run-as-root: ready after $((SECONDS - started)) s (clone $clone, state $state)"
if [[ $EUID -eq 0 ]]; then
  grep -qF "using $state" "$log" || fail "scripts/run did not say it fell back to $state"
fi

code="$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/tenants/durango" || true)"
[[ $code == 200 ]] || fail "GET /v1/tenants/durango answered $code, not 200"

cabildo_run_stop "$base" "$state" "$clone/scripts/services" || fail "$CABILDO_RUN_ERROR"

echo "run-as-root: ok in $((SECONDS - started)) s: scripts/run served $base as $(id -un) from a clone in $parent, and SIGINT stopped the server, PostgreSQL and Redis"

#!/usr/bin/env bash
# The container image (scripts/image) built, loaded and run with podman
# against this test run's PostgreSQL and Redis, the way a cluster runs it:
# read-only root filesystem, user 10001 (the image's), no new privileges, no
# capabilities, a tmpfs on /tmp and nothing else writable.
#
#   1. scripts/image (reuses the image when its inputs are unchanged), then
#      `podman load` of build/image/cabildo.oci.tar (the archive is what ships);
#   2. a database of its own, cabildo_image (owned by cabildo_owner like the
#      test database), so ctest's database is untouched: `cabildo migrate`
#      and `cabildo tenants apply /usr/share/cabildo/tenants/durango.json`
#      run from the image;
#   3. `cabildo serve` from the image (its default command) on a free port of
#      the host network: /readyz → 200, GET /v1/tenants/durango/public-works/
#      projects → 200, / → the image's portal index.html and its script
#      (a server without CABILDO_PORTAL_DIR: the file must be in the image), the
#      process runs as uid 10001 with no capabilities and no new privileges,
#      and SIGTERM (podman stop) ends it with exit code 0.
#
# The services listen only on unix sockets in 0700 directories of the state
# dir (PostgreSQL's owned by `postgres` when root), which the container's
# user cannot enter: the socket files themselves are bind-mounted into the
# container (PostgreSQL's is 0777; Redis's is made 0777 for the test: its
# directory stays 0700, so no other local user reaches it).
#
# Skips, with a message saying so, where the kernel cannot run containers
# (no user namespaces: `unshare -r true` fails; `podman info` fails). About
# 10-20 s with the image up to date; a cold image build adds 2-4 minutes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"
# shellcheck source=scripts/lib/image.sh
source "$ROOT/scripts/lib/image.sh"

started=$SECONDS
say() { printf 'image-test: %s\n' "$*"; }
fail() {
  echo "image-test: FAILED: $*" >&2
  if [[ -n ${ctr:-} ]]; then
    echo "--- the container's log (last 40 lines) ---" >&2
    podman logs --tail 40 "$ctr" >&2 2>&1 || true
  fi
  exit 1
}

[[ -n ${CABILDO_STATE_DIR:-} && -n ${CABILDO_DATA_KEY:-} ]] ||
  cabildo_die "70-image.sh: run from scripts/test (needs its services: CABILDO_STATE_DIR, CABILDO_DATA_KEY)"

cabildo_install_container_deps
cabildo_image_storage_init
if ! unshare -r true 2>/dev/null; then
  say "SKIPPED: this kernel cannot run containers (unprivileged user namespaces are off: 'unshare -r true' fails); the image is neither built nor run"
  exit 0
fi
if ! podman_info="$(podman info 2>&1)"; then
  say "SKIPPED: this kernel cannot run containers ('podman info' fails: $(tail -n 1 <<<"$podman_info")); the image is neither built nor run"
  exit 0
fi

# --- 1. the image ---------------------------------------------------------------
t0=$SECONDS
"$ROOT/scripts/image" || fail "scripts/image failed"
build_s=$((SECONDS - t0))
# Loaded into a storage of the test's own, emptied first: what runs below is
# what the archive holds, not what scripts/image left in its storage.
cabildo_image_storage_init test
podman rmi -a -f >/dev/null 2>&1 || true
loaded="$(podman load -q -i "$CABILDO_IMAGE_ARCHIVE")" || fail "podman load -i $CABILDO_IMAGE_ARCHIVE failed"
image="$(sed -n 's/^Loaded image[^:]*: //p' <<<"$loaded" | cut -d, -f1)"
[[ -n $image ]] || fail "podman load named no image: $loaded"
runtime="$(cabildo_image_pick_runtime "$image")" ||
  fail "no OCI runtime runs the image: $(cat "$CABILDO_IMAGE_DIR/runtime-probe.log")"
say "image $image ready in $build_s s (runtime $runtime)"

# --- 2. its own database, migrated and with the tenants, from the image ----------
cabildo_state_init
db=cabildo_image
cabildo_psql_admin -d postgres -v db="$db" >/dev/null <<'SQL' || fail "could not create database $db"
SELECT format('DROP DATABASE %I WITH (FORCE)', :'db')
  WHERE EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SELECT format('CREATE DATABASE %I OWNER cabildo_owner', :'db') \gexec
SQL

pg_sock="$CABILDO_PG_DIR/.s.PGSQL.$CABILDO_PG_PORT"
[[ -S $pg_sock ]] || fail "no PostgreSQL socket at $pg_sock"
[[ -S $CABILDO_REDIS_SOCK ]] || fail "no Redis socket at $CABILDO_REDIS_SOCK"
chmod 0777 "$CABILDO_REDIS_SOCK"

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
mapfile -t ulimits < <(cabildo_image_ulimits)
run_args=(--runtime "$runtime" --read-only --tmpfs "/tmp:rw,nosuid,nodev,size=16m"
  --security-opt no-new-privileges --cap-drop all --network host "${ulimits[@]}"
  -v "$pg_sock:/run/cabildo/pg/.s.PGSQL.$CABILDO_PG_PORT"
  -v "$CABILDO_REDIS_SOCK:/run/cabildo/redis.sock"
  -e "CABILDO_DATABASE_URL=postgresql://cabildo_app@/$db?host=/run/cabildo/pg"
  -e "CABILDO_DATABASE_ADMIN_URL=postgresql://cabildo_owner@/$db?host=/run/cabildo/pg"
  -e "CABILDO_REDIS_URL=unix:///run/cabildo/redis.sock"
  -e "CABILDO_REDIS_PREFIX=cabildo-image:"
  -e CABILDO_DATA_KEY
  -e "CABILDO_LISTEN=127.0.0.1:$port")

# Their output (a line per migration) is shown only when they fail.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
podman run --rm "${run_args[@]}" "$image" migrate >"$log" 2>&1 ||
  fail "'cabildo migrate' from the image failed: $(tail -n 20 "$log")"
podman run --rm "${run_args[@]}" "$image" tenants apply /usr/share/cabildo/tenants/durango.json \
  >"$log" 2>&1 || fail "'cabildo tenants apply' from the image failed: $(tail -n 20 "$log")"
grep -q '^creados: .*durango' "$log" || fail "'cabildo tenants apply' created no tenant durango: $(cat "$log")"

# --- 3. the server ---------------------------------------------------------------
ctr="cabildo-image-test-$$"
# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
  podman rm -f -t 0 "$ctr" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT
podman run -d --name "$ctr" "${run_args[@]}" "$image" >/dev/null || fail "podman run (serve) failed"

base="http://127.0.0.1:$port"
ready=0
for ((i = 0; i < 300; i++)); do
  [[ $(podman inspect --format '{{.State.Running}}' "$ctr" 2>/dev/null) == true ]] ||
    fail "the container exited before it was ready"
  if [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true) == 200 ]]; then
    ready=1
    break
  fi
  sleep 0.1
done
((ready)) || fail "/readyz did not answer 200 within 30 s"

code="$(curl -s -o /dev/null -w '%{http_code}' "$base/v1/tenants/durango/public-works/projects" || true)"
[[ $code == 200 ]] || fail "GET /v1/tenants/durango/public-works/projects answered $code, not 200"

# The server process as the host sees it: user 10001, no capabilities, no new privileges.
pid="$(podman inspect --format '{{.State.Pid}}' "$ctr")"
status="$(cat "/proc/$pid/status")"
uid="$(awk '/^Uid:/ { print $2 }' <<<"$status")"
if [[ $EUID -eq 0 ]]; then
  [[ $uid == 10001 ]] || fail "the server runs as uid $uid, not 10001"
fi
grep -qE '^CapEff:\s+0+$' <<<"$status" || fail "the server has capabilities: $(grep ^CapEff <<<"$status")"
grep -qE '^NoNewPrivs:\s+1$' <<<"$status" || fail "the server may gain privileges (NoNewPrivs is not 1)"

# The portal: in the image where CABILDO_PORTAL_DIR points, and served at /
# with its assets once the server serves CABILDO_PORTAL_DIR (the image sets it).
portal="in the image (this server does not serve CABILDO_PORTAL_DIR yet)"
if [[ -f $ROOT/portal/package.json ]]; then
  index="$(podman cp "$ctr:/usr/share/cabildo/portal/index.html" - 2>/dev/null | tar -xO 2>/dev/null)" ||
    true
  grep -qi '<!doctype html' <<<"$index" ||
    fail "the image has no portal at /usr/share/cabildo/portal/index.html"
  if grep -qa CABILDO_PORTAL_DIR "$CABILDO_IMAGE_DIR/api/cabildo"; then
    body="$(curl -sf "$base/")" || fail "GET / failed"
    [[ $body == "$index" ]] || fail "GET / did not serve the image's portal index.html"
    asset="$(grep -o 'assets/[A-Za-z0-9._-]*\.js' <<<"$index" | sed -n 1p)"
    code="$(curl -s -o /dev/null -w '%{http_code}' "$base/$asset" || true)"
    [[ -n $asset && $code == 200 ]] || fail "GET /$asset (the portal's script) answered $code, not 200"
    portal="ok (index.html and /$asset)"
  fi
fi

podman stop -t 30 "$ctr" >/dev/null || fail "podman stop failed"
exit_code="$(podman inspect --format '{{.State.ExitCode}}' "$ctr")"
[[ $exit_code == 0 ]] || fail "the server exited $exit_code after SIGTERM, not 0"

say "ok in $((SECONDS - started)) s (image build/reuse $build_s s): migrate, tenants apply and serve from $image as uid 10001 on a read-only root; /readyz 200, public-works projects 200, portal at /: $portal, SIGTERM → exit 0"

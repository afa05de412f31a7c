#!/usr/bin/env bash
# Replicas that behave as one (issue 22, point 3), on loopback: three
# `cabildo serve` behind HAProxy, PostgreSQL behind PgBouncer, one Redis.
#
#   scripts/test.d/60-replicas.sh           the check scripts/test runs (~1-2 min)
#   scripts/test.d/60-replicas.sh --bench   the same with a Release binary (build/bench,
#                                           built if missing), then 3 rounds of 10 s req/s
#
# Own PostgreSQL + Redis (scripts/services in a mktemp state dir under /tmp):
# the script kills and restarts servers and fills Redis with rate-limit and
# revocation keys, so it never shares the suite's services; it also runs
# standalone. Then: migrate, tenants/durango.json, bench/run's public-works data set (60 published projects per tenant), an instance
# admin and two plain users.
#
# PgBouncer 1.18 (Debian 12) runs in SESSION mode: the server prepares its
# statements once per connection (libpqxx named statements), sets the
# statement_timeout for the session, and uses libpq pipeline mode; in
# transaction mode a client's next transaction may land on another server
# connection where its statements do not exist (1.18 has no protocol-level
# prepared statements; 1.21+ does). Session mode gives each replica's pooled
# connection one server connection for its life, so PgBouncer's pool is the
# sum of the replicas' CABILDO_DB_POOL_SIZE (3 x 8 = 24): it caps and shares
# connections across restarts, it does not multiplex. The row-level-security
# scope is set per transaction (set_config(..., true)); the test shows through
# PgBouncer, with a pool of ONE server connection, that the next client on the
# same server connection sees no scope and no rows, in session mode (the one
# used) and in transaction mode, where a session-level set_config (what a
# plain SET would do) does leak: the control that the check can see a leak.
#
# HAProxy (Debian's 2.6): round robin, no stickiness, HTTP/1.1 keep-alive to
# the servers, health checks GET /readyz every 200 ms (fall 2, rise 2: a dead
# or draining replica leaves rotation in ~0.4-0.6 s on a quiet machine, before
# the drain ends; CABILDO_SHUTDOWN_DRAIN_MS=2000 here, see DRAIN_MS),
# X-Forwarded-For set to the client (overwritten, never appended: the proxy
# is the edge), CABILDO_TRUSTED_PROXIES=127.0.0.1 on the replicas.
# Retries: a connection that could not be made (nothing sent) is retried on
# another server for every method; an empty response (the server died after
# the request was sent) is retried only for GET/HEAD: a POST may have been
# received and committed, so it is never sent twice (`disable-l7-retry`).
#
# The load generator (scripts/lib/replicas-load.mjs, node) sends anonymous
# reads of public lists, admin writes (public-works drafts, every 201's id
# logged at once to a client-side file) and login cycles (login, /v1/me,
# logout, /v1/me must be 401), with keep-alive, from many loopback addresses
# (127.0.1-3.x: separate clients for the rate limits). It asserts:
#   (a) a publish on one replica is visible to anonymous readers of the other
#       two, whose caches hold the old answer, within the documented bound
#       (100 ms: PublicCache max_staleness; + slack for this shared machine);
#   (b) the auth rate limit is shared (spent on replica 1 -> replicas 2 and 3
#       refuse within 2 x CABILDO_RATE_LIMIT_SYNC_MS; through HAProxy, the
#       client's address is the one limited) and a logout on one replica is
#       refused at once by the others;
#   (c) SIGKILL of a replica under load: HAProxy marks it down, failed requests
#       are at most those in flight at the kill (reported), and every write the
#       client saw acknowledged is in PostgreSQL afterwards (checked with psql);
#   (d) a rolling restart (SIGTERM, drain, exit, start, healthy, next) under
#       load: zero failed requests;
#   (e) req/s of a cached public read through HAProxy with 1 and with 3
#       backends enabled, same run (reported, not asserted: on 2 cores, three
#       replicas plus HAProxy, PgBouncer and wrk are CPU-bound).
# Summary printed; figures in build/replicas/result.json. Everything started
# here is stopped on exit.
#
# Environment: CABILDO_REPLICAS_BINARY (default build/test/api/cabildo, the
# test build, or build/bench/api/cabildo with --bench; its compiled-in plugin
# dir), REPLICAS_BENCH_SECONDS (wrk -d in --bench mode, default 10; one round
# of 3 s otherwise), REPLICAS_VISIBILITY_SLACK_MS
# (default 150: scheduling slack over the 100 ms bound on a loaded 2-core VM).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

MODE="test"
case "${1:-}" in
"") ;;
--bench) MODE=bench ;;
-h | --help)
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  exit 0
  ;;
*)
  echo "usage: $0 [--bench]" >&2
  exit 2
  ;;
esac

# --bench measures a Release binary (bench/run's build/bench, built if missing);
# the check uses the sanitizer build scripts/test just made.
BIN_OVERRIDE="${CABILDO_REPLICAS_BINARY:-}" # read before every CABILDO_* is unset below
if [[ $MODE == bench ]]; then
  BIN="${CABILDO_REPLICAS_BINARY:-$ROOT/build/bench/api/cabildo}"
else
  BIN="${CABILDO_REPLICAS_BINARY:-$ROOT/build/test/api/cabildo}"
fi
BENCH_SECONDS="${REPLICAS_BENCH_SECONDS:-10}"
VIS_SLACK_MS="${REPLICAS_VISIBILITY_SLACK_MS:-150}"
VIS_BOUND_MS=100
SYNC_MS=200
AUTH_LIMIT=20
# Windows are aligned to the epoch; 10 min (not the default 1 min) so that the
# probe rarely has to wait for a fresh window. The read limit is off: wrk and
# the load's readers stand for thousands of clients from a few addresses.
RL_WINDOW_S=600
POOL=8
# The drain must outlast the proxy's detection (inter 200 ms x fall 2 + the
# check's own time). That is ~0.5 s on a quiet machine, but up to 1.2 s was
# measured here with the 2 cores saturated: 2 s, and the roll asserts that
# HAProxy took each replica out before its drain ended. After the drain, new
# requests would get 503 (workers stopping) or a refused connection.
DRAIN_MS=2000
# The caller's CABILDO_* (scripts/test's services) must never reach ours.
while read -r var; do unset "$var"; done < <(compgen -v | grep '^CABILDO_' || true)
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

say() { printf 'replicas: %s\n' "$*"; }
started=$SECONDS
if [[ $MODE == bench && -z $BIN_OVERRIDE && ! -x $BIN ]]; then
  say "building $ROOT/build/bench (Release -O2, as bench/run)"
  cabildo_build "$ROOT/build/bench" Release -DCABILDO_BUILD_TESTS=OFF -DCABILDO_SANITIZE=OFF \
    "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG" >/dev/null
fi
[[ -x $BIN ]] || cabildo_die "replicas: no server binary at $BIN (build the test tree first, or set CABILDO_REPLICAS_BINARY)"
for tool in haproxy pgbouncer node wrk python3 curl; do
  command -v "$tool" >/dev/null || cabildo_install_deps
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY="$(command -v python3)"
LOAD=(node "$ROOT/scripts/lib/replicas-load.mjs")

OUT="$ROOT/build/replicas"
mkdir -p "$OUT"
rm -f "$OUT/result.json" "$OUT"/hang-*.txt
# Short, under /tmp: unix socket paths; 0755 so that `postgres` (PostgreSQL
# and PgBouncer run as that user when we are root) can enter it.
WORK="$(mktemp -d /tmp/cab-repl.XXXXXX)"
chmod 755 "$WORK"
export CABILDO_STATE_DIR="$WORK/svc" CABILDO_DB_NAME=cabildo_replicas
SERVICES="$ROOT/scripts/services"

declare -a PIDS=("" "" "")
haproxy_pid="" pgbouncer_pid="" load_pid=""
failures=()
fail() {
  failures+=("$*")
  say "FAILED: $*" >&2
}
die() {
  say "FATAL: $*" >&2
  exit 1
}

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  set +e
  for pid in "$load_pid" "${PIDS[@]}" "$haproxy_pid" "$pgbouncer_pid"; do
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  for pid in "$load_pid" "${PIDS[@]}" "$haproxy_pid" "$pgbouncer_pid"; do
    [[ -n $pid ]] && wait "$pid" 2>/dev/null
  done
  if [[ -f $CABILDO_STATE_DIR/.cabildo-state ]]; then
    "$SERVICES" stop >/dev/null 2>&1 || say "warning: could not stop the services in $CABILDO_STATE_DIR" >&2
  fi
  rm -rf "$OUT/logs"
  if ((rc != 0)) && [[ -d $WORK ]]; then
    rm -rf "$OUT/logs"
    mkdir -p "$OUT/logs"
    cp "$WORK"/*.log "$WORK"/haproxy/*.log "$WORK"/pgbouncer/*.log "$OUT/logs/" 2>/dev/null || true
    say "logs kept in $OUT/logs"
  fi
  rm -rf -- "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- services, schema, data -------------------------------------------------

cabildo_state_init
"$SERVICES" start >"$WORK/setup.log" 2>&1 || { tail -n 20 "$WORK/setup.log" >&2; die "services did not start"; }
eval "$("$SERVICES" env)"
export CABILDO_BIN="$BIN"
{
  "$BIN" migrate
  "$BIN" tenants apply "$ROOT/tenants/durango.json"
  # bench/run's public-works data set: 60 published projects per tenant.
  BENCH_LOG="$WORK/setup.log" RUN="$WORK"
  bench_psql() { "$CABILDO_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$CABILDO_DATABASE_ADMIN_URL" "$@"; }
  # shellcheck source=bench/datasets.sh
  source "$ROOT/bench/datasets.sh"
  dataset_projects
  ADMIN_EMAIL=admin@replicas.cabildo.test ADMIN_PASSWORD='bosque-nublado-4821'
  LOGIN_EMAIL=carga@replicas.cabildo.test LOGIN_PASSWORD='laguna-serena-7390'
  REVOKE_EMAIL=salida@replicas.cabildo.test REVOKE_PASSWORD='cerro-mercado-1563'
  printf '%s' "$ADMIN_PASSWORD" | "$BIN" user create --email "$ADMIN_EMAIL" --name 'Administración Réplicas' \
    --password-stdin --instance-admin
  printf '%s' "$LOGIN_PASSWORD" | "$BIN" user create --email "$LOGIN_EMAIL" --name 'Usuaria Carga' --password-stdin
  printf '%s' "$REVOKE_PASSWORD" | "$BIN" user create --email "$REVOKE_EMAIL" --name 'Usuario Salida' --password-stdin
} >>"$WORK/setup.log" 2>&1 || { tail -n 30 "$WORK/setup.log" >&2; die "migrate / tenants / projects / users failed"; }
say "services, schema, projects and users ready ($((SECONDS - started)) s)"

psql_super() { cabildo_psql_admin -d "$CABILDO_DB" -At "$@"; }
durango_id="$(psql_super -c "SELECT id FROM core.tenants WHERE slug = 'durango'")"

read -r PGB_PORT HAP_PORT STATS_PORT P1 P2 P3 <<<"$("$PY" "$ROOT/bench/lib/bench.py" ports 6)"
PORTS=("$P1" "$P2" "$P3")
URLS=("http://127.0.0.1:$P1" "http://127.0.0.1:$P2" "http://127.0.0.1:$P3")
PROXY="http://127.0.0.1:$HAP_PORT"

# --- PgBouncer ----------------------------------------------------------------

mkdir -p "$WORK/pgbouncer"
pgb_pool=$((3 * POOL))
cat >"$WORK/pgbouncer/pgbouncer.ini" <<EOF
; Generated by scripts/test.d/60-replicas.sh. Session mode: see the script's header.
[databases]
$CABILDO_DB = host=$CABILDO_PG_DIR port=$CABILDO_PG_PORT dbname=$CABILDO_DB pool_size=$pgb_pool
; One server connection each, for the row-level-security leak check.
leakcheck_session = host=$CABILDO_PG_DIR port=$CABILDO_PG_PORT dbname=$CABILDO_DB pool_size=1 pool_mode=session
leakcheck_txn = host=$CABILDO_PG_DIR port=$CABILDO_PG_PORT dbname=$CABILDO_DB pool_size=1 pool_mode=transaction

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = trust
auth_file = $WORK/pgbouncer/userlist.txt
pool_mode = session
max_client_conn = 200
default_pool_size = $pgb_pool
reserve_pool_size = 0
server_reset_query = DISCARD ALL
query_wait_timeout = 10
logfile = $WORK/pgbouncer/pgbouncer.log
pidfile = $WORK/pgbouncer/pgbouncer.pid
EOF
printf '"cabildo_app" ""\n"cabildo_owner" ""\n' >"$WORK/pgbouncer/userlist.txt"
pgb_user=()
if [[ $EUID -eq 0 ]]; then # PgBouncer refuses root; PostgreSQL's socket belongs to postgres
  chown -R postgres:postgres "$WORK/pgbouncer"
  pgb_user=(-u postgres)
fi
pgbouncer "${pgb_user[@]}" "$WORK/pgbouncer/pgbouncer.ini" >"$WORK/pgbouncer/stdout.log" 2>&1 &
pgbouncer_pid=$!
for ((i = 0; i < 100; i++)); do
  "$CABILDO_PG_BIN/psql" -X -At "postgresql://cabildo_app@127.0.0.1:$PGB_PORT/$CABILDO_DB" -c 'SELECT 1' \
    >/dev/null 2>&1 && break
  kill -0 "$pgbouncer_pid" 2>/dev/null || { cat "$WORK/pgbouncer/stdout.log" >&2; die "pgbouncer exited"; }
  sleep 0.1
done

# --- RLS scope leak check through PgBouncer -------------------------------------

app_psql() { "$CABILDO_PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 "postgresql://cabildo_app@127.0.0.1:$PGB_PORT/$1" "${@:2}"; }
PROBE_SQL="SELECT pg_backend_pid(), coalesce(current_setting('cabildo.tenant_ids', true), ''), (SELECT count(*) FROM public_works.projects)"
# Session mode: A scopes a transaction, commits and leaves; B gets the same
# (only) server connection.
a_out="$(app_psql leakcheck_session <<SQL
BEGIN;
SELECT set_config('cabildo.tenant_ids', '$durango_id', true);
SELECT 'A', pg_backend_pid(), (SELECT count(*) FROM public_works.projects);
COMMIT;
SQL
)" || die "leak check: client A failed"
b_out="$(app_psql leakcheck_session -c "$PROBE_SQL")" || die "leak check: client B failed"
IFS='|' read -r _ a_pid a_rows <<<"$(grep '^A|' <<<"$a_out")"
IFS='|' read -r b_pid b_scope b_rows <<<"$b_out"
leak_session_ok=false
if [[ $a_pid == "$b_pid" && $a_rows -gt 0 && -z $b_scope && $b_rows == 0 ]]; then
  leak_session_ok=true
else
  fail "RLS leak check (session mode): A pid $a_pid saw $a_rows rows; B pid $b_pid scope '$b_scope' rows $b_rows"
fi
# Transaction mode: B runs (through `\!`) while A is still connected, on the
# server connection A's transaction just gave back. Then the control: a
# session-level set_config in A, which transaction mode does leak to B.
txn_out="$(app_psql leakcheck_txn <<SQL
BEGIN;
SELECT set_config('cabildo.tenant_ids', '$durango_id', true);
SELECT 'A', pg_backend_pid(), (SELECT count(*) FROM public_works.projects);
COMMIT;
\\! "$CABILDO_PG_BIN/psql" -X -q -At "postgresql://cabildo_app@127.0.0.1:$PGB_PORT/leakcheck_txn" -c "$PROBE_SQL" >"$WORK/leak-b1.txt"
SELECT 'C', set_config('cabildo.tenant_ids', '$durango_id', false) IS NOT NULL;
\\! "$CABILDO_PG_BIN/psql" -X -q -At "postgresql://cabildo_app@127.0.0.1:$PGB_PORT/leakcheck_txn" -c "$PROBE_SQL" >"$WORK/leak-b2.txt"
SQL
)" || die "leak check (transaction mode) failed"
IFS='|' read -r _ ta_pid ta_rows <<<"$(grep '^A|' <<<"$txn_out")"
IFS='|' read -r tb_pid tb_scope tb_rows <"$WORK/leak-b1.txt"
IFS='|' read -r tc_pid tc_scope tc_rows <"$WORK/leak-b2.txt"
leak_txn_ok=false
if [[ $ta_pid == "$tb_pid" && $ta_rows -gt 0 && -z $tb_scope && $tb_rows == 0 &&
  $tc_pid == "$ta_pid" && $tc_scope == "$durango_id" && $tc_rows -gt 0 ]]; then
  leak_txn_ok=true
else
  fail "RLS leak check (transaction mode): A pid $ta_pid rows $ta_rows; B pid $tb_pid scope '$tb_scope' rows $tb_rows; control pid $tc_pid scope '$tc_scope' rows $tc_rows"
fi
say "PgBouncer 1.18 session mode, pool $pgb_pool; RLS scope leak check: session mode $leak_session_ok (A saw $a_rows rows on backend $a_pid, B on the same backend: scope '${b_scope}', $b_rows rows), transaction mode $leak_txn_ok (control: a session-level set_config leaks $tc_rows rows, as expected)"

# --- replicas ---------------------------------------------------------------------

start_replica() { # <index 0..2>
  local i=$1
  env CABILDO_LISTEN="127.0.0.1:${PORTS[$i]}" \
    CABILDO_DATABASE_URL="postgresql://cabildo_app@127.0.0.1:$PGB_PORT/$CABILDO_DB" \
    CABILDO_DATABASE_ADMIN_URL="$CABILDO_DATABASE_ADMIN_URL" \
    CABILDO_REDIS_URL="$CABILDO_REDIS_URL" CABILDO_DATA_KEY="$CABILDO_DATA_KEY" \
    CABILDO_TRUSTED_PROXIES=127.0.0.1 CABILDO_LOG_LEVEL=warn CABILDO_DB_POOL_SIZE=$POOL \
    CABILDO_SHUTDOWN_DRAIN_MS=$DRAIN_MS CABILDO_RATE_LIMIT_SYNC_MS=$SYNC_MS \
    CABILDO_RATE_LIMIT_AUTH=$AUTH_LIMIT CABILDO_RATE_LIMIT_READ=1000000000 \
    CABILDO_RATE_LIMIT_WINDOW_SECONDS=$RL_WINDOW_S \
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
    "$BIN" serve >>"$WORK/replica$((i + 1)).log" 2>&1 &
  PIDS[i]=$!
}
wait_ready() { # <index>: /readyz 200 within 30 s
  local i=$1 k
  for ((k = 0; k < 600; k++)); do
    kill -0 "${PIDS[$i]}" 2>/dev/null || { tail -n 20 "$WORK/replica$((i + 1)).log" >&2; die "replica $((i + 1)) exited"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "${URLS[$i]}/readyz" || true) == 200 ]] && return 0
    sleep 0.05
  done
  die "replica $((i + 1)) not ready within 30 s"
}
for i in 0 1 2; do start_replica "$i"; done
for i in 0 1 2; do wait_ready "$i"; done

# --- HAProxy ------------------------------------------------------------------------

mkdir -p "$WORK/haproxy"
HAP_SOCK="$WORK/haproxy/admin.sock"
cat >"$WORK/haproxy/haproxy.cfg" <<EOF
# Generated by scripts/test.d/60-replicas.sh (see its header and the README,
# "Replicas behind a proxy").
global
  maxconn 4096
  stats socket $HAP_SOCK mode 600 level admin
  log stdout format raw local0 info

defaults
  mode http
  log global
  option httplog
  option dontlog-normal          # only errors, retries and redispatches are logged
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
  timeout http-keep-alive 10s
  timeout check 1s

listen stats
  bind 127.0.0.1:$STATS_PORT
  stats enable
  stats uri /stats

frontend api
  bind 127.0.0.1:$HAP_PORT
  default_backend cabildo

backend cabildo
  balance roundrobin             # no stickiness: any replica answers any request
  option http-keep-alive         # HTTP/1.1 keep-alive to the servers
  http-reuse safe
  # The client's address, overwritten (never appended): this proxy is the edge.
  http-request set-header X-Forwarded-For %[src]
  http-request del-header Forwarded
  # Readiness: SIGTERM makes /readyz 503 for CABILDO_SHUTDOWN_DRAIN_MS ($DRAIN_MS ms);
  # 2 failures 200 ms apart take a replica out well before the drain ends.
  option httpchk
  http-check send meth GET uri /readyz ver HTTP/1.1 hdr Host localhost
  http-check expect status 200
  default-server inter 200ms fastinter 100ms downinter 500ms fall 2 rise 2
  # A failed connection (nothing was sent) is retried on another server for any
  # method; an empty response only for GET/HEAD: a POST may have been received.
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response
  http-request disable-l7-retry unless { method GET HEAD }
  http-response set-header X-Replica %s
  server r1 127.0.0.1:$P1 check
  server r2 127.0.0.1:$P2 check
  server r3 127.0.0.1:$P3 check
EOF
haproxy -c -q -f "$WORK/haproxy/haproxy.cfg" || die "haproxy rejected its configuration"
haproxy -db -f "$WORK/haproxy/haproxy.cfg" >"$WORK/haproxy/haproxy.log" 2>&1 &
haproxy_pid=$!

hap() { # <runtime API command>: its answer
  "$PY" - "$HAP_SOCK" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    out += chunk
sys.stdout.write(out.decode())
PY
}
server_status() { # <r1|r2|r3>: UP, DOWN, MAINT, ... (curl: cheaper than a python per poll)
  curl -s --max-time 2 "http://127.0.0.1:$STATS_PORT/stats;csv" | awk -F, -v s="$1" '$1 == "cabildo" && $2 == s { print $18 }'
}
wait_status() { # <server> <regex> <timeout s>: seconds waited, or fails
  local s=$1 want=$2 t0 now
  t0=$(date +%s%N)
  while :; do
    [[ $(server_status "$s" 2>/dev/null || true) =~ $want ]] && break
    now=$(date +%s%N)
    (((now - t0) / 1000000 > $3 * 1000)) && return 1
    sleep 0.02
  done
  echo $((($(date +%s%N) - t0) / 1000000))
}
for ((i = 0; i < 100; i++)); do [[ -S $HAP_SOCK ]] && break; sleep 0.05; done
for s in r1 r2 r3; do wait_status "$s" '^UP' 10 >/dev/null || die "HAProxy did not see $s UP"; done
say "3 replicas on ${PORTS[*]} behind HAProxy $PROXY, PgBouncer 127.0.0.1:$PGB_PORT ($((SECONDS - started)) s)"

# --- tokens ---------------------------------------------------------------------------

ADMIN_TOKEN="$(curl -sS --interface 127.0.0.14 -H 'Content-Type: application/json' \
  -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" "${URLS[0]}/v1/auth/login" |
  "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" || die "admin login failed"

# --- load helpers -----------------------------------------------------------------------

start_load() { # <phase name>
  rm -rf "$WORK/load-$1"
  "${LOAD[@]}" load --base "$PROXY" --out "$WORK/load-$1" --token "$ADMIN_TOKEN" \
    --login-email "$LOGIN_EMAIL" --login-password "$LOGIN_PASSWORD" \
    --readers 6 --read-rate 40 --writers 2 --write-rate 5 --logins 1 --login-rate 1 \
    >"$WORK/load-$1.log" 2>&1 &
  load_pid=$!
}
stop_load() { # <phase name>: waits for stats.json
  kill -TERM "$load_pid"
  wait "$load_pid" || { cat "$WORK/load-$1.log" >&2; die "load generator ($1) failed"; }
  load_pid=""
  [[ -s $WORK/load-$1/stats.json ]] || die "load generator ($1) wrote no stats"
}
stat_of() { # <phase> <python expression over s>
  "$PY" -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$WORK/load-$1/stats.json"
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# --- phase 1: steady mixed load; (a) visibility, (b) shared limits and revocation --------

start_load steady
sleep 1
vis="$("${LOAD[@]}" visibility --replicas "$(IFS=,; echo "${URLS[*]}")" --token "$ADMIN_TOKEN" \
  --rounds 6 --bound-ms "$VIS_BOUND_MS")" || die "visibility probe failed"
echo "$vis" >"$WORK/visibility.json"
vis_summary="$("$PY" - "$vis" "$VIS_BOUND_MS" "$VIS_SLACK_MS" <<'PY'
import json, sys
r, bound, slack = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
bad = []
if not r["all_seen"]:
    bad.append("a write was never seen on some replica (or not at once on its own)")
elif r["max_last_stale_sent_ms"] > bound + slack:
    bad.append(f"a read sent {r['max_last_stale_sent_ms']} ms after the write got the old answer "
               f"(bound {bound:g} ms + {slack:g} ms slack)")
seen = " ".join(str(o["seen_ms"]) for x in r["rounds"] for o in x["readers"])
stale = " ".join("-" if o["last_stale_sent_ms"] is None else str(o["last_stale_sent_ms"])
                 for x in r["rounds"] for o in x["readers"])
print(f"{r['max_last_stale_sent_ms']}\t{r['max_seen_ms']}\t{seen}\t{stale}\t{'; '.join(bad)}")
PY
)"
IFS=$'\t' read -r vis_stale vis_max vis_seen vis_stale_list vis_bad <<<"$vis_summary"
[[ -z $vis_bad ]] || fail "visibility: $vis_bad"
say "(a) a publish on one replica, read back to back on the other two (6 rounds x 2 readers): first fresh answer after $vis_seen ms (max $vis_max ms, request time included); last stale answer to a read sent $vis_stale_list ms after the write ('-': none; max $vis_stale ms; bound $VIS_BOUND_MS ms + $VIS_SLACK_MS ms slack)"

rl="$("${LOAD[@]}" ratelimit --replicas "$(IFS=,; echo "${URLS[*]}")" --limit "$AUTH_LIMIT" \
  --sync-ms "$SYNC_MS" --window-s "$RL_WINDOW_S" --via "$PROXY")" || die "rate-limit probe failed"
echo "$rl" >"$WORK/ratelimit.json"
RL_SLACK_MS=500
rl_summary="$("$PY" - "$rl" "$SYNC_MS" "$RL_SLACK_MS" <<'PY'
import json, sys
r, sync, slack = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
bad = []
if r["direct_spent_refused"]: bad.append("the bucket refused before its limit")
if r["direct_next_on_replica1"] != 429: bad.append(f"replica 1 answered {r['direct_next_on_replica1']} past the limit")
for k in ("direct_replica2_refused_after_ms", "direct_replica3_refused_after_ms"):
    if r[k] is None or r[k] > 2 * sync + slack: bad.append(f"{k} = {r[k]} (bound {2 * sync} ms + {slack} ms slack)")
if r["via_spent_refused"]: bad.append("through HAProxy the bucket refused before its limit")
if not r["via_all_refuse"] or r["via_all_refuse_after_ms"] > 2 * sync + slack:
    bad.append(f"through HAProxy r1, r2 and r3 refused only after {r['via_all_refuse_after_ms']} ms (answers before: {r['via_answers_before']})")
if r["via_other_client"] == 429: bad.append("another client through HAProxy was refused too")
print(f"{r['direct_replica2_refused_after_ms']}\t{r['direct_replica3_refused_after_ms']}\t{r['via_all_refuse_after_ms']}\t{' '.join(r['via_answers_before']) or 'none'}\t{'; '.join(bad)}")
PY
)"
IFS=$'\t' read -r rl_r2 rl_r3 rl_via rl_via_before rl_bad <<<"$rl_summary"
[[ -z $rl_bad ]] || fail "shared rate limit: $rl_bad"
say "(b) auth limit ($AUTH_LIMIT per $RL_WINDOW_S s) spent on replica 1 from one client: replica 2 refuses it after $rl_r2 ms, replica 3 after $rl_r3 ms (counts shared every $SYNC_MS ms); spent through HAProxy by another: r1, r2, r3 all refuse after $rl_via ms (answers before: $rl_via_before); a third client through HAProxy is not refused"

rv="$("${LOAD[@]}" revocation --replicas "$(IFS=,; echo "${URLS[*]}")" --email "$REVOKE_EMAIL" \
  --password "$REVOKE_PASSWORD")" || die "revocation probe failed"
echo "$rv" >"$WORK/revocation.json"
[[ $rv == '{"before":[200,200,200],"logout":204,"after":[401,401,401]}' ]] ||
  fail "shared revocation: $rv (want /v1/me 200 on all, logout 204, then 401 on all)"
say "(b) token revocation: $rv"
sleep 1
stop_load steady
steady_failed="$(stat_of steady 's["failed"]')"
((steady_failed == 0)) || fail "steady load: $steady_failed failed requests: $(stat_of steady 's["failures"][:5]')"
say "steady load: $(stat_of steady 's["requests"]') requests in $(stat_of steady 'round(s["duration_s"],1)') s, $steady_failed failed, per replica $(stat_of steady 's["replicas"]')"

# --- phase 2: SIGKILL one replica under load ---------------------------------------------

start_load kill
sleep 2
killed=${PIDS[1]}
disown "$killed" # no "Killed" line from the shell; its status is not needed
kill_ms=$(ms_now)
kill -KILL "$killed"
kill_detect_ms="$(wait_status r2 '^DOWN' 10)" || { fail "HAProxy never marked the killed r2 DOWN"; kill_detect_ms=10000; }
while cabildo_pid_alive "$killed"; do sleep 0.02; done
gone_ms=$(($(ms_now) - kill_ms))
PIDS[1]=""
sleep 2
stop_load kill
kill_failed="$(stat_of kill 's["failed"]')"
kill_fail_list="$("$PY" - "$WORK/load-kill/stats.json" "$kill_ms" <<'PY'
import json, sys
s, k = json.load(open(sys.argv[1])), int(sys.argv[2])
print("; ".join(f"{f['what'][:14]} sent {f['sent_ms'] - k} ms and failed {f['t_ms'] - k} ms after the kill"
                f" ({f['status'] or f['error']})" for f in s["failures"]) or "none")
PY
)"
# Acknowledged writes of the whole run so far (steady + kill), checked in PostgreSQL.
cat "$WORK"/load-*/acked-writes.txt >"$WORK/acked.txt"
cat "$WORK"/load-*/attempted-writes.txt >"$WORK/attempted.txt"
check_writes() { # prints: acked lost ghost (ghost: committed, though the client saw no 2xx)
  psql_super <<SQL
CREATE TEMP TABLE acked (id uuid, title text);
CREATE TEMP TABLE attempted (title text);
\\copy acked FROM '$WORK/acked.txt'
\\copy attempted FROM '$WORK/attempted.txt'
SELECT (SELECT count(*) FROM acked),
  (SELECT count(*) FROM acked a WHERE NOT EXISTS
     (SELECT 1 FROM public_works.projects p WHERE p.id = a.id AND p.title = a.title)),
  (SELECT count(*) FROM attempted t WHERE NOT EXISTS (SELECT 1 FROM acked a WHERE a.title = t.title)
     AND EXISTS (SELECT 1 FROM public_works.projects p WHERE p.title = t.title));
SQL
}
read -r acked_n lost_n ghost_n <<<"$(check_writes | tr '|' ' ')"
((lost_n == 0)) || fail "$lost_n acknowledged writes are missing from PostgreSQL"
say "(c) SIGKILL r2 under load: HAProxy marked it DOWN after $kill_detect_ms ms (the process was gone after $gone_ms ms); $kill_failed failed requests: $kill_fail_list; acknowledged writes $acked_n, lost $lost_n, committed without an answer $ghost_n"
# Failures must be confined to the kill: POSTs (GETs are retried) sent to the
# dying replica before HAProxy took it out.
late="$(stat_of kill "[f['what'] for f in s['failures'] if not f['what'].startswith('POST ') or f['sent_ms'] - $kill_ms > $kill_detect_ms]")"
[[ $late == "[]" ]] || fail "failed requests other than POSTs in flight to the killed replica: $late"
start_replica 1
wait_ready 1
wait_status r2 '^UP' 10 >/dev/null || fail "r2 did not come back UP in HAProxy"

# --- phase 3: rolling restart under load --------------------------------------------------

start_load roll
sleep 1
roll_notes=()
for i in 0 1 2; do
  s="r$((i + 1))"
  t0=$(ms_now)
  kill -TERM "${PIDS[$i]}"
  down_ms="$(wait_status "$s" '^(DOWN|NOLB)' 10)" || down_ms=10000
  ((down_ms < DRAIN_MS)) || fail "HAProxy took $s out only after $down_ms ms, not within its $DRAIN_MS ms drain"
  for ((k = 0; k < 600; k++)); do # 30 s: drain 1 s, in-flight requests, exit
    cabildo_pid_alive "${PIDS[$i]}" || break
    sleep 0.05
  done
  if cabildo_pid_alive "${PIDS[$i]}"; then
    fail "$s still running 30 s after SIGTERM (its threads' stacks: $OUT/hang-$s.txt)"
    gdb -p "${PIDS[$i]}" -batch -ex 'thread apply all bt' >"$OUT/hang-$s.txt" 2>&1 || true
    kill -KILL "${PIDS[$i]}"
  fi
  rc=0
  { wait "${PIDS[$i]}" || rc=$?; } 2>/dev/null
  exit_ms=$(($(ms_now) - t0))
  ((rc == 0)) || fail "$s exited $rc after SIGTERM"
  start_replica "$i"
  wait_ready "$i"
  wait_status "$s" '^UP' 10 >/dev/null || fail "$s did not come back UP"
  roll_notes+=("$s: out of rotation after ${down_ms} ms, exited after ${exit_ms} ms (rc $rc), back UP $(($(ms_now) - t0)) ms after SIGTERM")
done
sleep 1
stop_load roll
roll_failed="$(stat_of roll 's["failed"]')"
((roll_failed == 0)) || fail "rolling restart: $roll_failed failed requests: $(stat_of roll 's["failures"][:5]')"
say "(d) rolling restart under load: $(stat_of roll 's["requests"]') requests, $roll_failed failed; $(printf '%s; ' "${roll_notes[@]}")"
cat "$WORK"/load-*/acked-writes.txt >"$WORK/acked.txt"
cat "$WORK"/load-*/attempted-writes.txt >"$WORK/attempted.txt"
read -r acked_n lost_n ghost_n <<<"$(check_writes | tr '|' ' ')"
((lost_n == 0)) || fail "$lost_n acknowledged writes are missing from PostgreSQL (after the roll)"

# --- phase 4: req/s, 1 vs 3 replicas, same HAProxy -------------------------------------------

READ_PATH='/v1/tenants/durango/public-works/projects?limit=20'
if [[ $MODE == bench ]]; then rounds=3 dur=$BENCH_SECONDS; else rounds=1 dur=3; fi
wrk_rps() { # prints req/s; fails on errors or non-2xx
  local out
  out="$(wrk -t2 -c32 -d"${dur}s" --timeout 5s "$PROXY$READ_PATH")"
  echo "$out" >>"$WORK/wrk.log"
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    fail "wrk saw errors: $(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ')"
  fi
  awk '/^Requests\/sec:/ { printf "%d\n", $2 }' <<<"$out"
}
one=() three=()
curl -s -o /dev/null "$PROXY$READ_PATH" # warm every cache
for ((r = 0; r < rounds; r++)); do
  three+=("$(wrk_rps)")
  hap "set server cabildo/r2 state maint" >/dev/null
  hap "set server cabildo/r3 state maint" >/dev/null
  one+=("$(wrk_rps)")
  hap "set server cabildo/r2 state ready" >/dev/null
  hap "set server cabildo/r3 state ready" >/dev/null
  if ! wait_status r2 '^UP' 10 >/dev/null || ! wait_status r3 '^UP' 10 >/dev/null; then
    fail "r2/r3 not UP after leaving maintenance"
  fi
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
rps1="$(median "${one[@]}")" rps3="$(median "${three[@]}")"
say "(e) cached public read through HAProxy, wrk -t2 -c32 ${dur}s x $rounds: 1 replica $rps1 req/s, 3 replicas $rps3 req/s (rounds: ${one[*]} / ${three[*]}) — 2 shared cores: CPU-bound, not a scaling figure"

# --- result -----------------------------------------------------------------------------------

total_failed=$((steady_failed + kill_failed + roll_failed))
"$PY" - "$OUT/result.json" <<PY
import json, sys
def load(p):
    with open(p) as f:
        return json.load(f)
w = "$WORK"
result = {
  "mode": "$MODE", "binary": "$BIN", "replicas": 3, "haproxy": "$(haproxy -v | head -n 1 | awk '{print $3}')",
  "pgbouncer": "$(pgbouncer --version | head -n 1 | awk '{print $2}')", "pgbouncer_pool_mode": "session",
  "pgbouncer_pool_size": $pgb_pool,
  "rls_leak_check": {"session_mode_no_leak": "$leak_session_ok" == "true",
                     "transaction_mode_no_leak": "$leak_txn_ok" == "true",
                     "transaction_mode_control_leaks_session_setting": "$leak_txn_ok" == "true"},
  "visibility": load(w + "/visibility.json"),
  "visibility_max_seen_ms": $vis_max, "visibility_max_last_stale_sent_ms": $vis_stale, "visibility_bound_ms": $VIS_BOUND_MS, "visibility_slack_ms": $VIS_SLACK_MS,
  "rate_limit": load(w + "/ratelimit.json"),
  "revocation": load(w + "/revocation.json"),
  "steady": {"requests": load(w + "/load-steady/stats.json")["requests"], "failed": $steady_failed},
  "kill": {"requests": load(w + "/load-kill/stats.json")["requests"], "failed": $kill_failed,
           "haproxy_down_after_ms": $kill_detect_ms,
           "failures": load(w + "/load-kill/stats.json")["failures"], "kill_t_ms": $kill_ms},
  "rolling_restart": {"requests": load(w + "/load-roll/stats.json")["requests"], "failed": $roll_failed,
                      "notes": $("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${roll_notes[@]}")},
  "failed_requests_total": $total_failed,
  "acknowledged_writes": $acked_n, "lost_writes": $lost_n, "committed_without_answer": $ghost_n,
  "req_per_s": {"path": "$READ_PATH", "seconds": $dur, "rounds": $rounds,
                "one_replica": $rps1, "three_replicas": $rps3,
                "one_rounds": [$(IFS=,; echo "${one[*]}")], "three_rounds": [$(IFS=,; echo "${three[*]}")],
                "note": "2 shared cores: three replicas, HAProxy, PgBouncer, PostgreSQL, Redis and wrk compete for CPU"},
  "assertion_failures": $("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${failures[@]}"),
  "wall_s": $((SECONDS - started)),
}
with open(sys.argv[1], "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
PY

cat <<EOF

== replicas summary ($((SECONDS - started)) s; $OUT/result.json)
failed requests: steady $steady_failed, SIGKILL $kill_failed (in flight at the kill), rolling restart $roll_failed
writes: $acked_n acknowledged, $lost_n lost, $ghost_n committed without an answer
visibility on the other replicas: no stale answer to a read sent later than $vis_stale ms after the write (bound $VIS_BOUND_MS ms); first fresh answer within $vis_max ms
req/s (cached public read via HAProxy): 1 replica $rps1, 3 replicas $rps3
EOF
if ((${#failures[@]})); then
  printf 'replicas: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "replicas: ok"

#!/usr/bin/env bash
# Faults under mixed load (issue 23, point 1), on loopback, ~2 min.
#
#   scripts/test.d/65-faults.sh
#
# Own PostgreSQL + Redis (scripts/services in a mktemp state dir under /tmp:
# the script kills Redis and stops PostgreSQL), migrate, tenants/durango.json
# (every module enabled on the Durango tenants), scripts/demo-data.sh (every
# module's demo data), an instance admin, a citizen and a login user. Server A
# (`cabildo serve`, the test build: ASan+UBSan, CABILDO_DB_TIMEOUT_MS=1000)
# takes the load; server B, the same binary on the same services, is the
# other replica the Redis coherence probe reads from.
#
# The load (scripts/lib/faults-load.mjs, node, keep-alive, many loopback
# addresses) reads every module's public lists and the core's anonymously,
# writes in every module (public-works drafts, procedure-registry procedures,
# open-government commitments, scholarship applications by a citizen,
# service-requests reports as JSON and through Open311) logging every 2xx's
# id at once, and runs login cycles. Scenarios, each asserted:
#   1. Redis SIGKILL, restarted after 4 s: no request fails; the auth limit
#      still refuses past its count while Redis is down (each process counts
#      alone, as the README says); after the restart a publish on A is seen by
#      B within the documented 100 ms (+ slack) — measured from the restart.
#   2. Redis SIGSTOP 5 s, SIGCONT: nothing fails; the latency of requests sent
#      during the stall is bounded by the circuit breaker (see STALL_ADD_P99_MS).
#   3. PostgreSQL restart (fast shutdown, started again after 3 s): every
#      answer is the expected one or a 503 with Retry-After (no 500, no reset
#      connection, nothing else), no 503 once recovered, time to the first 2xx
#      write measured, no restart of Cabildo.
#   4. A psql session holds LOCK TABLE procedure_registry.procedures IN ACCESS
#      EXCLUSIVE MODE for 10 s: writes of procedures answer 503 with
#      Retry-After after ~CABILDO_DB_TIMEOUT_MS, every other route keeps its
#      answers, and afterwards all is green: procedures are written again,
#      /readyz 200, the pool idle, and a closed-loop burst of uncached reads has
#      the throughput it had before (no worker or connection lost).
# Then every write acknowledged in any phase is looked up in PostgreSQL row by
# row, and GET /v1/tenants/{t}/audit/verify is OK for every tenant.
# Summary printed; figures in build/faults/result.json. Everything started here
# is stopped on exit.
#
# Environment: CABILDO_FAULTS_BINARY (default build/test/api/cabildo),
# FAULTS_VISIBILITY_SLACK_MS (default 150: scheduling slack over the 100 ms
# bound on a loaded 2-core VM).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
case "${1:-}" in
"") ;;
-h | --help)
  sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
  exit 0
  ;;
*)
  echo "usage: $0" >&2
  exit 2
  ;;
esac

BIN="${CABILDO_FAULTS_BINARY:-$ROOT/build/test/api/cabildo}"
VIS_SLACK_MS="${FAULTS_VISIBILITY_SLACK_MS:-150}"
VIS_BOUND_MS=100
DB_TIMEOUT_MS=1000
AUTH_LIMIT=20
LOCK_S=10
# Redis stalled: a Redis call waits at most the 200 ms command timeout; the
# first one that does trips the circuit, and later calls fail at once until
# Redis answers (a background call probes it). A request makes at most two
# Redis calls in a row on its path (token check, public cache lookup; the
# limiter counts in memory), so the stall may add up to 2 x 200 ms to a
# request, never the 5 s of the stall. Bounds, against the same phase's
# requests outside the stall (this shared 2-core machine's own latency, the
# ASan build's): p99 + STALL_ADD_P99_MS, max + STALL_ADD_MAX_MS (the extra
# 200 ms of the max: scheduling slack). Logins are reported apart: Argon2id
# under ASan takes 1-5 s on a loaded machine, stall or not.
STALL_ADD_P99_MS=400
STALL_ADD_MAX_MS=600
# The caller's CABILDO_* (scripts/test's services) must never reach ours.
while read -r var; do unset "$var"; done < <(compgen -v | grep '^CABILDO_' || true)
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

say() { printf 'faults: %s\n' "$*"; }
started=$SECONDS
[[ -x $BIN ]] || cabildo_die "faults: no server binary at $BIN (build the test tree first, or set CABILDO_FAULTS_BINARY)"
for tool in node python3 curl; do
  command -v "$tool" >/dev/null || cabildo_install_deps
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY="$(command -v python3)"
LOAD=(node "$ROOT/scripts/lib/faults-load.mjs")

OUT="$ROOT/build/faults"
mkdir -p "$OUT"
rm -f "$OUT/result.json"
WORK="$(mktemp -d /tmp/cab-faults.XXXXXX)"
chmod 755 "$WORK"
export CABILDO_STATE_DIR="$WORK/svc" CABILDO_DB_NAME=cabildo_faults
SERVICES="$ROOT/scripts/services"

pid_a="" pid_b="" load_pid="" lock_pid="" redis_stopped=""
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
  [[ -n $redis_stopped ]] && kill -CONT "$redis_stopped" 2>/dev/null
  for pid in "$load_pid" "$lock_pid" "$pid_a" "$pid_b"; do
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  for pid in "$load_pid" "$lock_pid" "$pid_a" "$pid_b"; do
    [[ -n $pid ]] && wait "$pid" 2>/dev/null
  done
  if [[ -f $CABILDO_STATE_DIR/.cabildo-state ]]; then
    "$SERVICES" stop >/dev/null 2>&1 || say "warning: could not stop the services in $CABILDO_STATE_DIR" >&2
  fi
  rm -rf "$OUT/logs"
  if ((rc != 0)) && [[ -d $WORK ]]; then
    mkdir -p "$OUT/logs"
    cp -r "$WORK"/*.log "$WORK"/load-* "$OUT/logs/" 2>/dev/null || true
    say "logs kept in $OUT/logs"
  fi
  rm -rf -- "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# --- services, schema, data -------------------------------------------------

cabildo_state_init
"$SERVICES" start >"$WORK/setup.log" 2>&1 || { tail -n 20 "$WORK/setup.log" >&2; die "services did not start"; }
eval "$("$SERVICES" env)"
export CABILDO_BIN="$BIN"
ADMIN_EMAIL=admin@faults.cabildo.test ADMIN_PASSWORD='bosque-nublado-4821'
CITIZEN_EMAIL=ciudadana@faults.cabildo.test CITIZEN_PASSWORD='rio-tunal-ocaso-3307'
LOGIN_EMAIL=carga@faults.cabildo.test LOGIN_PASSWORD='laguna-serena-7390'
setup_times=()
lap() { setup_times+=("$1 $((SECONDS - lap_t0)) s"); lap_t0=$SECONDS; }
lap_t0=$SECONDS
{
  "$BIN" migrate && lap migrate
  "$BIN" tenants apply "$ROOT/tenants/durango.json" && lap tenants
  # Without CABILDO_BIN the scholarships demo (applications sealed by one
  # process each: ~60 s with the ASan binary) is skipped; the call the
  # citizens apply to is created through the API below.
  env -u CABILDO_BIN "$ROOT/scripts/demo-data.sh" && lap demo-data
  printf '%s' "$ADMIN_PASSWORD" | "$BIN" user create --email "$ADMIN_EMAIL" --name 'Administración Fallas' \
    --password-stdin --instance-admin
  printf '%s' "$CITIZEN_PASSWORD" | "$BIN" user create --email "$CITIZEN_EMAIL" --name 'Ciudadana Fallas' --password-stdin
  printf '%s' "$LOGIN_PASSWORD" | "$BIN" user create --email "$LOGIN_EMAIL" --name 'Usuaria Carga' --password-stdin
  lap users
} >>"$WORK/setup.log" 2>&1 || { tail -n 30 "$WORK/setup.log" >&2; die "migrate / tenants / demo data / users failed"; }
say "services, schema, demo data of every module and users ready ($((SECONDS - started)) s: ${setup_times[*]})"

psql_super() { cabildo_psql_admin -d "$CABILDO_DB" -At "$@"; }

# --- servers A and B -----------------------------------------------------------------

read -r PA PB <<<"$("$PY" "$ROOT/bench/lib/bench.py" ports 2)"
A="http://127.0.0.1:$PA" B="http://127.0.0.1:$PB"
start_server() { # <port> <log>: prints the pid
  env CABILDO_LISTEN="127.0.0.1:$1" CABILDO_DATABASE_URL="$CABILDO_DATABASE_URL" \
    CABILDO_DATABASE_ADMIN_URL="$CABILDO_DATABASE_ADMIN_URL" \
    CABILDO_REDIS_URL="$CABILDO_REDIS_URL" CABILDO_DATA_KEY="$CABILDO_DATA_KEY" \
    CABILDO_LOG_LEVEL=warn CABILDO_DB_TIMEOUT_MS=$DB_TIMEOUT_MS \
    CABILDO_RATE_LIMIT_AUTH=$AUTH_LIMIT CABILDO_RATE_LIMIT_READ=0 \
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
    "$BIN" serve >>"$2" 2>&1 &
  echo $!
}
wait_ready() { # <base> <pid> <log>
  local k
  for ((k = 0; k < 600; k++)); do
    kill -0 "$2" 2>/dev/null || { tail -n 20 "$3" >&2; die "the server on $1 exited"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1/readyz" || true) == 200 ]] && return 0
    sleep 0.05
  done
  die "the server on $1 was not ready within 30 s"
}
pid_a="$(start_server "$PA" "$WORK/server-a.log")"
pid_b="$(start_server "$PB" "$WORK/server-b.log")"
wait_ready "$A" "$pid_a" "$WORK/server-a.log"
wait_ready "$B" "$pid_b" "$WORK/server-b.log"
modules="$(curl -sS "$A/v1/modules" | "$PY" -c 'import json,sys; print(" ".join(sorted(m["name"] for m in json.load(sys.stdin)["items"])))')"
say "servers A $A (pid $pid_a) and B $B ready: modules $modules ($((SECONDS - started)) s)"

# --- the load's setup: tokens, a call, a commitment, a service, an API key -------------

"$PY" - "$A" "$WORK/setup.json" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" "$CITIZEN_EMAIL" "$CITIZEN_PASSWORD" \
  "$LOGIN_EMAIL" "$LOGIN_PASSWORD" <<'PY' || die "load setup failed"
import json, sys, time, urllib.request
base, out, ae, ap, ce, cp, le, lp = sys.argv[1:]
def call(method, path, body=None, token=None, headers={}):
    req = urllib.request.Request(base + path, method=method,
                                 data=(b"" if method == "POST" else None) if body is None else json.dumps(body).encode())
    req.add_header("Content-Type", "application/json")
    for k, v in headers.items():
        req.add_header(k, v)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    for attempt in range(4):
        try:
            with urllib.request.urlopen(req) as r:
                return r.status, json.loads(r.read() or b"null")
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()[:300]
        except (urllib.error.URLError, ConnectionError) as e:
            # Seen twice in ~10 runs on this shared machine, on the setup's first
            # fresh connections only: reset before any answer. Not under test
            # here (the load's own requests are); retried and reported.
            print(f"faults: setup: {method} {path}: {e}; retrying", file=sys.stderr)
            time.sleep(0.3)
    sys.exit(f"{method} {path}: no answer after 4 attempts")
def ok(result, what):
    status, body = result
    if status >= 300:
        sys.exit(f"{what}: {status} {body}")
    return body
admin = ok(call("POST", "/v1/auth/login", {"email": ae, "password": ap}), "admin login")["access_token"]
citizen = ok(call("POST", "/v1/auth/login", {"email": ce, "password": cp}), "citizen login")["access_token"]
import datetime
day = datetime.timedelta(days=1)
utc = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
doc = {
    "title": "Beca de Permanencia (prueba de fallas)", "amount_mxn": "3000.00", "slots": 5,
    "opens_at": (utc - day).isoformat().replace("+00:00", "Z"),
    "closes_at": (utc + 30 * day).isoformat().replace("+00:00", "Z"),
    "description": "Apoyo económico para estudiantes.", "program": "Programa de Becas",
    "area": "Secretaría de Educación", "target_population": "Estudiantes de 15 a 29 años",
    "requirements": ["Constancia de estudios"],
    "eligibility": {"min_age": 15, "max_age": 29, "education_levels": ["media_superior", "superior"],
                    "min_gpa": 8.0},
    "selection_criteria": ["Promedio general"],
    "legal_basis": [{"instrument": "Ley de Educación del Estado de Durango", "article": "Artículo 12",
                     "url": "https://congresodurango.gob.mx/leyes/educacion.pdf"}],
    "rules_url": "https://educacion.durango.gob.mx/becas/reglas.pdf",
    "privacy_notice_url": "https://educacion.durango.gob.mx/becas/aviso.pdf",
    "complaints_procedure": "Quejas ante el Órgano Interno de Control.",
    "contact": {"name": "Departamento de Becas", "email": "becas@durango.gob.mx", "phone": "6181370000"},
    "questions": [{"code": "motivo", "text": "¿Por qué necesitas la beca?", "required": True}],
}
created = ok(call("POST", "/v1/tenants/durango/scholarships/calls", doc, token=admin), "create call")
call_id = created["id"]
req = urllib.request.Request(f"{base}/v1/tenants/durango/scholarships/calls/{call_id}", method="GET")
req.add_header("Authorization", "Bearer " + admin)
with urllib.request.urlopen(req) as r:
    etag = r.headers["ETag"]
ok(call("POST", f"/v1/tenants/durango/scholarships/calls/{call_id}/publish", token=admin,
        headers={"If-Match": etag}), "publish call")
plans = ok(call("GET", "/v1/tenants/durango/open-government/plans?limit=20", token=admin), "plans")["items"]
service = "limpieza-calles"  # demo data: tipo_residuo is required
services = ok(call("GET", "/v1/tenants/gomez-palacio/service-requests/services?limit=20"), "services")["items"]
if not any(s["service_code"] == service for s in services):
    sys.exit(f"no service {service} in the demo data")
key = ok(call("POST", "/v1/tenants/gomez-palacio/service-requests/api-keys", {"name": "Carga de fallas"},
              token=admin), "api key")
json.dump({"admin_token": admin, "citizen_token": citizen, "call_id": call_id,
           "plan_id": plans[0]["id"], "service_code": service,
           "service_attributes": {"tipo_residuo": "basura_domestica"}, "api_key": key["key"],
           "login_email": le, "login_password": lp}, open(out, "w"))
PY

# --- load helpers ------------------------------------------------------------------------

phase_n=0
start_load() { # <phase name> [extra options]
  local name=$1
  shift
  phase_n=$((phase_n + 1))
  rm -rf "$WORK/load-$name"
  "${LOAD[@]}" load --base "$A" --out "$WORK/load-$name" --setup "$WORK/setup.json" --phase "$phase_n" "$@" \
    >"$WORK/load-$name.log" 2>&1 &
  load_pid=$!
}
stop_load() { # <phase name>: waits for stats.json
  kill -TERM "$load_pid"
  wait "$load_pid" || { cat "$WORK/load-$1.log" >&2; die "load generator ($1) failed"; }
  load_pid=""
  [[ -s $WORK/load-$1/stats.json ]] || die "load generator ($1) wrote no stats"
}
# analyze <phase> <python over reqs (list of dicts: t ms sent, ms, k, r, s, x, ra, e)>
analyze() {
  "$PY" - "$WORK/load-$1/requests.ndjson" "$2" "${@:3}" <<'PY'
import json, sys
reqs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
args = sys.argv[3:]
def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p))] if v else 0
exec(sys.argv[2])
PY
}

# --- baseline: a few seconds of load, then its failures must be none -----------------------

# --- 1. Redis SIGKILL, restart after 4 s --------------------------------------------------

start_load redis-kill
sleep 3
redis_pid="$(cabildo_redis_pid)"
kill_ms=$(ms_now)
kill -KILL "$redis_pid"
sleep 0.5
# The limiter without Redis: this process counts alone and still refuses.
rl="$("${LOAD[@]}" ratelimit --base "$A" --limit "$AUTH_LIMIT" --from 127.0.0.20)" || die "rate-limit probe failed"
vis_down="$("${LOAD[@]}" visibility --a "$A" --b "$B" --token "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_token"])' "$WORK/setup.json")" --rounds 2)" ||
  die "visibility probe (Redis down) failed"
while (($(ms_now) - kill_ms < 4000)); do sleep 0.1; done
"$SERVICES" redis-start >>"$WORK/setup.log" 2>&1 || die "Redis did not start again"
back_ms=$(ms_now)
ADMIN_TOKEN="$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["admin_token"])' "$WORK/setup.json")"
vis="$("${LOAD[@]}" visibility --a "$A" --b "$B" --token "$ADMIN_TOKEN" --rounds 6)" || die "visibility probe failed"
vis_done_ms=$(($(ms_now) - back_ms))
redis_up_ms=""
for ((k = 0; k < 100; k++)); do
  if curl -s "$A/readyz" | grep -q '"redis":"up"'; then
    redis_up_ms=$(($(ms_now) - back_ms))
    break
  fi
  sleep 0.05
done
sleep 1
stop_load redis-kill
read -r rk_total rk_failed rk_list <<<"$(analyze redis-kill '
bad = [r for r in reqs if r["s"] != r["x"]]
print(len(reqs), len(bad), json.dumps([(r["r"], r["s"], (r["e"] or "")[:80]) for r in bad[:5]]).replace(" ", ""))')"
((rk_failed == 0)) || fail "Redis SIGKILL: $rk_failed failed requests: $rk_list"
rl_summary="$("$PY" - "$rl" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
s, n = r["statuses"], r["limit"]
ok = all(x != 429 for x in s[:n]) and all(x == 429 for x in s[n:])
print(("ok" if ok else "bad"), " ".join(map(str, s)))
PY
)"
[[ $rl_summary == ok* ]] || fail "auth limit without Redis: statuses ${rl_summary#* } (want $AUTH_LIMIT answers, then 429)"
vis_summary="$("$PY" - "$vis" "$vis_down" "$VIS_BOUND_MS" "$VIS_SLACK_MS" <<'PY'
import json, sys
r, d, bound, slack = json.loads(sys.argv[1]), json.loads(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
bad = []
if not r["all_seen"] or not d["all_seen"]:
    bad.append("a publish on A was never seen on B")
if r["max_last_stale_sent_ms"] > bound + slack:
    bad.append(f"B answered stale to a read sent {r['max_last_stale_sent_ms']} ms after the publish")
if d["max_last_stale_sent_ms"] > bound + slack:
    bad.append(f"with Redis down B answered stale to a read sent {d['max_last_stale_sent_ms']} ms after the publish")
seen = " ".join(str(o["seen_ms"]) for o in r["rounds"])
print(f"{r['max_last_stale_sent_ms']}\t{r['max_seen_ms']}\t{seen}\t{d['max_seen_ms']}\t{'; '.join(bad)}")
PY
)"
IFS=$'\t' read -r vis_stale vis_max vis_seen vis_down_max vis_bad <<<"$vis_summary"
[[ -z $vis_bad ]] || fail "coherence: $vis_bad"
say "1. Redis SIGKILL under load, restarted after 4 s: $rk_total requests, $rk_failed failed; auth limit while down: ${rl_summary#* } (limit $AUTH_LIMIT: this process counts alone); a publish on A seen on B after $vis_down_max ms while Redis was down; after the restart, 6 rounds starting at once: seen after $vis_seen ms (max $vis_max ms; last stale answer to a read sent $vis_stale ms after the publish, bound $VIS_BOUND_MS + $VIS_SLACK_MS ms); the 6 rounds done $vis_done_ms ms after the restart; /readyz redis up after ${redis_up_ms:-?} ms"

# --- 2. Redis SIGSTOP 5 s ---------------------------------------------------------------------

start_load redis-stop
sleep 2
redis_pid="$(cabildo_redis_pid)"
stop_ms=$(ms_now)
kill -STOP "$redis_pid"
redis_stopped=$redis_pid
sleep 5
kill -CONT "$redis_pid"
redis_stopped=""
cont_ms=$(ms_now)
sleep 2
stop_load redis-stop
read -r rs_total rs_failed rs_n rs_p50 rs_p99 rs_max rs_base_p99 rs_base_max rs_login_max rs_list <<<"$(analyze redis-stop '
s0, s1 = int(args[0]), int(args[1])
bad = [r for r in reqs if r["s"] != r["x"]]
during = [r["ms"] for r in reqs if s0 <= r["t"] <= s1 and r["k"] != "login"]
base = [r["ms"] for r in reqs if (r["t"] < s0 or r["t"] > s1 + 1000) and r["k"] != "login"]
logins = [r["ms"] for r in reqs if r["k"] == "login"]
print(len(reqs), len(bad), len(during), pct(during, .5), pct(during, .99), max(during or [0]),
      pct(base, .99), max(base or [0]), max(logins or [0]),
      json.dumps([(r["r"], r["s"], (r["e"] or "")[:80]) for r in bad[:5]]).replace(" ", ""))' "$stop_ms" "$cont_ms")"
((rs_failed == 0)) || fail "Redis SIGSTOP: $rs_failed failed requests: $rs_list"
rs_bound_p99="$("$PY" -c "print(round($rs_base_p99 + $STALL_ADD_P99_MS))")"
rs_bound_max="$("$PY" -c "print(round($rs_base_max + $STALL_ADD_MAX_MS))")"
"$PY" -c "import sys; sys.exit(0 if $rs_p99 <= $rs_bound_p99 and $rs_max <= $rs_bound_max and $rs_n > 0 else 1)" ||
  fail "Redis SIGSTOP: latency during the stall p99 $rs_p99 ms, max $rs_max ms (bounds $rs_bound_p99 / $rs_bound_max ms: outside the stall p99 $rs_base_p99, max $rs_base_max ms, + $STALL_ADD_P99_MS / $STALL_ADD_MAX_MS ms)"
say "2. Redis SIGSTOP 5 s under load: $rs_total requests, $rs_failed failed; $rs_n reads and writes sent during the stall: p50 $rs_p50 ms, p99 $rs_p99 ms, max $rs_max ms (bounds $rs_bound_p99 / $rs_bound_max ms = outside the stall p99 $rs_base_p99 / max $rs_base_max ms + 2 x 200 ms command timeout (+ 200 ms slack on the max)); slowest login-cycle step $rs_login_max ms (Argon2id, ASan)"

# --- 3. PostgreSQL restart -------------------------------------------------------------------

start_load pg-restart
sleep 2
pg_stop_ms=$(ms_now)
"$SERVICES" pg-stop >>"$WORK/setup.log" 2>&1 || die "pg-stop failed"
pg_stopped_ms=$(ms_now)
sleep 3
pg_start_ms=$(ms_now)
"$SERVICES" pg-start >>"$WORK/setup.log" 2>&1 || die "pg-start failed"
pg_started_ms=$(ms_now)
sleep 4
stop_load pg-restart
pg_result="$(analyze pg-restart '
t_stop, t_start = int(args[0]), int(args[1])
oks = [r for r in reqs if r["k"] == "write" and r["s"] == r["x"] and r["t"] >= t_start]
first = min((r["t"] + r["ms"] for r in oks), default=None)
rec = None if first is None else round(first - t_start)
other = [r for r in reqs if r["s"] != r["x"] and not (r["s"] == 503 and r["ra"])]
no_ra = [r for r in reqs if r["s"] == 503 and not r["ra"]]
late = [r for r in reqs if r["s"] == 503 and first is not None and r["t"] > first + 1000]
n503 = sum(1 for r in reqs if r["s"] == 503)
kinds = sorted({r["r"] for r in reqs if r["s"] == 503})
print(json.dumps({"total": len(reqs), "503": n503, "other": len(other), "no_retry_after": len(no_ra),
  "after_recovery_503": len(late), "recovery_ms": rec,
  "examples": [(r["r"], r["s"], (r["e"] or "")[:100]) for r in (other + no_ra + late)[:6]],
  "routes_503": kinds}))' "$pg_stop_ms" "$pg_started_ms")"
echo "$pg_result" >"$WORK/pg-restart.json"
pg_line="$("$PY" - "$pg_result" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
bad = []
if r["other"]: bad.append(f"{r['other']} answers other than the expected one or a 503 with Retry-After")
if r["no_retry_after"]: bad.append(f"{r['no_retry_after']} 503 without Retry-After")
if r["recovery_ms"] is None: bad.append("no write succeeded after PostgreSQL came back")
if r["after_recovery_503"]: bad.append(f"{r['after_recovery_503']} 503 more than 1 s after the first write that succeeded")
if bad: bad.append("examples: " + json.dumps(r["examples"], ensure_ascii=False))
print(f"{r['total']}\t{r['503']}\t{r['recovery_ms']}\t{' '.join(r['routes_503'])}\t{'; '.join(bad)}")
PY
)"
IFS=$'\t' read -r pg_total pg_503 pg_recovery pg_routes pg_bad <<<"$pg_line"
[[ -z $pg_bad ]] || fail "PostgreSQL restart: $pg_bad"
kill -0 "$pid_a" || fail "server A died during the PostgreSQL restart"
say "3. PostgreSQL fast shutdown under load ($((pg_stopped_ms - pg_stop_ms)) ms), started again after 3 s (ready in $((pg_started_ms - pg_start_ms)) ms): $pg_total requests, $pg_503 answered 503 with Retry-After (routes: $pg_routes), nothing else failed; first successful write ${pg_recovery} ms after PostgreSQL was up again, with the same server process"

# --- 4. A table locked for 10 s ----------------------------------------------------------------

BURST_PATH='/v1/tenants/durango/public-works/projects?limit=20&status=identification'
burst() { "${LOAD[@]}" burst --base "$A" --token "$ADMIN_TOKEN" --path "$BURST_PATH" --n 80 --c 16; }
start_load lock
sleep 2
burst_before="$(burst)" || die "burst (before) failed"
# The window is PostgreSQL's: from the lock granted to just before COMMIT.
psql_super >"$WORK/lock.log" 2>&1 <<SQL &
BEGIN;
LOCK TABLE procedure_registry.procedures IN ACCESS EXCLUSIVE MODE;
SELECT 'granted', (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
SELECT pg_sleep($LOCK_S);
SELECT 'released', (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
COMMIT;
SQL
lock_pid=$!
wait "$lock_pid" || die "the lock session failed: $(cat "$WORK/lock.log")"
lock_pid=""
lock_ms="$(awk -F'|' '$1 == "granted" { print $2 }' "$WORK/lock.log")"
unlock_ms="$(awk -F'|' '$1 == "released" { print $2 }' "$WORK/lock.log")"
[[ -n $lock_ms && -n $unlock_ms ]] || die "the lock session printed no times: $(cat "$WORK/lock.log")"
sleep 2
burst_after="$(burst)" || die "burst (after) failed"
ready_after="$(curl -s -o /dev/null -w '%{http_code}' "$A/readyz")"
sleep 1
stop_load lock
# With the load stopped, every pooled connection must come back (2 s).
for ((k = 0; k < 40; k++)); do
  in_use="$(curl -s "$A/metrics" | awk '$1 == "cabildo_db_pool_in_use" { print $2 }')"
  [[ $in_use == 0 ]] && break
  sleep 0.05
done
lock_result="$(analyze lock '
t0, t1, tmo = int(args[0]), int(args[1]), int(args[2])
locked = [r for r in reqs if r["r"] == "POST pr" and t0 + 200 <= r["t"] <= t1 - tmo - 300]
lat = [r["ms"] for r in locked]
bad_locked = [r for r in locked if not (r["s"] == 503 and r["ra"])]
reads_pr = [r for r in reqs if r["r"] == "GET pr" and t0 <= r["t"] <= t1 and r["s"] == 503]
other = [r for r in reqs if r["s"] != r["x"] and not (t0 - 100 <= r["t"] <= t1 and r["r"] in ("POST pr", "GET pr") and r["s"] == 503 and r["ra"])]
after_pr = [r for r in reqs if r["r"] == "POST pr" and r["t"] > t1 + 500]
others_during = [r["ms"] for r in reqs if t0 <= r["t"] <= t1 and r["r"] not in ("POST pr", "GET pr") and r["k"] != "login"]
print(json.dumps({"total": len(reqs), "locked_writes": len(locked), "locked_not_503": len(bad_locked),
  "locked_p50": pct(lat, .5), "locked_min": min(lat or [0]), "locked_max": max(lat or [0]),
  "reads_503": len(reads_pr), "other_failed": len(other),
  "after_writes": len(after_pr), "after_writes_ok": sum(1 for r in after_pr if r["s"] == r["x"]),
  "others_p99": pct(others_during, .99), "others_max": max(others_during or [0]),
  "examples": [(r["r"], r["s"], (r["e"] or "")[:100]) for r in (bad_locked + other)[:6]]}))' "$lock_ms" "$unlock_ms" "$DB_TIMEOUT_MS")"
echo "$lock_result" >"$WORK/lock.json"
lock_line="$("$PY" - "$lock_result" "$burst_before" "$burst_after" "$ready_after" "${in_use:-?}" "$DB_TIMEOUT_MS" <<'PY'
import json, sys
r, b0, b1 = json.loads(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
ready, in_use, tmo = sys.argv[4], sys.argv[5], float(sys.argv[6])
bad = []
if r["locked_writes"] == 0: bad.append("no procedure write was sent during the lock")
if r["locked_not_503"]: bad.append(f"{r['locked_not_503']} procedure writes during the lock were not 503 with Retry-After")
if r["locked_writes"] and not (0.8 * tmo <= r["locked_min"] and r["locked_max"] <= tmo + 1500):
    bad.append(f"their latency {r['locked_min']}-{r['locked_max']} ms is not about the {tmo:g} ms timeout")
if r["other_failed"]: bad.append(f"{r['other_failed']} other requests failed")
if r["after_writes"] == 0 or r["after_writes_ok"] != r["after_writes"]:
    bad.append(f"after the lock {r['after_writes_ok']} of {r['after_writes']} procedure writes succeeded")
if ready != "200": bad.append(f"/readyz {ready} after the lock")
if in_use != "0": bad.append(f"{in_use} pooled connections still in use 2 s after the load stopped")
if set(b1["statuses"]) != {"200"} or set(b0["statuses"]) != {"200"}: bad.append(f"burst statuses {b0['statuses']} / {b1['statuses']}")
if b1["rps"] < 0.6 * b0["rps"]: bad.append(f"burst throughput {b1['rps']} req/s after the lock vs {b0['rps']} before")
if bad: bad.append("examples: " + json.dumps(r["examples"], ensure_ascii=False))
print(f"{r['locked_writes']}\t{r['locked_min']}\t{r['locked_p50']}\t{r['locked_max']}\t{r['reads_503']}\t{r['others_p99']}\t{r['others_max']}\t{r['total']}\t{b0['rps']}\t{b1['rps']}\t{'; '.join(bad)}")
PY
)"
IFS=$'\t' read -r lk_n lk_min lk_p50 lk_max lk_reads lk_op99 lk_omax lk_total rps_before rps_after lk_bad <<<"$lock_line"
[[ -z $lk_bad ]] || fail "table lock: $lk_bad"
say "4. procedure_registry.procedures locked (ACCESS EXCLUSIVE) for $LOCK_S s under load: $lk_n procedure writes answered 503 with Retry-After after $lk_min-$lk_max ms (p50 $lk_p50; CABILDO_DB_TIMEOUT_MS $DB_TIMEOUT_MS), $lk_reads reads of procedure lists that missed the cache too; the other routes during the lock: p99 $lk_op99 ms, max $lk_omax ms, none failed ($lk_total requests in the phase); after: /readyz $ready_after, pooled connections in use once the load stopped ${in_use:-?}, uncached burst $rps_before -> $rps_after req/s"

# --- writes and audit chains ---------------------------------------------------------------------

cat "$WORK"/load-*/acked-writes.txt >"$WORK/acked.txt"
read -r acked_n lost_n lost_by <<<"$(psql_super <<SQL | tr '|' ' '
CREATE TEMP TABLE acked (module text, key text, tag text);
\\copy acked FROM '$WORK/acked.txt'
CREATE TEMP TABLE missing AS SELECT a.* FROM acked a WHERE NOT CASE a.module
  WHEN 'pw' THEN EXISTS (SELECT 1 FROM public_works.projects p WHERE p.id::text = a.key)
  WHEN 'pr' THEN EXISTS (SELECT 1 FROM procedure_registry.procedures p WHERE p.id::text = a.key)
  WHEN 'og' THEN EXISTS (SELECT 1 FROM open_government.commitments c WHERE c.id::text = a.key)
  WHEN 'sch' THEN EXISTS (SELECT 1 FROM scholarships.applications s WHERE s.id::text = a.key)
  WHEN 'sr' THEN EXISTS (SELECT 1 FROM service_requests.requests r WHERE r.id::text = a.key)
  WHEN 'o311' THEN EXISTS (SELECT 1 FROM service_requests.requests r JOIN core.tenants t ON t.id = r.tenant_id
                           WHERE t.slug = 'gomez-palacio' AND r.folio::text = a.key)
  ELSE false END;
SELECT (SELECT count(*) FROM acked), (SELECT count(*) FROM missing),
  coalesce((SELECT string_agg(module || ':' || n, ',') FROM (SELECT module, count(*) n FROM missing GROUP BY 1) x), '-');
SQL
)"
((lost_n == 0)) || fail "$lost_n acknowledged writes are missing from PostgreSQL ($lost_by)"
acked_by="$(cut -f1 "$WORK/acked.txt" | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')"
verify=()
for t in $(psql_super -c "SELECT slug FROM core.tenants ORDER BY slug"); do
  v="$(curl -s -H "Authorization: Bearer $ADMIN_TOKEN" "$A/v1/tenants/$t/audit/verify")"
  ok="$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print("ok" if d.get("ok", d.get("valid")) is True else "bad")' "$v" 2>/dev/null || echo bad)"
  [[ $ok == ok ]] || fail "audit chain of $t: $v"
  verify+=("$t:$ok")
done
say "writes: $acked_n acknowledged (${acked_by%, }), $lost_n missing in PostgreSQL; audit chains: ${verify[*]}"

# --- result ------------------------------------------------------------------------------------------

"$PY" - "$OUT/result.json" <<PY
import json, sys
result = {
  "binary": "$BIN", "db_timeout_ms": $DB_TIMEOUT_MS,
  "redis_kill": {"requests": $rk_total, "failed": $rk_failed, "auth_limit_while_down": "${rl_summary#* }",
                 "visibility_after_restart_seen_ms": [float(x) for x in "$vis_seen".split()],
                 "visibility_max_last_stale_sent_ms": $vis_stale, "visibility_bound_ms": $VIS_BOUND_MS,
                 "visibility_while_down_max_seen_ms": $vis_down_max, "readyz_redis_up_after_ms": ${redis_up_ms:-None}},
  "redis_stop": {"requests": $rs_total, "failed": $rs_failed, "during_n": $rs_n, "during_p50_ms": $rs_p50,
                 "during_p99_ms": $rs_p99, "during_max_ms": $rs_max, "before_p99_ms": $rs_base_p99,
                 "before_max_ms": $rs_base_max, "bounds_ms": {"p99": $rs_bound_p99, "max": $rs_bound_max}},
  "pg_restart": json.load(open("$WORK/pg-restart.json")),
  "lock": json.load(open("$WORK/lock.json")),
  "burst_rps": {"before": $rps_before, "after": $rps_after},
  "acknowledged_writes": $acked_n, "lost_writes": $lost_n,
  "audit_verify": "${verify[*]}",
  "assertion_failures": $("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${failures[@]}"),
  "wall_s": $((SECONDS - started)),
}
with open(sys.argv[1], "w") as f:
    json.dump(result, f, indent=1)
    f.write("\n")
PY

cat <<EOF

== faults summary ($((SECONDS - started)) s; $OUT/result.json)
failed requests: Redis SIGKILL $rk_failed, Redis SIGSTOP $rs_failed; PostgreSQL restart: only 503 + Retry-After ($pg_503), recovery ${pg_recovery} ms
writes: $acked_n acknowledged, $lost_n lost
Redis stall latency: p99 $rs_p99 ms, max $rs_max ms; table lock: 503 after $lk_min-$lk_max ms (timeout $DB_TIMEOUT_MS ms)
coherence after the Redis restart: max $vis_max ms to see a publish on the other server
EOF
if ((${#failures[@]})); then
  printf 'faults: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "faults: ok"

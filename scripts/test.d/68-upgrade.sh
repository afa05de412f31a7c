#!/usr/bin/env bash
# Upgrades (issue 23, point 5), on loopback, with its own PostgreSQL and Redis
# (scripts/services in a mktemp state dir under /tmp). README "Upgrades:
# expand/contract" is the rule this checks.
#
#   0. lint: scripts/lib/upgrade-migration-lint.py over the migrations added
#      since the previous release (no landed migration edited; contract steps
#      only with a `-- contract:` marker).
#   1. from an empty database: the NEW binary applies every migration (core +
#      every module it loads); a second run applies nothing and leaves the
#      schema (pg_dump -s) byte-identical; schema_migrations holds one row per
#      repository file of each component.
#   2. from the previous release (scripts/lib/previous-release, a commit of
#      main, extracted with `git archive` and built as Release -O2 like
#      build/bench, under build/previous/<sha>/src/build/bench so ccache hits):
#      the OLD binary migrates a second database, applies tenants/durango.json,
#      loads the demo data of every module and serves; node load (reads of every
#      module's public lists and the core's, public-works writes read back, a
#      client-side log of acknowledged writes, login cycles) runs on it while the NEW binary
#      runs `cabildo migrate` on that same database. Asserted: the old binary
#      never fails a request (no 5xx, nothing else unexpected) before, during
#      or after the migration; every acknowledged write is in PostgreSQL; no
#      table lost rows; the upgraded schema equals the empty-database one; then
#      the NEW binary serves that database: the same answers as the old one
#      (every field the old one gives, same items; new fields allowed), a short
#      load with writes on it without failures, and every tenant's audit chain
#      verifies (`cabildo audit verify`, new and old binary).
#   3. probes (meaningful even when main has no new migration yet): under the
#      same load on the old binary, the new binary applies an extra EXPAND
#      migration (nullable column + table + index on public_works.projects):
#      no failure allowed; then a CONTRACT control (a RENAME of a column the
#      old binary reads, what the lint refuses): the old binary must fail, which
#      shows the check can see a broken upgrade.
#
# Skips step 2 and 3 with a clear message only when the previous release is not
# in the clone's history (shallow clone). Bound: ~2-3 min warm; building the
# previous binary costs what bench/run's Release build costs (see README).
#
# Environment: CABILDO_UPGRADE_NEW_BINARY (default build/test/api/cabildo, the
# test build scripts/test just made; its compiled-in plugin and migration
# dirs), CABILDO_UPGRADE_PREVIOUS_BINARY (skip the build: an already built
# previous release), UPGRADE_LOAD_AFTER_S (load kept on the old binary after
# the migration, default 3). Figures: printed, and build/upgrade/result.json.
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

NEW_BIN="${CABILDO_UPGRADE_NEW_BINARY:-$ROOT/build/test/api/cabildo}"
PREV_BIN="${CABILDO_UPGRADE_PREVIOUS_BINARY:-}"
AFTER_S="${UPGRADE_LOAD_AFTER_S:-3}"
# The caller's CABILDO_* (scripts/test's services) must never reach ours.
while read -r var; do unset "$var"; done < <(compgen -v | grep '^CABILDO_' || true)
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGOPTIONS
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

say() { printf 'upgrade: %s\n' "$*"; }
started=$SECONDS
failures=()
fail() {
  failures+=("$*")
  say "FAILED: $*" >&2
}
die() {
  say "FATAL: $*" >&2
  exit 1
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }

[[ -x $NEW_BIN ]] || die "no new binary at $NEW_BIN (build the test tree first, or set CABILDO_UPGRADE_NEW_BINARY)"
for tool in node python3 curl git; do
  command -v "$tool" >/dev/null || cabildo_install_deps
done
PY=/usr/bin/python3
[[ -x $PY ]] || PY="$(command -v python3)"
LOAD=(node "$ROOT/scripts/lib/upgrade-load.mjs")
PREV_SHA="$(grep -v '^#' "$ROOT/scripts/lib/previous-release" | head -n 1 | tr -d '[:space:]')"
[[ $PREV_SHA =~ ^[0-9a-f]{40}$ ]] || die "scripts/lib/previous-release: no commit sha"

OUT="$ROOT/build/upgrade"
mkdir -p "$OUT"
rm -f "$OUT/result.json"
rm -rf "$OUT/logs"
WORK="$(mktemp -d /tmp/cab-upg.XXXXXX)"
chmod 755 "$WORK"
export CABILDO_STATE_DIR="$WORK/svc" CABILDO_DB_NAME=cabildo_upgrade
SERVICES="$ROOT/scripts/services"
old_pid="" new_pid="" load_pid=""

# shellcheck disable=SC2317 # runs from the EXIT trap
cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM
  set +e
  for pid in "$load_pid" "$old_pid" "$new_pid"; do
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  done
  for pid in "$load_pid" "$old_pid" "$new_pid"; do
    [[ -n $pid ]] && wait "$pid" 2>/dev/null
  done
  if [[ -f $CABILDO_STATE_DIR/.cabildo-state ]]; then
    "$SERVICES" stop >/dev/null 2>&1 || say "warning: could not stop the services in $CABILDO_STATE_DIR" >&2
  fi
  if ((rc != 0)) && [[ -d $WORK ]]; then
    mkdir -p "$OUT/logs"
    cp "$WORK"/*.log "$WORK"/*.json "$OUT/logs/" 2>/dev/null || true
    cp -r "$WORK"/load-* "$OUT/logs/" 2>/dev/null || true
    say "logs kept in $OUT/logs"
  fi
  rm -rf -- "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 0. lint ------------------------------------------------------------------------

lint_rc=0
"$PY" "$ROOT/scripts/lib/upgrade-migration-lint.py" --root "$ROOT" >"$WORK/lint.log" 2>&1 || lint_rc=$?
case $lint_rc in
0 | 77) say "lint: $(tail -n 1 "$WORK/lint.log")" ;;
*)
  cat "$WORK/lint.log" >&2
  fail "expand/contract lint: $(tail -n 1 "$WORK/lint.log")"
  ;;
esac

# --- the previous release's binary -----------------------------------------------------

have_prev=1
prev_build_s=0 prev_build_note="given (CABILDO_UPGRADE_PREVIOUS_BINARY)"
if [[ -z $PREV_BIN ]]; then
  if ! git -C "$ROOT" cat-file -e "$PREV_SHA^{commit}" 2>/dev/null; then
    have_prev=0
    say "SKIPPED the previous-release steps: commit $PREV_SHA (scripts/lib/previous-release) is not in this clone's history (a shallow clone? \`git fetch --unshallow\`); only the empty-database step runs"
  else
    # Same depth as the clone's own build/bench (base_dir-relative paths): ccache hits.
    PREV_SRC="$ROOT/build/previous/${PREV_SHA:0:12}/src"
    PREV_BIN="$PREV_SRC/build/bench/api/cabildo"
    t0=$(ms_now)
    if [[ ! -f $PREV_SRC/.extracted ]]; then
      rm -rf -- "$PREV_SRC"
      mkdir -p "$PREV_SRC"
      git -C "$ROOT" archive "$PREV_SHA" | tar -x -C "$PREV_SRC"
      touch "$PREV_SRC/.extracted"
    fi
    export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/tmp}/.cache/ccache}"
    {
      [[ -f $PREV_SRC/build/bench/build.ninja ]] ||
        cmake -S "$PREV_SRC" -B "$PREV_SRC/build/bench" -G Ninja -DCMAKE_BUILD_TYPE=Release \
          -DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCABILDO_BUILD_TESTS=OFF -DCABILDO_SANITIZE=OFF \
          "-DCMAKE_CXX_FLAGS_RELEASE=-O2 -DNDEBUG"
      cmake --build "$PREV_SRC/build/bench" -j2
    } >"$WORK/prev-build.log" 2>&1 || { tail -n 30 "$WORK/prev-build.log" >&2; die "building the previous release ${PREV_SHA:0:12} failed"; }
    prev_build_s=$(((($(ms_now) - t0) + 500) / 1000))
    prev_build_note="$(grep -c 'Building CXX' "$WORK/prev-build.log" || true) compiled (ccache), ${prev_build_s} s"
    say "previous release ${PREV_SHA:0:12} ($(git -C "$ROOT" log -1 --format=%cs "$PREV_SHA")): $PREV_BIN — $prev_build_note"
  fi
fi
[[ $have_prev == 0 || -x $PREV_BIN ]] || die "no previous binary at $PREV_BIN"

# The new binary loads the modules that ship (a test build's plugin dir also
# holds the host tests' example modules, which no release loads).
NEW_PLUGINS="$WORK/new-plugins"
mkdir -p "$NEW_PLUGINS"
for so in "$(dirname "$(dirname "$NEW_BIN")")"/plugins/libcabildo_*.so; do
  name="$(basename "$so" .so)"
  name="${name#libcabildo_}"
  [[ $name != example && -d $ROOT/plugins/${name//-/_}/migrations ]] || continue
  ln -s "$so" "$NEW_PLUGINS/"
done
new_bin() { CABILDO_PLUGIN_DIR="$NEW_PLUGINS" "$NEW_BIN" "$@"; }

# --- services ----------------------------------------------------------------------------

cabildo_state_init
"$SERVICES" start >"$WORK/setup.log" 2>&1 || { tail -n 20 "$WORK/setup.log" >&2; die "services did not start"; }
eval "$("$SERVICES" env)"
psql_super() { cabildo_psql_admin -d "$1" -At "${@:2}"; }
UPG_URL="$CABILDO_DATABASE_URL" UPG_ADMIN_URL="$CABILDO_DATABASE_ADMIN_URL"
FRESH_URL="${UPG_URL/\/cabildo_upgrade\?//cabildo_fresh?}"
FRESH_ADMIN_URL="${UPG_ADMIN_URL/\/cabildo_upgrade\?//cabildo_fresh?}"
psql_super postgres -c "CREATE DATABASE cabildo_fresh OWNER cabildo_owner" >/dev/null
schema_dump() { # <db>: the schema as pg_dump prints it
  # (without the \restrict/\unrestrict lines: pg_dump's random per-dump key)
  "$CABILDO_PG_BIN/pg_dump" -h "$CABILDO_PG_DIR" -p "$CABILDO_PG_PORT" -U postgres -s --no-comments "$1" |
    grep -vE '^\\(un)?restrict '
}
migrations_rows() { # <db>: component<TAB>count, sorted
  psql_super "$1" -F $'\t' -c "SELECT component, count(*) FROM schema_migrations GROUP BY 1 ORDER BY 1"
}

# --- 1. every migration from an empty database --------------------------------------------

t0=$(ms_now)
CABILDO_DATABASE_URL="$FRESH_URL" CABILDO_DATABASE_ADMIN_URL="$FRESH_ADMIN_URL" new_bin migrate \
  >"$WORK/fresh-1.log" 2>&1 || { cat "$WORK/fresh-1.log" >&2; die "new binary: migrate on an empty database failed"; }
fresh_ms=$(($(ms_now) - t0))
schema_dump cabildo_fresh >"$WORK/fresh-1.sql"
rows1="$(migrations_rows cabildo_fresh)"
t0=$(ms_now)
CABILDO_DATABASE_URL="$FRESH_URL" CABILDO_DATABASE_ADMIN_URL="$FRESH_ADMIN_URL" new_bin migrate \
  >"$WORK/fresh-2.log" 2>&1 || { cat "$WORK/fresh-2.log" >&2; die "new binary: second migrate failed"; }
again_ms=$(($(ms_now) - t0))
schema_dump cabildo_fresh >"$WORK/fresh-2.sql"
grep -q '^core: 0 aplicadas' "$WORK/fresh-2.log" || fail "second migrate applied core migrations: $(head -n 1 "$WORK/fresh-2.log")"
[[ $rows1 == "$(migrations_rows cabildo_fresh)" ]] || fail "second migrate changed schema_migrations"
cmp -s "$WORK/fresh-1.sql" "$WORK/fresh-2.sql" ||
  fail "second migrate changed the schema: $(diff "$WORK/fresh-1.sql" "$WORK/fresh-2.sql" | head -n 5 | tr '\n' ' ')"
# One schema_migrations row per repository file, for the core and every loaded module.
expected="core	$(find "$ROOT/migrations" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)"
for so in "$NEW_PLUGINS"/libcabildo_*.so; do
  name="$(basename "$so" .so)"
  name="${name#libcabildo_}"
  n="$(find "$ROOT/plugins/${name//-/_}/migrations" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)"
  expected+=$'\n'"plugin:$name	$n"
done
expected="$(sort <<<"$expected")"
[[ $rows1 == "$expected" ]] || fail "schema_migrations per component: got [$(tr '\n\t' '; ' <<<"$rows1")], repository files [$(tr '\n\t' '; ' <<<"$expected")]"
total_files="$(awk -F'\t' '{ s += $2 } END { print s }' <<<"$expected")"
say "1. empty database: $total_files migrations ($(awk -F'\t' '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }' <<<"$rows1")) applied in $fresh_ms ms; again: nothing applied, schema identical ($again_ms ms)"

if ((have_prev == 0)); then
  "$PY" - "$OUT/result.json" <<PY
import json, sys
json.dump({"previous_release": "$PREV_SHA", "previous_steps": "skipped: not in the clone's history",
           "fresh": {"migrations": $total_files, "ms": $fresh_ms, "again_ms": $again_ms},
           "assertion_failures": $("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${failures[@]}"),
           "wall_s": $((SECONDS - started))}, open(sys.argv[1], "w"), indent=1)
PY
  ((${#failures[@]} == 0)) || { printf 'upgrade: FAILED: %s\n' "${failures[@]}" >&2; exit 1; }
  echo "upgrade: ok (previous-release steps skipped)"
  exit 0
fi

# --- 2. the previous release: schema, tenants, demo data, serving ---------------------------

PREV_ROOT="$(dirname "$(dirname "$(dirname "$(dirname "$PREV_BIN")")")")" # <src>/build/bench/api/cabildo
[[ -f $PREV_ROOT/tenants/durango.json ]] || PREV_ROOT="$ROOT"                # a given binary: today's files
ADMIN_EMAIL=admin@upgrade.cabildo.test ADMIN_PASSWORD='meseta-alta-2718'
LOGIN_EMAIL=carga@upgrade.cabildo.test LOGIN_PASSWORD='arroyo-claro-5902'
{
  CABILDO_BIN="$PREV_BIN"
  export CABILDO_BIN
  "$PREV_BIN" migrate
  "$PREV_BIN" tenants apply "$PREV_ROOT/tenants/durango.json"
  "$PREV_ROOT/scripts/demo-data.sh"
  printf '%s' "$ADMIN_PASSWORD" | "$PREV_BIN" user create --email "$ADMIN_EMAIL" \
    --name 'Administración Actualización' --password-stdin --instance-admin
  printf '%s' "$LOGIN_PASSWORD" | "$PREV_BIN" user create --email "$LOGIN_EMAIL" --name 'Usuaria Carga' \
    --password-stdin
} >>"$WORK/setup.log" 2>&1 || { tail -n 30 "$WORK/setup.log" >&2; die "previous release: migrate / tenants / demo data / user failed"; }
say "2. previous release: schema ($(psql_super cabildo_upgrade -c 'SELECT count(*) FROM schema_migrations') migrations), tenants, demo data, admin ready ($((SECONDS - started)) s)"

read -r OLD_PORT NEW_PORT <<<"$("$PY" "$ROOT/bench/lib/bench.py" ports 2)"
OLD="http://127.0.0.1:$OLD_PORT" NEW="http://127.0.0.1:$NEW_PORT"
serve() { # <binary> <port> <log> [VAR=value...]: starts it, prints its pid
  env "${@:4}" CABILDO_LISTEN="127.0.0.1:$2" CABILDO_DATABASE_URL="$UPG_URL" CABILDO_DATABASE_ADMIN_URL="$UPG_ADMIN_URL" \
    CABILDO_REDIS_URL="$CABILDO_REDIS_URL" CABILDO_DATA_KEY="$CABILDO_DATA_KEY" CABILDO_LOG_LEVEL=warn \
    CABILDO_RATE_LIMIT_READ=1000000000 CABILDO_RATE_LIMIT_AUTH=1000000000 ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
    "$1" serve >>"$3" 2>&1 &
  echo $!
}
wait_ready() { # <pid> <base> <log>
  local k
  for ((k = 0; k < 600; k++)); do
    kill -0 "$1" 2>/dev/null || { tail -n 20 "$3" >&2; die "server $2 exited"; }
    [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$2/readyz" || true) == 200 ]] && return 0
    sleep 0.05
  done
  die "server $2 not ready within 30 s"
}
old_pid="$(serve "$PREV_BIN" "$OLD_PORT" "$WORK/old.log")"
wait_ready "$old_pid" "$OLD" "$WORK/old.log"
TOKEN="$(curl -sS -H 'Content-Type: application/json' -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" \
  "$OLD/v1/auth/login" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')" ||
  die "admin login on the old binary failed"

start_load() { # <phase> <base>
  rm -rf "$WORK/load-$1"
  "${LOAD[@]}" load --base "$2" --out "$WORK/load-$1" --token "$TOKEN" \
    --login-email "$LOGIN_EMAIL" --login-password "$LOGIN_PASSWORD" >"$WORK/load-$1.log" 2>&1 &
  load_pid=$!
}
stop_load() { # <phase>
  kill -TERM "$load_pid"
  wait "$load_pid" || { cat "$WORK/load-$1.log" >&2; die "load generator ($1) failed"; }
  load_pid=""
  [[ -s $WORK/load-$1/stats.json ]] || die "load generator ($1) wrote no stats"
}
stat_of() { "$PY" -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$WORK/load-$1/stats.json"; }
table_counts() { # <db>: schema.table<TAB>rows of every user table
  psql_super "$1" -F $'\t' <<'SQL'
SELECT format('%I.%I', schemaname, relname),
       (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', schemaname, relname),
                                            false, true, '')))[1]::text::bigint
FROM pg_stat_user_tables ORDER BY 1;
SQL
}
check_writes() { # prints: acked lost
  cat "$WORK"/load-*/acked-writes.txt >"$WORK/acked.txt"
  psql_super cabildo_upgrade <<SQL
CREATE TEMP TABLE acked (id uuid, title text);
\\copy acked FROM '$WORK/acked.txt'
SELECT (SELECT count(*) FROM acked),
  (SELECT count(*) FROM acked a WHERE NOT EXISTS
     (SELECT 1 FROM public_works.projects p WHERE p.id = a.id AND p.title = a.title));
SQL
}
assert_load() { # <phase> <what>
  local failed errors
  failed="$(stat_of "$1" 's["failed"]')" errors="$(stat_of "$1" 's["server_errors"]')"
  ((failed == 0)) || fail "$2: $failed failed requests ($errors 5xx): $(stat_of "$1" 's["failures"][:3]')"
}

# Some writes through the old API first, then the migration under load.
start_load before "$OLD"
sleep 2
stop_load before
assert_load before "old binary before the migration"
table_counts cabildo_upgrade >"$WORK/counts-before.tsv"

start_load during "$OLD"
sleep 2
t0=$(ms_now)
new_bin migrate >"$WORK/upgrade-migrate.log" 2>&1 || { cat "$WORK/upgrade-migrate.log" >&2; fail "new binary: migrate on the previous release's database failed"; }
upgrade_ms=$(($(ms_now) - t0))
sleep "$AFTER_S"
stop_load during
assert_load during "old binary while the new one migrated and ${AFTER_S} s after"
during_summary="$(stat_of during '"%d requests (%d reads, %d writes, %d login cycles) in %.1f s, %d failed, %d 5xx, max latency %d ms" % (s["requests"], s["reads"]["ok"], s["writes"]["ok"], s["login_cycles"]["ok"], s["duration_s"], s["failed"], s["server_errors"], s["max_latency_ms"])')"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$OLD/readyz") == 200 ]] || fail "old binary not ready after the migration"
modules_now="$(grep -c '^plugin .*: migrado' "$WORK/upgrade-migrate.log" || true)"
say "2. new binary migrated the previous release's database in $upgrade_ms ms ($(grep -m 1 '^core:' "$WORK/upgrade-migrate.log"); $modules_now modules) while the old binary served: $during_summary"

read -r acked_n lost_n <<<"$(check_writes | tr '|' ' ')"
((lost_n == 0)) || fail "$lost_n acknowledged writes are missing from PostgreSQL"
table_counts cabildo_upgrade >"$WORK/counts-after.tsv"
shrunk="$(join -t $'\t' "$WORK/counts-before.tsv" "$WORK/counts-after.tsv" | awk -F'\t' '$3 < $2 { printf "%s %d->%d; ", $1, $2, $3 }')"
[[ -z $shrunk ]] || fail "tables lost rows across the upgrade: $shrunk"
missing_tables="$(join -t $'\t' -v 1 "$WORK/counts-before.tsv" "$WORK/counts-after.tsv" | cut -f1 | tr '\n' ' ')"
[[ -z $missing_tables ]] || fail "tables gone after the upgrade: $missing_tables"
schema_dump cabildo_upgrade >"$WORK/upgraded.sql"
if cmp -s "$WORK/fresh-1.sql" "$WORK/upgraded.sql"; then
  schema_same=true
else
  schema_same=false
  fail "the upgraded schema differs from the empty-database one: $(diff "$WORK/fresh-1.sql" "$WORK/upgraded.sql" | head -n 8 | tr '\n' ' ')"
fi
rows_total="$(awk -F'\t' '{ s += $2 } END { print s }' "$WORK/counts-after.tsv")"
say "2. writes acknowledged by the old binary: $acked_n, lost $lost_n; $(wc -l <"$WORK/counts-after.tsv") tables, $rows_total rows, none lost; upgraded schema = empty-database schema: $schema_same"

# The new binary on the same database, beside the old one.
new_pid="$(serve "$NEW_BIN" "$NEW_PORT" "$WORK/new.log" CABILDO_PLUGIN_DIR="$NEW_PLUGINS")"
wait_ready "$new_pid" "$NEW" "$WORK/new.log"
cmp_json="$("${LOAD[@]}" compare --a "$OLD" --b "$NEW")" || die "compare failed"
echo "$cmp_json" >"$WORK/compare.json"
cmp_summary="$("$PY" -c '
import json,sys; r=json.loads(sys.argv[1])
print(("ok" if r["same"] else "DIFFERENT") + "\t" + "; ".join(
  (p["path"] + (" (" + str(p["items"]) + " items)" if p["items"] is not None else "")) if p["same"] else p["path"] + ": " + str(p["diff"]) for p in r["paths"]))' "$cmp_json")"
IFS=$'\t' read -r cmp_ok cmp_list <<<"$cmp_summary"
[[ $cmp_ok == ok ]] || fail "old and new binary answer differently: $cmp_list"
start_load new "$NEW"
sleep 2
stop_load new
assert_load new "new binary serving the upgraded database"
read -r acked_n lost_n <<<"$(check_writes | tr '|' ' ')"
((lost_n == 0)) || fail "$lost_n acknowledged writes are missing from PostgreSQL (after the new binary's load)"
audit=()
for slug in $(psql_super cabildo_upgrade -c "SELECT slug FROM core.tenants ORDER BY slug"); do
  for which in new old; do
    if [[ $which == old ]]; then
      out="$("$PREV_BIN" audit verify "$slug" 2>&1 || true)"
    else
      out="$(new_bin audit verify "$slug" 2>&1 || true)"
    fi
    [[ $out == ok* ]] || fail "audit chain of $slug ($which binary): $out"
  done
  audit+=("$slug")
done
say "2. new binary on the upgraded database: same answers as the old one ($cmp_list); $(stat_of new 's["requests"]') requests of load, $(stat_of new 's["failed"]') failed; audit chains verify (new and old binary): ${audit[*]}"

# --- 3. probes: an expand migration must pass, a contract one must be seen ------------------

kill -TERM "$new_pid"
wait "$new_pid" 2>/dev/null || true
new_pid=""
PROBE_DIR="$WORK/probe-migrations"
mkdir -p "$PROBE_DIR"
cp "$ROOT"/migrations/*.sql "$PROBE_DIR/"
cat >"$PROBE_DIR/9001_upgrade_probe_expand.sql" <<'SQL'
-- 68-upgrade.sh's expand probe: what the README allows under a running release.
ALTER TABLE public_works.projects ADD COLUMN upgrade_probe_note text;
ALTER TABLE public_works.projects ADD COLUMN upgrade_probe_flags int NOT NULL DEFAULT 0;
CREATE TABLE public_works.upgrade_probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, note text);
CREATE INDEX projects_upgrade_probe ON public_works.projects (upgrade_probe_flags);
SQL
probe_lint="$("$PY" - "$ROOT/scripts/lib" "$PROBE_DIR/9001_upgrade_probe_expand.sql" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("lint", sys.argv[1] + "/upgrade-migration-lint.py")
lint = importlib.util.module_from_spec(spec); spec.loader.exec_module(lint)
print(len(lint.contract_findings(open(sys.argv[2]).read())))
PY
)"
[[ $probe_lint == 0 ]] || fail "the lint refuses the expand probe ($probe_lint findings)"
start_load expand "$OLD"
sleep 1
t0=$(ms_now)
CABILDO_MIGRATIONS_DIR="$PROBE_DIR" new_bin migrate >"$WORK/probe-expand.log" 2>&1 ||
  { cat "$WORK/probe-expand.log" >&2; fail "expand probe migration failed"; }
expand_ms=$(($(ms_now) - t0))
sleep 2
stop_load expand
assert_load expand "old binary under the EXPAND probe (nullable column, column with default, table, index on public_works.projects)"
say "3. expand probe (2 columns, a table, an index on public_works.projects) applied in $expand_ms ms under load: old binary $(stat_of expand 's["requests"]') requests, $(stat_of expand 's["failed"]') failed"

cat >"$PROBE_DIR/9002_upgrade_probe_contract.sql" <<'SQL'
-- 68-upgrade.sh's control: a contract step the lint refuses without a marker.
ALTER TABLE public_works.projects RENAME COLUMN title TO title_v2;
SQL
probe_lint="$("$PY" - "$ROOT/scripts/lib" "$PROBE_DIR/9002_upgrade_probe_contract.sql" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("lint", sys.argv[1] + "/upgrade-migration-lint.py")
lint = importlib.util.module_from_spec(spec); spec.loader.exec_module(lint)
print(len(lint.contract_findings(open(sys.argv[2]).read())))
PY
)"
[[ $probe_lint == 1 ]] || fail "the lint does not refuse the contract probe ($probe_lint findings)"
start_load contract "$OLD"
sleep 1
CABILDO_MIGRATIONS_DIR="$PROBE_DIR" new_bin migrate >"$WORK/probe-contract.log" 2>&1 ||
  { cat "$WORK/probe-contract.log" >&2; fail "contract probe migration failed"; }
sleep 2
stop_load contract
contract_failed="$(stat_of contract 's["failed"]')"
contract_5xx="$(stat_of contract 's["server_errors"]')"
((contract_failed > 0)) || fail "the contract control (RENAME public_works.projects.title) broke nothing the load saw: the check cannot see a broken upgrade"
say "3. contract control (RENAME public_works.projects.title under the old binary): $contract_failed failed requests ($contract_5xx 5xx) — seen, as it must be; the lint refuses it too"

# --- result -----------------------------------------------------------------------------------

"$PY" - "$OUT/result.json" <<PY
import json, sys
def load(p):
    with open(p) as f:
        return json.load(f)
w = "$WORK"
def phase(name):
    s = load(w + "/load-" + name + "/stats.json")
    return {k: s[k] for k in ("requests", "failed", "server_errors", "max_latency_ms", "duration_s", "reads", "writes")}
json.dump({
  "previous_release": "$PREV_SHA", "previous_binary": "$PREV_BIN", "new_binary": "$NEW_BIN",
  "previous_build_s": $prev_build_s,
  "fresh": {"migrations": $total_files, "ms": $fresh_ms, "again_ms": $again_ms},
  "upgrade_migrate_ms": $upgrade_ms, "upgraded_schema_equals_fresh": "$schema_same" == "true",
  "load": {p: phase(p) for p in ("before", "during", "new", "expand", "contract")},
  "acknowledged_writes": $acked_n, "lost_writes": $lost_n,
  "compare": load(w + "/compare.json"), "audit_verified": "${audit[*]}".split(),
  "expand_probe_ms": $expand_ms,
  "assertion_failures": $("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "${failures[@]}"),
  "wall_s": $((SECONDS - started)),
}, open(sys.argv[1], "w"), indent=1)
PY

cat <<EOF

== upgrade summary ($((SECONDS - started)) s; $OUT/result.json)
previous release ${PREV_SHA:0:12}: built in $prev_build_s s; empty database: $total_files migrations in $fresh_ms ms, again a no-op
new binary's migrate on the previous release's database under load: $upgrade_ms ms; old binary: $(stat_of during 's["failed"]') failed, $(stat_of during 's["server_errors"]') 5xx
writes: $acked_n acknowledged, $lost_n lost; upgraded schema = fresh schema: $schema_same; old/new answers: $cmp_ok
probes: expand $(stat_of expand 's["failed"]') failed; contract control $contract_failed failed (must be > 0)
EOF
if ((${#failures[@]})); then
  printf 'upgrade: FAILED: %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "upgrade: ok"

#!/usr/bin/env bash
# CTest migration_lint_rules: scripts/lib/upgrade-migration-lint.py, run on a
# throwaway git repository (base commit = "the previous release"), accepts
# expand steps and refuses contract steps without a `-- contract:` marker,
# edited or removed landed migrations, and numbers before the landed ones.
set -euo pipefail
src="$1"
lint="$src/scripts/lib/upgrade-migration-lint.py"
tmp="$(mktemp -d)"
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
g() { git -C "$tmp" -c user.name=t -c user.email=t@example.invalid "$@" >/dev/null; }

mkdir -p "$tmp/migrations" "$tmp/plugins/demo/migrations" "$tmp/scripts/lib"
cat >"$tmp/migrations/0001_base.sql" <<'SQL'
CREATE TABLE core.things (id uuid PRIMARY KEY, name text NOT NULL, old_name text);
SQL
cat >"$tmp/plugins/demo/migrations/0001_demo.sql" <<'SQL'
CREATE SCHEMA demo;
CREATE TABLE demo.items (id uuid PRIMARY KEY, title text);
SQL
g init -q
g add -A
g commit -q -m base
base="$(git -C "$tmp" rev-parse HEAD)"
printf '# previous\n%s\n' "$base" >"$tmp/scripts/lib/previous-release"

run() { # <expected rc> <what>; output in $tmp/out
  local rc=0
  python3 "$lint" --root "$tmp" >"$tmp/out" 2>&1 || rc=$?
  [[ $rc == "$1" ]] || { cat "$tmp/out" >&2; fail "$2: exit $rc, want $1"; }
}
expect() { grep -qF -- "$1" "$tmp/out" || { cat "$tmp/out" >&2; fail "missing finding: $1"; }; }

run 0 "no change"
grep -q '0 new since' "$tmp/out" || fail "no-change summary"

# Expand steps pass: nullable column, NOT NULL with DEFAULT, new table, index,
# drop/revoke of what the same file created, a function body mentioning DROP.
cat >"$tmp/migrations/0002_expand.sql" <<'SQL'
-- A comment saying DROP TABLE core.things is not SQL.
ALTER TABLE core.things ADD COLUMN note text;
ALTER TABLE core.things ADD COLUMN flags int NOT NULL DEFAULT 0;
CREATE TABLE core.extra (id uuid PRIMARY KEY, v text NOT NULL);
CREATE INDEX things_name ON core.things (name);
CREATE FUNCTION core.helper() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;
REVOKE ALL ON FUNCTION core.helper() FROM PUBLIC;
CREATE TABLE core.scratch (id int);
DROP TABLE core.scratch;
INSERT INTO core.extra VALUES (gen_random_uuid(), 'DROP COLUMN name; RENAME');
DROP POLICY IF EXISTS p ON core.things;
ALTER TABLE core.things
  ADD COLUMN a timestamptz,
  ADD COLUMN b text,
  ADD CONSTRAINT things_ab CHECK ((a IS NULL AND b IS NULL) OR (a IS NOT NULL AND b IS NOT NULL));
ALTER TABLE core.things ADD COLUMN c numeric(10,2) NOT NULL DEFAULT 0;
SQL
run 0 "expand steps"

# Contract steps are refused without a marker, each on its line.
cat >"$tmp/plugins/demo/migrations/0002_contract.sql" <<'SQL'
ALTER TABLE demo.items DROP COLUMN title;
ALTER TABLE demo.items
  RENAME COLUMN id TO item_id;
ALTER TABLE demo.items ALTER COLUMN id TYPE text;
ALTER TABLE demo.items ALTER COLUMN id SET NOT NULL;
ALTER TABLE demo.items ADD COLUMN owner uuid NOT NULL;
DROP TABLE demo.items;
REVOKE SELECT ON demo.items FROM cabildo_app;
DO $$ BEGIN EXECUTE 'SELECT 1'; ALTER TABLE demo.items DROP COLUMN x; END $$;
ALTER TABLE demo.items ADD COLUMN amount numeric(10,2) NOT NULL, ADD CONSTRAINT c CHECK (amount IS NOT NULL);
SQL
run 1 "contract steps"
expect "0002_contract.sql:1: drops a column"
expect "0002_contract.sql:2: renames"
expect "0002_contract.sql:4: changes a column's type"
expect "0002_contract.sql:5: SET NOT NULL"
expect "0002_contract.sql:6: adds a NOT NULL column without a DEFAULT"
expect "0002_contract.sql:7: drops an object"
expect "0002_contract.sql:8: revokes"
expect "0002_contract.sql:9: drops a column"
expect "0002_contract.sql:10: adds a NOT NULL column without a DEFAULT"
[[ $(grep -c '0002_contract.sql' "$tmp/out") == 9 ]] || { cat "$tmp/out" >&2; fail "9 findings expected"; }

# The marker (before or inside the statement) accepts a contract step.
cat >"$tmp/plugins/demo/migrations/0002_contract.sql" <<'SQL'
-- contract: v0.29.0 stopped reading items.title (moved to items.name in v0.28.0)
ALTER TABLE demo.items DROP COLUMN title;
ALTER TABLE demo.items -- contract: v0.29.0 reads item_id only
  RENAME COLUMN id TO item_id;
SQL
run 0 "marked contract steps"

# A landed migration edited, one removed, a new one numbered before the last landed.
echo "-- edited" >>"$tmp/migrations/0001_base.sql"
run 1 "edited landed migration"
expect "migrations/0001_base.sql: edited after it landed"
git -C "$tmp" checkout -q -- migrations/0001_base.sql
mv "$tmp/plugins/demo/migrations/0001_demo.sql" "$tmp/plugins/demo/migrations/0003_demo.sql"
run 1 "removed landed migration"
expect "plugins/demo/migrations/0001_demo.sql: a landed migration was removed"
mv "$tmp/plugins/demo/migrations/0003_demo.sql" "$tmp/plugins/demo/migrations/0001_demo.sql"
cat >"$tmp/migrations/0001_late.sql" <<'SQL'
CREATE TABLE core.late (id int);
SQL
run 1 "number before the landed ones"
expect "migrations/0001_late.sql: numbered 0001, not after the last landed core migration (0001)"
rm "$tmp/migrations/0001_late.sql"
run 0 "clean again"

# A base missing from the history (shallow clone): skipped, exit 77.
printf '%s\n' 0123456789012345678901234567890123456789 >"$tmp/scripts/lib/previous-release"
run 77 "unknown base"
grep -q 'skipped' "$tmp/out" || fail "skip message"
echo "migration lint: ok"

#!/usr/bin/env bash
# CTest new_plugin_script: scripts/new-plugin, run on a throwaway copy of
# plugins/ + scripts/ (the real tree is never touched), makes a module with no
# trace of the template's names, clang-format clean, with valid JSON Schemas,
# and refuses bad, reserved and existing names.
set -euo pipefail
src="$1"
tmp="$(mktemp -d)"
trap 'rm -rf -- "$tmp"' EXIT
mkdir -p "$tmp/core/src/plugin_host"
cp -r "$src/plugins" "$src/scripts" "$src/.clang-format" "$tmp/"
cp "$src/core/src/plugin_host/plugin_host.cc" "$tmp/core/src/plugin_host/"
fail() { echo "FAIL: $*" >&2; exit 1; }

"$tmp/scripts/new-plugin" street-lighting >"$tmp/out.txt" || fail "new-plugin street-lighting failed"
dest="$tmp/plugins/street_lighting"
[[ -f $dest/src/street_lighting_plugin.cc ]] || fail "src file not renamed"
[[ -f $dest/tests/street_lighting_itest.cc ]] || fail "test file not renamed"
for s in Item ItemInput ItemPatch ItemPage; do
  [[ -f $dest/schemas/StreetLighting$s.json ]] || fail "schema StreetLighting$s.json missing"
done
if grep -rniq sample "$dest" || find "$dest" -iname '*sample*' | grep -q .; then
  grep -rni sample "$dest" >&2 || true
  fail "leftover 'sample' in the generated module"
fi
! grep -rq TEMPLATE-ONLY "$dest" || fail "TEMPLATE-ONLY lines kept"
grep -q 'CABILDO_PLUGIN("street-lighting"' "$dest/src/street_lighting_plugin.cc" || fail "plugin name"
grep -q '"street-lighting.item.write"' "$dest/src/street_lighting_plugin.cc" || fail "permission"
grep -q 'CREATE TABLE street_lighting.items' "$dest/migrations/0001_items.sql" || fail "SQL schema"
grep -q 'namespace cabildo::plugins::street_lighting' "$dest/src/street_lighting_plugin.cc" ||
  fail "namespace"
grep -q '"streetLightingListItems"' "$dest/src/street_lighting_plugin.cc" || fail "operation id"
grep -qx 'add_subdirectory(street_lighting)' "$tmp/plugins/CMakeLists.txt" || fail "not added"
# Outside the tests-only block: after its endif().
[[ $(tail -n 1 "$tmp/plugins/CMakeLists.txt") == 'add_subdirectory(street_lighting)' ]] ||
  fail "add_subdirectory not at the end"
(cd "$tmp" && clang-format --dry-run --Werror plugins/street_lighting/src/*.cc \
  plugins/street_lighting/tests/*.cc) || fail "clang-format"
for f in "$dest"/schemas/*.json; do
  python3 -m json.tool "$f" >/dev/null || fail "$f is not JSON"
done

for bad in Audit audit "x y" "" 9lives a_b trailing- sample example public-works service-requests; do
  if "$tmp/scripts/new-plugin" "$bad" >/dev/null 2>&1; then fail "accepted bad name '$bad'"; fi
done
[[ ! -e $tmp/plugins/audit && ! -e $tmp/plugins/example_ ]] || fail "a refused name left a folder"
echo "new_plugin_script: ok"

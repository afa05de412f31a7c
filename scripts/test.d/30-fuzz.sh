#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan, only the
# sources each target needs) into build/fuzz and runs each for
# CABILDO_FUZZ_SECONDS (default 30), two at a time, seeded with a copy of its
# checked-in corpus (tests/fuzz/corpus/<target>/; the checkout stays clean).
# Any crash, leak, timeout or out-of-memory fails the run; the input that
# caused it lands in build/fuzz/artifacts/<target>/. Prints each target's
# executions, exec/s and coverage (cov: edges, ft: features).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$ROOT/scripts/lib/common.sh"

seconds="${CABILDO_FUZZ_SECONDS:-30}"
[[ $seconds =~ ^[1-9][0-9]*$ ]] || cabildo_die "fuzz: CABILDO_FUZZ_SECONDS must be a positive integer"
build_dir="$ROOT/build/fuzz"

# clang-14, its libFuzzer runtime and lld come with the project's dependencies.
cabildo_install_deps

export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/tmp}/.cache/ccache}"
started=$SECONDS
if [[ ! -f $build_dir/build.ninja ]]; then
  cmake -S "$ROOT/tests/fuzz" -B "$build_dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
fi
cmake --build "$build_dir" -j2
echo "fuzz: targets built in $((SECONDS - started)) s"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rm -rf "$build_dir/artifacts"

# One target: its own corpus copy, log and exit code in $work.
run_target() { # <name> <max_len>
  local name="$1" max_len="$2" rc=0
  mkdir -p "$work/$name" "$build_dir/artifacts/$name"
  cp -r "$ROOT/tests/fuzz/corpus/$name/." "$work/$name/"
  # detect_leaks: a leak is a failure too; LSan needs the fuzzer's own exit.
  ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:handle_abort=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$build_dir/${name}_fuzz" -max_total_time="$seconds" -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build_dir/artifacts/$name/" \
    "$work/$name" >"$work/$name.log" 2>&1 || rc=$?
  echo "$rc" >"$work/$name.rc"
}

mapfile -t targets <"$build_dir/fuzz_targets.txt"
for line in "${targets[@]}"; do
  read -r name max_len <<<"$line"
  # Two at a time: the CI machines have two cores.
  while (($(jobs -rp | wc -l) >= 2)); do wait -n || true; done
  run_target "$name" "$max_len" &
done
wait

failed=()
for line in "${targets[@]}"; do
  read -r name _ <<<"$line"
  log="$work/$name.log"
  rc="$(cat "$work/$name.rc")"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  cov="$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 || true)"
  printf 'fuzz: %-14s exit %s  execs %s  exec/s %s  %s\n' "$name" "$rc" "${execs:-?}" "${rate:-?}" \
    "${cov:-no coverage line}"
  if [[ $rc != 0 ]]; then
    failed+=("$name")
    echo "---- $name (last 40 lines; reproducer in build/fuzz/artifacts/$name/)" >&2
    tail -n 40 "$log" >&2
  fi
done
((${#failed[@]} == 0)) || cabildo_die "fuzz: ${failed[*]} failed (crash, leak, timeout or OOM)"
echo "fuzz: ${#targets[@]} targets ran ${seconds} s each without a finding"

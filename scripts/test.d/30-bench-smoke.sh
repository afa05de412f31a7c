#!/usr/bin/env bash
# Keeps bench/run from rotting: a 3-second smoke of the `list` scenario (two
# rounds per target, so the interleaving and the median are run too) through
# the whole pipeline (Release build, own PostgreSQL/Redis in bench/.state/,
# data set, Cabildo, the nginx ceiling, wrk, report). Fails if the harness
# fails or Cabildo answered anything but 2xx under load. bench/run ignores the
# CABILDO_* variables scripts/test exported, so the test services are never
# touched. Results go to bench/.state/smoke/, never to bench/results/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
started=$SECONDS
rc=0
BENCH_SMOKE=1 BENCH_DURATION=3 BENCH_ROUNDS=2 BENCH_STATUS_HOOK=1 "$ROOT/bench/run" list 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
if ((rc != 0)); then
  echo "bench-smoke: bench/run failed (exit $rc; 3 = Cabildo answered non-2xx under load)" >&2
  exit 1
fi

# Belt and braces: the results file bench/run just wrote must show requests and
# no non-2xx response, in every row.
results="$(sed -n 's/^results: //p' "$log" | tail -n 1)"
[[ -n $results ]] || { echo "bench-smoke: bench/run printed no results file" >&2; exit 1; }
[[ $results == /* ]] || results="$ROOT/$results"
py=/usr/bin/python3
[[ -x $py ]] || py=python3 # bench/run installed one if there was none
"$py" "$ROOT/bench/lib/bench.py" check "$results" || {
  echo "bench-smoke: $results shows failed or non-2xx requests" >&2
  exit 1
}
echo "bench-smoke: ok in $((SECONDS - started)) s ($results)"

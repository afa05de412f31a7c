#!/usr/bin/env bash
# Soak under ASan's leak checker (issue 23, point 2, the CI variant of bench/soak):
# the test build's server (build/test, ASan + UBSan, detect_leaks=1) under the
# same mixed load as bench/soak (reads of every module's public lists, items and
# exports, public-works drafts, service-requests reports, login cycles, `wrk
# -c64` bursts) for SOAK_ASAN_SECONDS (default 75), memory sampled every 5 s,
# then SIGTERM. Asserted (bench/soak's checks):
#   - no failed request of the load, no non-2xx in the bursts;
#   - the server exits 0 on SIGTERM and LeakSanitizer reports nothing;
#   - no RSS growth trend after a 20 s warm-up: the last third's median RSS
#     floor <= the first third's + 48 MiB (looser than bench/soak's 8 MiB:
#     ASan's allocator caches per thread and size class, and bench/soak caps
#     its quarantine at 16 MiB, not the default 256 MiB, which took the whole
#     run to fill and grew RSS by 120 MiB without any leak; a leak at this
#     load grows without bound).
# The after-load RSS bound (64 MiB) is bench/soak's, on the Release build:
# ASan's shadow memory makes the figure meaningless here.
# Own PostgreSQL + Redis in a mktemp state dir under /tmp (bench/soak does it),
# loopback only, cleaned up on exit. Results: build/soak-asan/result.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${CABILDO_SOAK_BINARY:-$ROOT/build/test/api/cabildo}"
[[ -x $BIN ]] || {
  echo "soak-asan: no server binary at $BIN (build the test tree first)" >&2
  exit 1
}
mkdir -p "$ROOT/build/soak-asan"
started=$SECONDS
rc=0
SOAK_BINARY="$BIN" SOAK_ASAN=1 SOAK_SECONDS="${SOAK_ASAN_SECONDS:-75}" SOAK_SAMPLE_SECONDS=5 \
  SOAK_WARMUP=20 SOAK_SLACK_MIB=48 SOAK_MAX_AFTER_MIB=0 SOAK_SETTLE_SECONDS=3 \
  SOAK_BURST_EVERY=15 SOAK_BURST_SECONDS=3 \
  SOAK_LOAD_ARGS="--readers 2 --read-rate 20 --export-rate 0.5 --write-rate 2 --login-rate 0.3" \
  SOAK_OUT="$ROOT/build/soak-asan/result.json" "$ROOT/bench/soak" || rc=$?
if ((rc != 0)); then
  echo "soak-asan: FAILED (exit $rc; 3 = a check failed, see above)" >&2
  exit 1
fi
echo "soak-asan: ok in $((SECONDS - started)) s (build/soak-asan/result.json)"

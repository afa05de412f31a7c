# shellcheck shell=bash
# Data sets of bench/run, sourced by it. `needs=a,b` in bench/scenarios.sh calls
# dataset_a and dataset_b (a '-' in the name becomes '_'), each once per run, in
# the order first needed, after `cabildo migrate` on a freshly recreated
# database and before `cabildo serve` starts.
#
# A data set must be deterministic (same rows on every run, no randomness
# without a fixed seed, no clock-dependent content that changes response sizes)
# so that runs on different commits compare. Write rows through the binary's
# CLI (`"$BENCH_BIN" ...`, environment already points at the bench database) or
# through `bench_psql` (psql as the database owner). Send chatter to
# "$BENCH_LOG"; a failing command stops the run.
#
# Pending (waiting for their features): projects (public-works rows per
# tenant), users (an editor with a known password), tenants-2500.

# The 4 tenants of the pilot: the State of Durango and three municipalities.
dataset_durango() {
  "$BENCH_BIN" tenants apply "$ROOT/tenants/durango.json" >>"$BENCH_LOG" 2>&1
}

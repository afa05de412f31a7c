# shellcheck shell=bash
# shellcheck disable=SC2034 # CABILDO_RUN_PID/_ERROR are read by the callers
# A whole `scripts/run` — the server with its own PostgreSQL and Redis —
# started, awaited and stopped by a test script, the way a person runs it
# (scripts/test.d/40-run-as-root.sh, 50-e2e.sh). Sourced after common.sh;
# the caller owns `set -euo pipefail` and its EXIT trap, which should call
# cabildo_run_kill. The functions report through their status and
# CABILDO_RUN_ERROR; they never exit.

CABILDO_RUN_PID=""
CABILDO_RUN_ERROR=""

# A free TCP port on 127.0.0.1 (free when asked; the server binds it soon after).
cabildo_free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# cabildo_run_start <log> <command> [args...]: runs the command (scripts/run,
# typically through `env` to set its variables) in the background with its
# output in <log>, in a process group of its own that does not ignore SIGINT,
# so that cabildo_run_stop can send it the Ctrl-C a terminal would.
cabildo_run_start() {
  local log="$1"
  shift
  set -m
  "$@" >"$log" 2>&1 &
  CABILDO_RUN_PID=$!
  set +m
}

# cabildo_run_wait_ready <base-url> <seconds>: waits until <base-url>/readyz
# answers 200. Fails when scripts/run exits first or time runs out.
cabildo_run_wait_ready() {
  local base="$1" seconds="$2" i
  for ((i = 0; i < seconds * 10; i++)); do
    if ! kill -0 "$CABILDO_RUN_PID" 2>/dev/null; then
      CABILDO_RUN_ERROR="scripts/run exited before it was ready"
      return 1
    fi
    if [[ $(curl -s -o /dev/null -w '%{http_code}' "$base/readyz" || true) == 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  CABILDO_RUN_ERROR="/readyz did not answer 200 within $seconds s"
  return 1
}

# cabildo_run_stop <base-url> <state-dir> <services-script>: SIGINT to the
# group, as Ctrl-C; then scripts/run must have exited 130 within 60 s, the
# server must no longer answer, and the PostgreSQL and Redis of <state-dir>
# must be stopped.
cabildo_run_stop() {
  local base="$1" state="$2" services="$3" i rc=0 status status_rc=0
  kill -INT -- "-$CABILDO_RUN_PID" 2>/dev/null || true
  for ((i = 0; i < 600; i++)); do
    kill -0 "$CABILDO_RUN_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$CABILDO_RUN_PID" 2>/dev/null; then
    CABILDO_RUN_ERROR="scripts/run still running 60 s after SIGINT"
    return 1
  fi
  wait "$CABILDO_RUN_PID" || rc=$?
  CABILDO_RUN_PID=""
  if [[ $rc != 130 ]]; then
    CABILDO_RUN_ERROR="scripts/run exited $rc after SIGINT, not 130"
    return 1
  fi
  if curl -s -o /dev/null "$base/readyz"; then
    CABILDO_RUN_ERROR="the server still answers after SIGINT"
    return 1
  fi
  status="$(CABILDO_STATE_DIR="$state" "$services" status)" || status_rc=$?
  if [[ $status_rc != 3 ]] || ! grep -q '^postgresql: stopped' <<<"$status" ||
    ! grep -q '^redis: stopped' <<<"$status"; then
    CABILDO_RUN_ERROR="services left running: $status"
    return 1
  fi
}

# For EXIT traps: a scripts/run still running gets SIGTERM (its own trap
# stops what it started) and is waited for.
cabildo_run_kill() {
  if [[ -n $CABILDO_RUN_PID ]] && kill -0 "$CABILDO_RUN_PID" 2>/dev/null; then
    kill -TERM -- "-$CABILDO_RUN_PID" 2>/dev/null || true
    wait "$CABILDO_RUN_PID" 2>/dev/null || true
  fi
  CABILDO_RUN_PID=""
}

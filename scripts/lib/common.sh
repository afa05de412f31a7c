# shellcheck shell=bash
# Helpers shared by scripts/run, scripts/test and scripts/services. Sourced, never
# executed: it sets no shell options, the calling script owns `set -euo pipefail`.

CABILDO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CABILDO_PG_BIN=/usr/lib/postgresql/15/bin
# The socket file name comes from the port even with TCP off; pinned so that a
# PGPORT in the caller's environment cannot move the server or our psql calls.
CABILDO_PG_PORT=5432

cabildo_die() {
  printf 'cabildo: %s\n' "$*" >&2
  exit 1
}

# Runs a privileged command: directly as root, through sudo otherwise.
cabildo_as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    cabildo_die "need root or sudo to run: $*"
  fi
}

# Installs the Debian packages the build, the tests and the local services need.
# Asks apt only when something is missing, so a warm machine pays one dpkg-query.
cabildo_install_deps() {
  local pkgs=(build-essential cmake ninja-build ccache pkg-config git
    libpistache-dev libpqxx-dev libpq-dev libhiredis-dev nlohmann-json3-dev
    libsodium-dev zlib1g-dev libgtest-dev libgmock-dev googletest
    postgresql-15 postgresql-client-15 redis-server wrk nginx-light python3
    curl ca-certificates procps clang-format unzip yamllint python3-yaml
    haproxy pgbouncer # scripts/test.d/60-replicas.sh
    clang-14 libclang-rt-14-dev lld-14 # the libFuzzer targets (scripts/test.d/30-fuzz.sh)
    chromium)                          # the portal's browser tests (scripts/test.d/50-e2e.sh)
  # A NodeSource (or other) Node.js conflicts with Debian's nodejs/npm: keep it.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    pkgs+=(nodejs npm)
  fi

  cabildo_apt_install_missing "${pkgs[@]}"
}

# cabildo_apt_install_missing <package...>: installs those of the Debian
# packages that are not installed yet (one dpkg-query when none is missing).
cabildo_apt_install_missing() {
  local pkgs=("$@")
  local installed missing=() p
  # dpkg-query fails when it has never heard of a package; that means missing too.
  installed="$({ dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null || true; } |
    awk '$NF == "installed" { print $1 }')"
  for p in "${pkgs[@]}"; do
    grep -qxF -- "$p" <<<"$installed" || missing+=("$p")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $EUID -eq 0 ]] || command -v sudo >/dev/null 2>&1 ||
    cabildo_die "missing Debian packages (${missing[*]}): run as root or install sudo"

  echo "cabildo: installing missing Debian packages: ${missing[*]}"
  local log
  log="$(mktemp)"
  # apt's progress output is noise on success; it is shown only when it fails.
  if ! { cabildo_as_root apt-get update -qq &&
    cabildo_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      -o DPkg::Lock::Timeout=120 --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    rm -f "$log"
    cabildo_die "apt-get failed installing: ${missing[*]}"
  fi
  rm -f "$log"
}

# The container tools only scripts/image and scripts/test.d/70-image.sh need:
# mmdebstrap makes the image's root filesystem from Debian's packages, buildah
# assembles and exports the OCI image, podman runs it. Kept out of
# cabildo_install_deps so that scripts/run (a developer's first command) does
# not install a container stack it never uses. runc beside podman's crun: crun
# 1.8 refuses hosts with cgroups in hybrid v1/v2 mode (some CI machines), runc
# runs there; uidmap, fuse-overlayfs and slirp4netns are what podman needs to
# run rootless (as a non-root user).
cabildo_install_container_deps() {
  cabildo_apt_install_missing mmdebstrap debian-archive-keyring buildah podman runc \
    uidmap fuse-overlayfs slirp4netns
}

# cabildo_state_dir_for <default> <fallback>: the state dir to use when the
# caller did not set one. <default> (inside the clone) unless the local
# services cannot live there: a path too long for unix sockets, or, as root, a
# clone that PostgreSQL's `postgres` user cannot enter (a clone under /root,
# which is 0700; initdb refuses to run as root, so root runs it as
# `postgres`). Then <fallback>-<hash of the clone's path>: one per clone.
cabildo_state_dir_for() {
  local default="$1" fallback="$2"
  if ((${#default} > 88)) ||
    { [[ $EUID -eq 0 ]] && ! runuser -u postgres -- test -x "$CABILDO_ROOT" 2>/dev/null; }; then
    printf '%s-%s\n' "$fallback" "$(printf %s "$CABILDO_ROOT" | md5sum | cut -c1-12)"
  else
    printf '%s\n' "$default"
  fi
}

# cabildo_build <build-dir> <cmake-build-type> [extra cmake args...]
# Configures once (later CMakeLists changes re-run cmake through ninja itself),
# then builds incrementally; ccache makes a wiped build dir cheap to rebuild.
cabildo_build() {
  local dir="$1" type="$2"
  shift 2
  export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/tmp}/.cache/ccache}"
  if [[ ! -f $dir/build.ninja ]]; then
    cmake -S "$CABILDO_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" \
      -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@"
  fi
  cmake --build "$dir" -j2
}

# ---------------------------------------------------------------------------
# Local services: one state dir holds a PostgreSQL 15 cluster and a Redis, both
# reachable only through unix sockets inside it.

# Sets the CABILDO_* path variables below from CABILDO_STATE_DIR and
# CABILDO_DB_NAME. Creates nothing, so `env` and `status` have no side effects.
cabildo_state_init() {
  CABILDO_STATE="$(realpath -m -- "${CABILDO_STATE_DIR:-$CABILDO_ROOT/.local}")"
  CABILDO_DB="${CABILDO_DB_NAME:-cabildo}"
  # The paths and the database name go unescaped into URLs and config files.
  [[ $CABILDO_STATE =~ ^[A-Za-z0-9_./+-]+$ ]] ||
    cabildo_die "state dir '$CABILDO_STATE' has characters that cannot go into a connection URL; set CABILDO_STATE_DIR to a plain path"
  [[ $CABILDO_DB =~ ^[a-z_][a-z0-9_]*$ ]] ||
    cabildo_die "CABILDO_DB_NAME '$CABILDO_DB' must match [a-z_][a-z0-9_]*"
  # A unix socket path is limited to 107 bytes; the longest is the PG socket.
  ((${#CABILDO_STATE} + 19 <= 107)) ||
    cabildo_die "state dir '$CABILDO_STATE' is too long for unix socket paths (max 88 characters); set CABILDO_STATE_DIR to a shorter path"

  CABILDO_PG_DIR="$CABILDO_STATE/pg"
  CABILDO_PG_DATA="$CABILDO_PG_DIR/data"
  CABILDO_PG_LOG="$CABILDO_PG_DIR/log"
  CABILDO_REDIS_DIR="$CABILDO_STATE/redis"
  CABILDO_REDIS_CONF="$CABILDO_REDIS_DIR/redis.conf"
  CABILDO_REDIS_SOCK="$CABILDO_REDIS_DIR/redis.sock"
  CABILDO_REDIS_PID="$CABILDO_REDIS_DIR/redis.pid"
  CABILDO_REDIS_LOG="$CABILDO_REDIS_DIR/redis.log"
}

# The marker lets scripts/test wipe a state dir without risking a wrong path.
cabildo_state_mkdir() {
  mkdir -p "$CABILDO_STATE"
  [[ -f $CABILDO_STATE/.cabildo-state ]] ||
    echo "Local PostgreSQL/Redis state of scripts/services; safe to delete when stopped." \
      >"$CABILDO_STATE/.cabildo-state"
}

# The local instance's data key (CABILDO_DATA_KEY: seals personal data at
# rest), made once per state dir and kept beside it, readable only by its
# owner: a database restored without this file keeps its personal data sealed.
cabildo_data_key_file() {
  local file="$CABILDO_STATE/data-key"
  if [[ ! -s $file ]]; then
    mkdir -p "$CABILDO_STATE"
    (umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$file")
  fi
  printf '%s' "$file"
}

cabildo_env_exports() {
  local key_file
  key_file="$(cabildo_data_key_file)"
  cat <<EOF
export CABILDO_STATE_DIR='$CABILDO_STATE'
export CABILDO_DATABASE_URL='postgresql://cabildo_app@/$CABILDO_DB?host=$CABILDO_PG_DIR'
export CABILDO_DATABASE_ADMIN_URL='postgresql://cabildo_owner@/$CABILDO_DB?host=$CABILDO_PG_DIR'
export CABILDO_REDIS_URL='unix://$CABILDO_REDIS_SOCK'
export CABILDO_DATA_KEY="\${CABILDO_DATA_KEY:-\$(cat '$key_file')}"
EOF
}

# A daemon that exited stays a zombie until init reaps it, which some
# container inits do late: a zombie counts as gone.
cabildo_pid_alive() {
  local state
  state="$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" || return 1
  [[ -n $state && $state != Z ]]
}

# --- PostgreSQL ------------------------------------------------------------

# initdb and pg_ctl refuse to run as root, so root runs them as the `postgres`
# system user. From `/`, because they fail when they cannot read their cwd.
cabildo_pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

cabildo_psql_admin() {
  "$CABILDO_PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$CABILDO_PG_DIR" -p "$CABILDO_PG_PORT" \
    -U postgres "$@"
}

# Prints the postmaster's pid from its lock file (any state), or fails.
cabildo_pg_lock_pid() {
  local pid
  [[ -f $CABILDO_PG_DATA/postmaster.pid ]] || return 1
  pid="$(head -n 1 "$CABILDO_PG_DATA/postmaster.pid" 2>/dev/null)" || return 1
  [[ $pid =~ ^[0-9]+$ ]] && echo "$pid"
}

# Like `pg_ctl status`, but a zombie postmaster (killed, not yet reaped) is not
# a running server.
cabildo_pg_running() {
  local pid
  pid="$(cabildo_pg_lock_pid)" && cabildo_pid_alive "$pid" &&
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == postgres* ]]
}

# As root the cluster belongs to `postgres`, which must be able to reach it.
cabildo_pg_check_traversable() {
  local blocked
  # shellcheck disable=SC2016 # the inner sh expands $1 and $d, not this shell
  blocked="$(runuser -u postgres -- sh -c '
    d=$1; bad=
    while :; do
      [ -x "$d" ] || bad=$d
      [ "$d" = / ] && break
      d=$(dirname "$d")
    done
    printf %s "$bad"' sh "$CABILDO_STATE")"
  [[ -z $blocked ]] ||
    cabildo_die "PostgreSQL runs as user 'postgres' (initdb refuses root) and cannot enter '$blocked'; run 'chmod o+x $blocked' or point CABILDO_STATE_DIR (CABILDO_TEST_STATE_DIR for scripts/test) to a path under /tmp"
}

cabildo_pg_init() {
  [[ -f $CABILDO_PG_DATA/PG_VERSION ]] && return 0
  cabildo_state_mkdir
  mkdir -p "$CABILDO_PG_DIR"
  # The socket lives here: 0700 keeps other local users away from a trust cluster.
  chmod 700 "$CABILDO_PG_DIR"
  rm -rf "$CABILDO_PG_DATA" # leftovers of an interrupted initdb
  [[ $EUID -ne 0 ]] || chown -R postgres:postgres "$CABILDO_PG_DIR"
  # trust is fine: the cluster listens only on a socket in a 0700 directory.
  if ! cabildo_pg_as_owner "$CABILDO_PG_BIN/initdb" -D "$CABILDO_PG_DATA" -A trust -U postgres \
    --encoding=UTF8 --locale=C.UTF-8 >"$CABILDO_PG_DIR/initdb.log" 2>&1; then
    cat "$CABILDO_PG_DIR/initdb.log" >&2
    cabildo_die "initdb failed for $CABILDO_PG_DATA"
  fi
  # Throwaway dev/test cluster: durability off for speed, no TCP at all.
  cat >>"$CABILDO_PG_DATA/postgresql.conf" <<EOF

# --- cabildo local cluster (scripts/services) ---
listen_addresses = ''
port = $CABILDO_PG_PORT
unix_socket_directories = '$CABILDO_PG_DIR'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
# Statement counts per database: tests check that an export issues a
# bounded number of statements (no query per row). Each test has its own
# database, so a full suite makes far more than the default 5,000 entries;
# evicted ones made a test's count go backwards (-97 once): room for all.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.max = 100000
EOF
}

# Roles: cabildo_owner owns the database and runs migrations; cabildo_app is
# what the server connects as, so row-level security applies to it.
cabildo_pg_ensure_roles() {
  cabildo_psql_admin -d postgres -v db="$CABILDO_DB" >/dev/null <<'SQL'
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cabildo_owner') THEN
    CREATE ROLE cabildo_owner;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cabildo_app') THEN
    CREATE ROLE cabildo_app;
  END IF;
END
$$;
ALTER ROLE cabildo_owner LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE cabildo_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
SELECT format('CREATE DATABASE %I OWNER cabildo_owner', :'db')
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
ALTER DATABASE :"db" OWNER TO cabildo_owner;
-- Readable by every role from the postgres database (the counts of any
-- database; the statements' text only to their own role).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
SQL
}

cabildo_pg_start() {
  if [[ $EUID -eq 0 ]]; then
    cabildo_state_mkdir
    chmod a+x "$CABILDO_STATE"
    cabildo_pg_check_traversable
  fi
  cabildo_pg_init
  if cabildo_pg_running; then
    echo "postgresql: already running (socket dir $CABILDO_PG_DIR)"
  else
    # A crashed postmaster that is still a zombie would pass for a running
    # server in the new one's lock-file check: wait until it is reaped.
    local pid i=0
    while pid="$(cabildo_pg_lock_pid)" && [[ -e /proc/$pid ]] && ((i++ < 100)); do
      sleep 0.1
    done
    if ! cabildo_pg_as_owner "$CABILDO_PG_BIN/pg_ctl" -D "$CABILDO_PG_DATA" -l "$CABILDO_PG_LOG" \
      -s -w -t 30 start; then
      tail -n 20 "$CABILDO_PG_LOG" >&2 || true
      cabildo_die "PostgreSQL did not start; log: $CABILDO_PG_LOG"
    fi
    echo "postgresql: started (socket dir $CABILDO_PG_DIR)"
  fi
  cabildo_pg_ensure_roles
}

cabildo_pg_stop() {
  if ! cabildo_pg_running; then
    echo "postgresql: not running"
    return 0
  fi
  cabildo_pg_as_owner "$CABILDO_PG_BIN/pg_ctl" -D "$CABILDO_PG_DATA" -s -m fast -w stop ||
    cabildo_die "PostgreSQL did not stop; log: $CABILDO_PG_LOG"
  echo "postgresql: stopped"
}

# --- Redis -----------------------------------------------------------------

# Prints the pid of this state dir's redis-server, or fails if there is none.
cabildo_redis_pid() {
  local pid
  [[ -f $CABILDO_REDIS_PID ]] || return 1
  pid="$(<"$CABILDO_REDIS_PID")"
  [[ $pid =~ ^[0-9]+$ ]] && cabildo_pid_alive "$pid" || return 1
  # Checks the name too: a stale pidfile may point at a reused pid.
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server* ]] || return 1
  echo "$pid"
}

cabildo_redis_running() {
  cabildo_redis_pid >/dev/null
}

cabildo_redis_start() {
  cabildo_state_mkdir
  mkdir -p "$CABILDO_REDIS_DIR"
  chmod 700 "$CABILDO_REDIS_DIR"
  # Regenerated every time so the file always matches this script.
  cat >"$CABILDO_REDIS_CONF" <<EOF
# Generated by scripts/services; edits are overwritten.
port 0
unixsocket $CABILDO_REDIS_SOCK
unixsocketperm 700
daemonize yes
pidfile $CABILDO_REDIS_PID
logfile $CABILDO_REDIS_LOG
dir $CABILDO_REDIS_DIR
save ""
appendonly no
EOF
  if cabildo_redis_running; then
    echo "redis: already running (socket $CABILDO_REDIS_SOCK)"
    return 0
  fi
  rm -f "$CABILDO_REDIS_PID"
  redis-server "$CABILDO_REDIS_CONF" >/dev/null
  # daemonize returns before the socket is bound; wait until it answers.
  local i
  for ((i = 0; i < 100; i++)); do
    [[ $(redis-cli -s "$CABILDO_REDIS_SOCK" ping 2>/dev/null) == PONG ]] && {
      echo "redis: started (socket $CABILDO_REDIS_SOCK)"
      return 0
    }
    sleep 0.1
  done
  tail -n 20 "$CABILDO_REDIS_LOG" >&2 || true
  cabildo_die "Redis did not answer within 10 s; log: $CABILDO_REDIS_LOG"
}

cabildo_redis_stop() {
  local pid i
  if ! pid="$(cabildo_redis_pid)"; then
    rm -f "$CABILDO_REDIS_PID"
    echo "redis: not running"
    return 0
  fi
  kill -TERM "$pid"
  for ((i = 0; i < 100; i++)); do
    cabildo_pid_alive "$pid" || {
      rm -f "$CABILDO_REDIS_PID"
      echo "redis: stopped"
      return 0
    }
    sleep 0.1
  done
  cabildo_die "Redis (pid $pid) did not stop within 10 s"
}

# Prints both states; succeeds only when both are running.
cabildo_services_status() {
  local rc=0 pid
  echo "state dir: $CABILDO_STATE"
  if cabildo_pg_running; then
    echo "postgresql: running (socket dir $CABILDO_PG_DIR, database $CABILDO_DB)"
  else
    echo "postgresql: stopped"
    rc=3
  fi
  if pid="$(cabildo_redis_pid)"; then
    echo "redis: running (pid $pid, socket $CABILDO_REDIS_SOCK)"
  else
    echo "redis: stopped"
    rc=3
  fi
  return "$rc"
}

# Shared helpers for the infra scripts (sourced, not run).
INFRA_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_DIR="${UCSC_CACHE_DIR:-$INFRA_DIR/.cache}"
DATA_ROOT="${UCSC_DATA_DIR:-$INFRA_DIR/.data}"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_for SECONDS DESCRIPTION COMMAND...: retry COMMAND until it succeeds or time runs out.
wait_for() {
  local seconds=$1 what=$2; shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# stop_pid PIDFILE NAME: SIGTERM, wait up to 30 s, then SIGKILL.
stop_pid() {
  local pidfile=$1 name=$2
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; log "$name is not running"; return 0; fi
  local pid; pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_for 30 "$name to stop" bash -c "! kill -0 $pid 2>/dev/null"; then
    log "$name did not stop in 30 s; killing it"; kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"; log "$name stopped"
}

#!/usr/bin/env bash
# The project's own Redis, with AOF persistence, on a port of its own (the machine's Redis on 6379
# keeps nothing on disk and is not used).
#   infra/redis.sh start|stop|status|restart
# Settings (environment): REDIS_PORT (16379), REDIS_INSTANCE (default "redis": data in infra/.data/$REDIS_INSTANCE).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

REDIS_PORT="${REDIS_PORT:-16379}"
INSTANCE="${REDIS_INSTANCE:-redis}"
DIR="$DATA_ROOT/$INSTANCE"
PIDFILE="$DIR/redis.pid"
LOGFILE="$DIR/redis.log"

ensure_binary() {
  command -v redis-server >/dev/null && return 0
  log "redis-server is missing; installing Debian's redis-server"
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) >&2 || die "could not install redis-server"
  else
    die "install redis-server (Debian package redis-server)"
  fi
}

ping() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

start() {
  ensure_binary
  mkdir -p "$DIR"
  if pid_alive "$PIDFILE" && ping; then log "Redis ($INSTANCE) already running on 127.0.0.1:$REDIS_PORT"; return 0; fi
  if port_open 127.0.0.1 "$REDIS_PORT"; then die "port $REDIS_PORT is taken by another program; set REDIS_PORT"; fi
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR" \
    --pidfile "$PIDFILE" --logfile "$LOGFILE" \
    --appendonly yes --appendfsync everysec --save "" --protected-mode yes \
    || die "redis-server did not start; log: $LOGFILE"
  wait_for 20 "Redis" ping || { tail -n 20 "$LOGFILE" >&2; die "Redis ($INSTANCE) did not answer in 20 s"; }
  log "Redis ($INSTANCE) ready on 127.0.0.1:$REDIS_PORT (AOF in $DIR)"
}

# SIGTERM makes Redis flush its append-only file and exit cleanly
stop() { stop_pid "$PIDFILE" "Redis ($INSTANCE)"; }

status() {
  if pid_alive "$PIDFILE" && ping; then echo "redis ($INSTANCE): running on 127.0.0.1:$REDIS_PORT (pid $(cat "$PIDFILE"))"
  else echo "redis ($INSTANCE): stopped"; return 3; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# A single-node Apache Kafka broker in KRaft mode (combined broker + controller) for dev and CI.
#   infra/kafka.sh fetch|start|stop|status|restart
# Settings (environment): KAFKA_PORT (19092), KAFKA_CONTROLLER_PORT (19093),
#   KAFKA_INSTANCE (default "kafka": data in infra/.data/$KAFKA_INSTANCE), KAFKA_HEAP (512m).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
INSTANCE="${KAFKA_INSTANCE:-kafka}"
HEAP="${KAFKA_HEAP:-512m}"
DIR="$DATA_ROOT/$INSTANCE"
PIDFILE="$DIR/kafka.pid"
LOGFILE="$DIR/kafka.log"
PROPS="$DIR/server.properties"

started() { kafka_started "$PIDFILE" "$LOGFILE" "$KAFKA_PORT"; }

start() {
  kafka_fetch
  if pid_alive "$PIDFILE"; then log "Kafka ($INSTANCE) already running on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  if port_open 127.0.0.1 "$KAFKA_PORT"; then die "port $KAFKA_PORT is taken by another program; set KAFKA_PORT"; fi
  # single node: internal topics cannot have more than one replica
  kafka_write_props "$PROPS" 1 "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "1@127.0.0.1:$KAFKA_CONTROLLER_PORT" "$DIR/logs" 1
  [ -f "$DIR/logs/meta.properties" ] || kafka_format "$PROPS" "$(kafka_random_cluster_id)" "$DIR/format.log"
  kafka_launch "$PROPS" "$LOGFILE" "$PIDFILE" "$HEAP"
  if ! wait_for 90 "Kafka" started; then
    tail -n 30 "$LOGFILE" >&2; die "Kafka ($INSTANCE) did not start in 90 s; log: $LOGFILE"
  fi
  log "Kafka ($INSTANCE) ready on 127.0.0.1:$KAFKA_PORT (log: $LOGFILE)"
}

stop() { stop_pid "$PIDFILE" "Kafka ($INSTANCE)"; }

status() {
  if started; then echo "kafka ($INSTANCE): running on 127.0.0.1:$KAFKA_PORT (pid $(cat "$PIDFILE"))"
  else echo "kafka ($INSTANCE): stopped"; return 3; fi
}

case "${1:-}" in
  fetch) kafka_fetch ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  *) echo "usage: $0 fetch|start|stop|restart|status" >&2; exit 2 ;;
esac

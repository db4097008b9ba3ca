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
LIB_DIR="$CACHE_DIR/kafka/lib"
DIR="$DATA_ROOT/$INSTANCE"
PIDFILE="$DIR/kafka.pid"
LOGFILE="$DIR/kafka.log"
PROPS="$DIR/server.properties"

fetch() {
  if [ -f "$LIB_DIR/.complete" ] && [ "$LIB_DIR/.complete" -nt "$INFRA_DIR/kafka/pom.xml" ]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka from Maven Central"
  command -v java >/dev/null || die "Java 17+ is needed to run Kafka"
  log "fetching Apache Kafka from Maven Central into $LIB_DIR"
  rm -rf "$LIB_DIR"; mkdir -p "$LIB_DIR"
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" package -Dkafka.lib.dir="$LIB_DIR" >&2 || die "mvn could not fetch Kafka"
  touch "$LIB_DIR/.complete"
}

java_run() {
  java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA_DIR/kafka/log4j2.yaml" -cp "$LIB_DIR/*" "$@"
}

write_props() {
  mkdir -p "$DIR/logs"
  cat > "$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$DIR/logs
# single node: internal topics cannot have more than one replica
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
# topics are created by the project's own script, with explicit partitions
auto.create.topics.enable=false
log.retention.hours=-1
num.network.threads=2
num.io.threads=4
PROPS
}

started() { pid_alive "$PIDFILE" && grep -q "Kafka Server started" "$LOGFILE" 2>/dev/null && port_open 127.0.0.1 "$KAFKA_PORT"; }

start() {
  fetch
  if pid_alive "$PIDFILE"; then log "Kafka ($INSTANCE) already running on 127.0.0.1:$KAFKA_PORT"; return 0; fi
  if port_open 127.0.0.1 "$KAFKA_PORT"; then die "port $KAFKA_PORT is taken by another program; set KAFKA_PORT"; fi
  write_props
  if [ ! -f "$DIR/logs/meta.properties" ]; then
    local cluster_id; cluster_id=$(java_run kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
    java_run kafka.tools.StorageTool format -t "$cluster_id" -c "$PROPS" >>"$DIR/format.log" 2>&1 \
      || die "formatting Kafka storage failed; see $DIR/format.log"
  fi
  : > "$LOGFILE"
  nohup java -Xms"$HEAP" -Xmx"$HEAP" -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA_DIR/kafka/log4j2.yaml" -cp "$LIB_DIR/*" \
    kafka.Kafka "$PROPS" >>"$LOGFILE" 2>&1 < /dev/null &
  echo $! > "$PIDFILE"
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
  fetch) fetch ;;
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  *) echo "usage: $0 fetch|start|stop|restart|status" >&2; exit 2 ;;
esac

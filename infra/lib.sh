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

# ── Kafka (KRaft): shared by kafka.sh (one node) and kafka-cluster.sh (three) ──
KAFKA_LIB_DIR="$CACHE_DIR/kafka/lib"

# kafka_fetch: the Kafka jars from Maven Central, once (again when infra/kafka/pom.xml changes).
kafka_fetch() {
  if [ -f "$KAFKA_LIB_DIR/.complete" ] && [ "$KAFKA_LIB_DIR/.complete" -nt "$INFRA_DIR/kafka/pom.xml" ]; then return 0; fi
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch Kafka from Maven Central"
  command -v java >/dev/null || die "Java 17+ is needed to run Kafka"
  log "fetching Apache Kafka from Maven Central into $KAFKA_LIB_DIR"
  rm -rf "$KAFKA_LIB_DIR"; mkdir -p "$KAFKA_LIB_DIR"
  mvn -q -B -f "$INFRA_DIR/kafka/pom.xml" package -Dkafka.lib.dir="$KAFKA_LIB_DIR" >&2 || die "mvn could not fetch Kafka"
  touch "$KAFKA_LIB_DIR/.complete"
}

# kafka_tool CLASS ARGS...: a Kafka command-line tool (short-lived: quick JIT, small heap).
kafka_tool() {
  java -Xms256m -Xmx256m -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$INFRA_DIR/kafka/log4j2.yaml" -cp "$KAFKA_LIB_DIR/*" "$@"
}

kafka_random_cluster_id() { kafka_tool kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1; }

# kafka_write_props FILE NODE_ID PORT CONTROLLER_PORT VOTERS LOG_DIR REPLICAS
#   one combined broker+controller; VOTERS is controller.quorum.voters; REPLICAS (1 or 3) sets the
#   replication of internal topics, and with three, writes need two in-sync replicas.
kafka_write_props() {
  local file=$1 node_id=$2 port=$3 controller_port=$4 voters=$5 log_dir=$6 replicas=$7
  local min_isr=1; [ "$replicas" -ge 3 ] && min_isr=2
  mkdir -p "$log_dir"
  cat > "$file" <<PROPS
process.roles=broker,controller
node.id=$node_id
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$log_dir
offsets.topic.replication.factor=$replicas
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=$replicas
transaction.state.log.min.isr=$min_isr
transaction.state.log.num.partitions=10
share.coordinator.state.topic.replication.factor=$replicas
share.coordinator.state.topic.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
num.partitions=3
default.replication.factor=$replicas
min.insync.replicas=$min_isr
# topics are created by the project's own script, with explicit partitions
auto.create.topics.enable=false
log.retention.hours=-1
num.network.threads=2
num.io.threads=4
PROPS
}

# kafka_format PROPS CLUSTER_ID FORMAT_LOG: formats the node's storage unless it already is.
kafka_format() {
  local props=$1 cluster_id=$2 format_log=$3 log_dir
  log_dir=$(sed -n 's/^log.dirs=//p' "$props")
  [ -f "$log_dir/meta.properties" ] && return 0
  kafka_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$props" >>"$format_log" 2>&1 \
    || die "formatting Kafka storage failed; see $format_log"
}

# kafka_launch PROPS LOGFILE PIDFILE HEAP: starts the broker in the background (log truncated).
kafka_launch() {
  local props=$1 logfile=$2 pidfile=$3 heap=$4
  : > "$logfile"
  # The brokers this starts live for a test run or a benchmark, minutes on two cores: C2, the JIT's
  # optimising tier, then costs more CPU than its code saves (measured: docs/architecture.md,
  # "Infrastructure for development and CI"), so they run on C1 alone unless KAFKA_JVM_OPTS says otherwise.
  # shellcheck disable=SC2086 # KAFKA_JVM_OPTS holds several flags
  nohup java -Xms"$heap" -Xmx"$heap" -XX:+UseG1GC -Djava.awt.headless=true ${KAFKA_JVM_OPTS--XX:TieredStopAtLevel=1} \
    -Dlog4j2.configurationFile="$INFRA_DIR/kafka/log4j2.yaml" -cp "$KAFKA_LIB_DIR/*" \
    kafka.Kafka "$props" >>"$logfile" 2>&1 < /dev/null &
  echo $! > "$pidfile"
}

# kafka_started PIDFILE LOGFILE PORT: the process lives, says it started, and accepts connections.
kafka_started() { pid_alive "$1" && grep -q "Kafka Server started" "$2" 2>/dev/null && port_open 127.0.0.1 "$3"; }

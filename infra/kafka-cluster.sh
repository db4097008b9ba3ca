#!/usr/bin/env bash
# A three-broker Apache Kafka cluster (KRaft) on this machine, as production runs it: each of the
# three processes is a broker and one of the three voters of the controller quorum; internal topics
# have three replicas and writes need two in sync (min.insync.replicas=2), so one broker may die.
#
#   infra/kafka-cluster.sh start          start the three brokers (formatting them the first time); waits until all run
#   infra/kafka-cluster.sh stop           stop the three (SIGTERM, then SIGKILL after 30 s); data stays
#   infra/kafka-cluster.sh status         one line per broker; exit 0 when all three run, 3 otherwise
#   infra/kafka-cluster.sh brokers        print the bootstrap list (KAFKA_BROKERS), e.g. 127.0.0.1:39600,127.0.0.1:39602,127.0.0.1:39604
#   infra/kafka-cluster.sh kill N         kill -9 broker N (1, 2 or 3); returns once the process is gone (its partitions
#                                         get new leaders ~4 s later: broker.session.timeout.ms)
#   infra/kafka-cluster.sh start-node N   start broker N; waits until it runs
#   infra/kafka-cluster.sh restart-node N stop broker N (SIGTERM), then start it; waits until it runs
#   infra/kafka-cluster.sh in-sync [S]    wait (up to S seconds, default 120) until every replica of every partition is in sync
#                                         (after start-node, before killing another broker); exit 1 at the deadline
#   infra/kafka-cluster.sh destroy        stop the three and delete their data
#
# Settings (environment):
#   KAFKA_CLUSTER_BASE_PORT (39600): broker N listens on BASE+2(N-1), its controller on BASE+2(N-1)+1
#     (39600-39605; not 3950x, which bench:intake uses)
#   KAFKA_CLUSTER_INSTANCE ("kafka-cluster"): broker N's data, log and pid in infra/.data/$KAFKA_CLUSTER_INSTANCE-N
#   KAFKA_HEAP (384m): heap of each broker
# Topics for it: KAFKA_BROKERS=$(infra/kafka-cluster.sh brokers) KAFKA_REPLICATION_FACTOR=3 npm run topics
#   (min.insync.replicas=2 on each); a write check: the same variables, npm run kafka:probe
set -euo pipefail
source "$(dirname "$0")/lib.sh"

BASE_PORT="${KAFKA_CLUSTER_BASE_PORT:-39600}"
INSTANCE="${KAFKA_CLUSTER_INSTANCE:-kafka-cluster}"
HEAP="${KAFKA_HEAP:-384m}"
NODES=(1 2 3)
# the three nodes share one cluster id, written once beside their folders
CLUSTER_ID_FILE="$DATA_ROOT/$INSTANCE.cluster-id"

port() { echo $((BASE_PORT + 2 * ($1 - 1))); }
controller_port() { echo $((BASE_PORT + 2 * ($1 - 1) + 1)); }
dir() { echo "$DATA_ROOT/$INSTANCE-$1"; }
pidfile() { echo "$(dir "$1")/kafka.pid"; }
logfile() { echo "$(dir "$1")/kafka.log"; }
voters() { local n out=(); for n in "${NODES[@]}"; do out+=("$n@127.0.0.1:$(controller_port "$n")"); done; (IFS=,; echo "${out[*]}"); }
brokers() { local n out=(); for n in "${NODES[@]}"; do out+=("127.0.0.1:$(port "$n")"); done; (IFS=,; echo "${out[*]}"); }
started() { kafka_started "$(pidfile "$1")" "$(logfile "$1")" "$(port "$1")"; }

node_arg() {
  case "${1:-}" in 1|2|3) ;; *) echo "usage: $0 $2 1|2|3" >&2; exit 2 ;; esac
}

# launch N: writes broker N's settings, formats it the first time, starts it (does not wait)
launch() {
  local n=$1 d; d=$(dir "$n")
  if pid_alive "$(pidfile "$n")"; then log "broker $n ($INSTANCE) already running on 127.0.0.1:$(port "$n")"; return 0; fi
  local p; for p in "$(port "$n")" "$(controller_port "$n")"; do
    port_open 127.0.0.1 "$p" && die "port $p is taken by another program; set KAFKA_CLUSTER_BASE_PORT"
  done
  mkdir -p "$d"
  [ -s "$CLUSTER_ID_FILE" ] || kafka_random_cluster_id > "$CLUSTER_ID_FILE"
  kafka_write_props "$d/server.properties" "$n" "$(port "$n")" "$(controller_port "$n")" "$(voters)" "$d/logs" 3
  # a broker killed outright loses its partitions' leadership once it misses heartbeats this long
  # (default 9 s, during which writes to them wait): 4 s, still well above a GC pause
  printf 'broker.heartbeat.interval.ms=1000\nbroker.session.timeout.ms=4000\n' >> "$d/server.properties"
  kafka_format "$d/server.properties" "$(cat "$CLUSTER_ID_FILE")" "$d/format.log"
  kafka_launch "$d/server.properties" "$(logfile "$n")" "$(pidfile "$n")" "$HEAP"
}

await_node() {
  local n=$1
  # a broker finishes starting only once a quorum of controllers is up: give the others time too
  if ! wait_for 120 "broker $n" started "$n"; then
    tail -n 30 "$(logfile "$n")" >&2; die "broker $n ($INSTANCE) did not start in 120 s; log: $(logfile "$n")"
  fi
  log "broker $n ($INSTANCE) ready on 127.0.0.1:$(port "$n") (log: $(logfile "$n"))"
}

start() {
  kafka_fetch
  local n
  for n in "${NODES[@]}"; do launch "$n"; done
  for n in "${NODES[@]}"; do await_node "$n"; done
  log "Kafka cluster ($INSTANCE) ready: KAFKA_BROKERS=$(brokers)"
}

stop_node() { stop_pid "$(pidfile "$1")" "broker $1 ($INSTANCE)"; }

stop() {
  # in parallel: a controller that outlives its quorum waits for it and delays its own shutdown
  local n pids=()
  for n in "${NODES[@]}"; do stop_node "$n" & pids+=($!); done
  wait "${pids[@]}"
}

status() {
  local n all=0
  for n in "${NODES[@]}"; do
    if started "$n"; then echo "broker $n ($INSTANCE): running on 127.0.0.1:$(port "$n") (pid $(cat "$(pidfile "$n")"))"
    else echo "broker $n ($INSTANCE): stopped"; all=3; fi
  done
  return $all
}

all_started() { local n; for n in "${NODES[@]}"; do started "$n" || return 1; done; }

# in_sync SECONDS: the three brokers run and every partition of every topic has all its replicas in
# sync (asked with node and the project's kafkajs)
in_sync() {
  wait_for "${1:-120}" "the three brokers" all_started || { status >&2 || true; die "not every broker runs"; }
  KAFKA_BROKERS="$(brokers)" SECONDS_LEFT="${1:-120}" node -e '
    const { Kafka, logLevel } = require(require.resolve("kafkajs", { paths: [process.argv[1]] }));
    const admin = new Kafka({ clientId: "kafka-cluster-sh", brokers: process.env.KAFKA_BROKERS.split(","), logLevel: logLevel.NOTHING }).admin();
    const deadline = Date.now() + Number(process.env.SECONDS_LEFT) * 1000;
    (async () => {
      await admin.connect();
      for (let lagging = ["?"]; ; await new Promise((r) => setTimeout(r, 500))) {
        try {
          const { topics } = await admin.fetchTopicMetadata({ topics: await admin.listTopics() });
          lagging = topics.flatMap((t) => t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}/${p.partitionId}`));
        } catch (error) { lagging = [error.message]; }
        if (lagging.length === 0) break;
        if (Date.now() > deadline) { console.error(`[infra] not in sync: ${lagging.slice(0, 10).join(", ")}`); process.exit(1); }
      }
      await admin.disconnect();
    })();' "$INFRA_DIR/.." || return 1
  log "Kafka cluster ($INSTANCE): every replica in sync"
}

kill_node() {
  local n=$1 f; f=$(pidfile "$n")
  if ! pid_alive "$f"; then log "broker $n ($INSTANCE) is not running"; return 0; fi
  local pid; pid=$(cat "$f")
  kill -KILL "$pid"
  wait_for 10 "broker $n to die" bash -c "! kill -0 $pid 2>/dev/null" || die "broker $n (pid $pid) still alive 10 s after kill -9"
  log "broker $n ($INSTANCE) killed (kill -9, pid $pid)"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  brokers) brokers ;;
  kill) node_arg "${2:-}" kill; kill_node "$2" ;;
  start-node) node_arg "${2:-}" start-node; kafka_fetch; launch "$2"; await_node "$2" ;;
  restart-node) node_arg "${2:-}" restart-node; stop_node "$2"; launch "$2"; await_node "$2" ;;
  in-sync) in_sync "${2:-120}" ;;
  destroy) stop; for n in "${NODES[@]}"; do rm -rf "$(dir "$n")"; done; rm -f "$CLUSTER_ID_FILE"; log "Kafka cluster ($INSTANCE) data deleted" ;;
  *) echo "usage: $0 start|stop|status|brokers|kill N|start-node N|restart-node N|in-sync [S]|destroy" >&2; exit 2 ;;
esac

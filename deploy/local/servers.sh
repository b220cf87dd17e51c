#!/usr/bin/env bash
# Starts or stops the real servers the test suite needs, on loopback, without Docker:
# PostgreSQL from Debian's packages and one Apache Kafka KRaft node (broker and
# controller) from its jars on Maven Central. Both are cached between runs.
#
#   deploy/local/servers.sh start   # prints the DATABASE_URL and KAFKA_BROKERS lines to source
#   deploy/local/servers.sh stop [all|postgres|kafka]
#   deploy/local/servers.sh kafka-down | kafka-up   # stop / restart the broker, keeping its data
#
# Settings (environment): DUBAN_CACHE (default ~/.cache/duban), DUBAN_PG_PORT (15432),
# DUBAN_KAFKA_PORT (19092), DUBAN_KAFKA_VERSION (4.4.0), DUBAN_RUN_DIR (where the servers keep
# their data; default $DUBAN_CACHE/run).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${DUBAN_CACHE:-$HOME/.cache/duban}
run=${DUBAN_RUN_DIR:-$cache/run}
# Below the kernel's ephemeral range (32768–60999), so no outgoing connection holds them.
pg_port=${DUBAN_PG_PORT:-15432}
kafka_port=${DUBAN_KAFKA_PORT:-19092}
controller_port=$((kafka_port + 1))
kafka_version=${DUBAN_KAFKA_VERSION:-4.4.0}
kafka_libs=$cache/kafka-$kafka_version/libs
# Outside $HOME: the postgres user cannot enter /root when we run as root.
pg_data=${DUBAN_PG_DIR:-${TMPDIR:-/tmp}/duban-pg-$pg_port}

log() { echo "servers: $*" >&2; }

java_opts=(-Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  "-Dlog4j2.configurationFile=$run/kafka/log4j2.properties")

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  return 1
}

ensure_postgres_installed() {
  if ! pg_bin >/dev/null; then
    log "installing PostgreSQL from Debian's packages"
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
      sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    fi
  fi
}

wait_port() { # host port seconds what
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    if (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "$4 did not open $1:$2 within $3 s"
  return 1
}

start_postgres() {
  ensure_postgres_installed
  local bin data=$pg_data
  bin=$(pg_bin)
  rm -rf "$data" && mkdir -p "$data"
  if [ "$(id -u)" = 0 ]; then chown -R postgres:postgres "$data"; fi
  as_postgres "$bin/initdb" -D "$data" -U duban --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_postgres "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-p $pg_port -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400 -c shared_buffers=1GB" \
    start >/dev/null
  as_postgres "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U duban duban
  log "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
}

stop_postgres() {
  local bin
  bin=$(pg_bin) || return 0
  if [ -f "$pg_data/postmaster.pid" ]; then
    as_postgres "$bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

ensure_kafka_jars() {
  if [ ! -f "$kafka_libs/kafka_2.13-$kafka_version.jar" ]; then
    log "fetching Apache Kafka $kafka_version from Maven Central"
    mvn -q -B -f "$here/kafka-pom.xml" -Dkafka.version="$kafka_version" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$kafka_libs" >&2
  fi
}

start_kafka() {
  command -v java >/dev/null || { log "java is required for the Kafka broker"; return 1; }
  ensure_kafka_jars
  local dir=$run/kafka
  rm -rf "$dir" && mkdir -p "$dir/data"
  write_kafka_config "$dir"
  local cluster
  cluster=$(java "${java_opts[@]}" -cp "$kafka_libs/*" kafka.tools.StorageTool random-uuid)
  java "${java_opts[@]}" -cp "$kafka_libs/*" kafka.tools.StorageTool format --standalone \
    -t "$cluster" -c "$dir/server.properties" >/dev/null
  run_kafka "$dir"
}

# Starts the broker again on the data it had (after kafka-down).
resume_kafka() {
  local dir=$run/kafka
  [ -f "$dir/server.properties" ] || { log "no stopped broker in $dir"; return 1; }
  run_kafka "$dir"
}

run_kafka() {
  local dir=$1
  nohup java "${java_opts[@]}" -cp "$kafka_libs/*" kafka.Kafka "$dir/server.properties" \
    >>"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
  wait_port 127.0.0.1 "$kafka_port" 90 "Kafka" || { tail -20 "$dir/server.log" >&2; return 1; }
  log "Apache Kafka $kafka_version (KRaft, one node) on 127.0.0.1:$kafka_port"
}

write_kafka_config() {
  local dir=$1
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$dir/data
num.partitions=3
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
log.flush.interval.messages=1000000
PROPS
  cat >"$dir/log4j2.properties" <<'PROPS'
rootLogger.level=WARN
rootLogger.appenderRef.stdout.ref=STDOUT
appender.stdout.type=Console
appender.stdout.name=STDOUT
appender.stdout.layout.type=PatternLayout
appender.stdout.layout.pattern=[%d] %p %m (%c)%n
PROPS
}

stop_kafka() {
  local pidfile=$run/kafka/pid
  if [ -f "$pidfile" ]; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  fi
}

case "${1:-}" in
  start)
    mkdir -p "$run"
    what=${2:-all}
    if [ "$what" = all ] || [ "$what" = postgres ]; then
      stop_postgres; start_postgres
      echo "export DATABASE_URL=postgres://duban@127.0.0.1:$pg_port/duban"
    fi
    if [ "$what" = all ] || [ "$what" = kafka ]; then
      stop_kafka; start_kafka
      echo "export KAFKA_BROKERS=127.0.0.1:$kafka_port"
    fi
    ;;
  stop)
    what=${2:-all}
    case "$what" in all|postgres|kafka) ;; *) echo "usage: $0 stop [all|postgres|kafka]" >&2; exit 2 ;; esac
    if [ "$what" = all ] || [ "$what" = kafka ]; then stop_kafka; fi
    if [ "$what" = all ] || [ "$what" = postgres ]; then stop_postgres; fi
    ;;
  kafka-down)
    stop_kafka
    ;;
  kafka-up)
    resume_kafka
    ;;
  *)
    echo "usage: $0 start [all|postgres|kafka] | stop [all|postgres|kafka] | kafka-down | kafka-up" >&2
    exit 2
    ;;
esac

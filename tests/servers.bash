# Sourced by tests/run.sh and tests/bench.sh from the repository root: uses
# DATABASE_URL / KAFKA_BROKERS when set (your own servers, or containers you started
# with Docker); otherwise starts PostgreSQL and Kafka on loopback with
# deploy/local/servers.sh (both cached) and stops them when the calling script exits.
started=()
stop_started_servers() {
  if [ ${#started[@]} -gt 0 ]; then
    deploy/local/servers.sh stop || true
  fi
}
trap stop_started_servers EXIT
if [ -z "${DATABASE_URL:-}" ]; then
  eval "$(deploy/local/servers.sh start postgres)"
  started+=(postgres)
fi
if [ -z "${KAFKA_BROKERS:-}" ]; then
  eval "$(deploy/local/servers.sh start kafka)"
  started+=(kafka)
fi
export DATABASE_URL KAFKA_BROKERS

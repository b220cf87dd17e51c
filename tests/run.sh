#!/usr/bin/env bash
# Runs every duban test against real servers. Used by README and .ci/run.
#
# Chromium and ChromeDriver (browser tests) come from Debian's packages (tests/browser.bash).
# PostgreSQL and Kafka: when DATABASE_URL / KAFKA_BROKERS are set (your own servers,
# or containers you started with Docker), they are used as they are; otherwise this
# starts them on loopback with deploy/local/servers.sh (PostgreSQL from Debian's
# packages, Apache Kafka from Maven Central, both cached) and stops them at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/duban-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

. tests/servers.bash
. tests/browser.bash
echo "tests use PostgreSQL at ${DATABASE_URL%%@*}@… and Kafka at $KAFKA_BROKERS" >&2

# Build once, then run; the end-to-end tests start the binary's library in process
# and the distributed test starts `duban` processes.
cargo build --locked --bin duban
log=$(mktemp)
set +e
cargo test --workspace --lib --bins --tests --locked --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One closing line over every test binary: cargo prints one summary per binary.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed/) p += $(i-1); if ($i ~ /^failed/) f += $(i-1) } }
     END { printf "all tests: %d passed, %d failed\n", p, f }' "$log"
rm -f "$log"
exit "$status"

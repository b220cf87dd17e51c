#!/usr/bin/env bash
# Runs duban's benchmarks against real servers on this machine and puts the results
# table into README.md (between the bench markers) and docs/benchmarks.md.
#
# Like tests/run.sh, it uses DATABASE_URL / KAFKA_BROKERS when set and otherwise starts
# PostgreSQL and Kafka on loopback with deploy/local/servers.sh; the dashboard part needs
# Debian's Chromium, installed as tests/run.sh does (tests/browser.bash). Knobs (see
# tests/benches/county.rs): DUBAN_BENCH_SECS, DUBAN_BENCH_ITEMS, DUBAN_BENCH_CLIENTS.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/duban-target}"

. tests/servers.bash
. tests/browser.bash
export RUST_LOG="${RUST_LOG:-error}"

mkdir -p docs
out=docs/benchmarks.md
DUBAN_BENCH_OUT="$PWD/$out.tmp" cargo bench --locked -p duban-tests --bench county
{
  echo "# Benchmarks"
  echo
  echo "Regenerate with \`./tests/bench.sh\` (about 16 minutes on 2 cores with 1,000,000 items, once built)."
  echo
  cat "$out.tmp"
} > "$out"
rm -f "$out.tmp"
python3 - "$out" <<'PY'
import re, sys
table = open(sys.argv[1]).read().split("\n", 4)[4]
readme = open("README.md").read()
start, end = "<!-- bench:start -->", "<!-- bench:end -->"
if start in readme:
    readme = re.sub(re.escape(start) + ".*?" + re.escape(end), start + "\n" + table.strip() + "\n" + end, readme, flags=re.S)
    open("README.md", "w").write(readme)
PY
echo "results in $out and README.md" >&2

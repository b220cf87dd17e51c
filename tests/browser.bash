# Sourced by tests/run.sh: makes sure Debian's Chromium and ChromeDriver are installed for
# the browser tests (tests/tests/dashboard.rs), with a Chinese font for readable
# screenshots, as PostgreSQL and Kafka are; the apt cache
# keeps them between runs. Exports CHROMIUM and CHROMEDRIVER.
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ] || ! fc-list 2>/dev/null | grep -q WenQuanYi; then
  echo "installing Chromium and ChromeDriver from Debian's packages" >&2
  sudo_if_needed() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null 2>&1 ||
    { sudo_if_needed apt-get update -qq && sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-wqy-microhei >/dev/null; }
fi
export CHROMIUM CHROMEDRIVER

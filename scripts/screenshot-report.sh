#!/bin/sh
# Renders an HTML report in headless Chromium (Debian's `chromium` package) and saves a PNG screenshot,
# so a person can look at what a browser really shows.  Usage: scripts/screenshot-report.sh report.html shot.png [WIDTH,HEIGHT]
set -eu
if [ $# -lt 2 ]; then echo "usage: $0 REPORT.html SHOT.png [WIDTH,HEIGHT]" >&2; exit 2; fi
html=$(realpath "$1")
shot=$(realpath -m "$2")
size=${3:-1280,2400}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then echo "$0: chromium is not installed (apt-get install chromium)" >&2; exit 3; fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network, no first-run or background services: the page must render from the file alone.
"$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
  --screenshot="$shot" --window-size="$size" "file://$html" >/dev/null 2>&1
test -s "$shot"
echo "$shot"

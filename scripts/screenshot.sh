#!/usr/bin/env bash
# Regenerates docs/devsink-charts.png: runs the web app sample (Development, so it reports to its own dev sink),
# waits until the sink holds enough reports, and photographs the charts page with headless Chromium.
# Usage: scripts/screenshot.sh [output.png]     Needs: the .NET SDK, chromium (apt-get install -y chromium), curl.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-docs/devsink-charts.png}
port=${PORT:-5087}                 # not 5080, so a sample already running on its default port is left alone
reports=${REPORTS:-40}             # reports to wait for: 40 at one a second is 40 s of history
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chromium" ] || { echo "chromium not found: apt-get install -y chromium" >&2; exit 1; }

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
dotnet build samples/HMetrics.Sample.WebApp -v quiet -nologo >/dev/null

log=$(mktemp)
ASPNETCORE_ENVIRONMENT=Development \
ASPNETCORE_URLS="http://127.0.0.1:$port" \
HerokuMetrics__PostInterval=00:00:01 \
HerokuMetrics__HttpTimeout=00:00:00.500 \
  dotnet run --no-build --no-launch-profile --project samples/HMetrics.Sample.WebApp >"$log" 2>&1 &
app=$!
trap 'kill "$app" 2>/dev/null || true; wait "$app" 2>/dev/null || true; rm -f "$log"' EXIT

base="http://127.0.0.1:$port/_hmetrics"
echo "Waiting for $reports reports at $base/ ..."
for _ in $(seq 1 180); do
  count=$(curl -fsS "$base/api/data" 2>/dev/null | grep -o '"sequence":' | wc -l || true)
  [ "${count:-0}" -ge "$reports" ] && break
  kill -0 "$app" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 1
done
[ "${count:-0}" -ge "$reports" ] || { echo "only ${count:-0} reports after 180 s" >&2; cat "$log" >&2; exit 1; }

mkdir -p "$(dirname "$out")"
TZ=UTC "$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
  --user-data-dir="$(mktemp -d)" --window-size=1400,1500 --virtual-time-budget=5000 \
  --screenshot="$out" "$base/" 2>/dev/null
echo "Wrote $out"

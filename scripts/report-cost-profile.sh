#!/usr/bin/env bash
# Where a report's CPU goes: runs one report-cost child (default: the real host, Go schema, 50 ms interval) against the
# probe's loopback sink and profiles it.
#
#   scripts/report-cost-profile.sh [MODE] [SECONDS]
#
# Writes to ./report-cost-profile/:
#   MODE.nettrace + MODE.speedscope.json  EventPipe sampled stacks (dotnet-trace, profile dotnet-sampled-thread-time)
#   MODE.perf.txt                          on-CPU samples by perf (kernel + native runtime + JIT-compiled code via perf
#                                          maps), when perf is installed: true CPU time, which EventPipe cannot split
#                                          from waiting
# Needs: `dotnet tool install --global dotnet-trace`; perf (Debian: linux-perf) optional. Network: loopback only.
set -euo pipefail

MODE="${1:-go}"
SECONDS_TO_TRACE="${2:-20}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="$ROOT/tests/HMetrics.Hosting.Benchmarks"
OUT="$PWD/report-cost-profile"
SAFE="$(printf %s "$MODE" | tr -c "A-Za-z0-9_-" "_")"
export PATH="$PATH:$HOME/.dotnet/tools"

dotnet build -c Release "$PROJECT" -nologo -v q >/dev/null
DLL="$(ls "$PROJECT"/bin/Release/net*/HMetrics.Hosting.Benchmarks.dll | head -1)"
mkdir -p "$OUT"

# The sink runs until its standard input closes.
SINK_IN="$(mktemp -u)"
mkfifo "$SINK_IN"
dotnet "$DLL" --report-cost-sink <"$SINK_IN" >"$OUT/sink.out" &
SINK_PID=$!
exec 3>"$SINK_IN"
trap 'exec 3>&-; wait $SINK_PID 2>/dev/null || true; rm -f "$SINK_IN"' EXIT
for _ in $(seq 50); do grep -q '^URL ' "$OUT/sink.out" 2>/dev/null && break; sleep 0.2; done
URL="$(sed -n "s/^URL //p" "$OUT/sink.out" | sed "s:/*$::")/r/profile-$SAFE"

WINDOW_MS=$((SECONDS_TO_TRACE * 1000))

# 1. EventPipe: the child runs under dotnet-trace from its start; the warm-up (tiering) is in the trace too, so read
#    the window's share by the methods on the report path, not by the totals.
dotnet-trace collect --profile dotnet-sampled-thread-time --format Speedscope -o "$OUT/$SAFE.nettrace" -- \
  dotnet "$DLL" --report-cost-child "$MODE" "$URL" "$WINDOW_MS" 2000 50 >/dev/null
dotnet-trace report "$OUT/$SAFE.nettrace" topN -n 40 >"$OUT/$SAFE.topN.txt" 2>&1 || true
dotnet-trace report "$OUT/$SAFE.nettrace" topN -n 60 --inclusive >"$OUT/$SAFE.topN-inclusive.txt" 2>&1 || true

# 2. perf: on-CPU samples of the same mode, after its warm-up, for the window only.
if command -v perf >/dev/null; then
  DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 dotnet "$DLL" --report-cost-child "$MODE" "$URL" "$((WINDOW_MS + 15000))" 2000 50 >/dev/null &
  CHILD=$!
  sleep 12
  perf record -F 2000 -g -e cpu-clock -p "$CHILD" -o "$OUT/$SAFE.perf.data" -- sleep "$SECONDS_TO_TRACE" 2>/dev/null
  wait "$CHILD" || true
  perf report -i "$OUT/$SAFE.perf.data" --no-children --sort dso,sym --stdio 2>/dev/null | head -400 >"$OUT/$SAFE.perf.txt" || true
  perf report -i "$OUT/$SAFE.perf.data" --children --sort sym --stdio -g none 2>/dev/null | head -400 >"$OUT/$SAFE.perf-inclusive.txt" || true
fi

echo "written to $OUT"

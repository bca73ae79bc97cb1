#!/usr/bin/env bash
# Issue 26's breakdown: where a reporter's resident memory and threads come from. Starts the footprint probe's child
# processes (`--footprint-child`: empty host, floor loop, AddHerokuMetrics, OpenTelemetry) against the probes' loopback
# sink, lets them report, then for each writes to ./footprint-breakdown/MODE.*:
#   status.txt    /proc/PID/status and smaps_rollup
#   smaps.txt     resident KB by mapping (files by path, anonymous, the runtime's executable memfd), largest first
#   threads.txt   every thread: tid, name (/proc/PID/task/*/comm), and its managed stack (dotnet-stack) when it has one
#   snap.txt      what the runtime says (GC heap, committed, JIT methods/IL bytes, assemblies, timers, pool threads)
#   counters.json dotnet-counters, System.Runtime, 5 s
#   gcdump.txt    dotnet-gcdump report: live objects by type (forces a GC: taken last)
#
#   scripts/footprint-breakdown.sh [INTERVAL_MS (0 = each one's default)] [SECONDS_BEFORE_READING] [MODES]
#   defaults: 1000 ms, 70 s, "empty floor hm otel"; about 2 minutes.
#
# Needs dotnet-stack, dotnet-gcdump, dotnet-counters: installed here with `dotnet tool install <tool> --tool-path` into
# $TOOLS (default /tmp/dntools) when missing. Loopback only; every process it starts, it ends.
set -euo pipefail

INTERVAL="${1:-1000}"
WAIT="${2:-70}"
MODES="${3:-empty floor hm otel}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="$ROOT/tests/HMetrics.Hosting.Benchmarks"
OUT="$PWD/footprint-breakdown"
TOOLS="${TOOLS:-/tmp/dntools}"
mkdir -p "$OUT" "$TOOLS"
for tool in dotnet-stack dotnet-gcdump dotnet-counters; do
  [ -x "$TOOLS/$tool" ] || dotnet tool install "$tool" --tool-path "$TOOLS" >/dev/null
done

dotnet build -c Release "$PROJECT" -nologo -v q >/dev/null
DLL="$(ls "$PROJECT"/bin/Release/net*/HMetrics.Hosting.Benchmarks.dll | head -1)"
WORK="$(mktemp -d)"
mkfifo "$WORK/sink.in"
dotnet "$DLL" --report-cost-sink <"$WORK/sink.in" >"$WORK/sink.out" &
SINK_PID=$!
exec 3>"$WORK/sink.in"
declare -A PIDS FDS
cleanup() {
  # Closing a child's standard input ends it; the kill is for one that did not start reading.
  for m in "${!FDS[@]}"; do eval "exec ${FDS[$m]}>&-"; done
  for m in "${!PIDS[@]}"; do kill "${PIDS[$m]}" 2>/dev/null || true; done
  exec 3>&-
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q '^URL ' "$WORK/sink.out" 2>/dev/null && break; sleep 0.2; done
SINK="$(sed -n "s/^URL //p" "$WORK/sink.out" | sed "s:/*$::")"

for mode in $MODES; do
  mkfifo "$WORK/$mode.in"
  dotnet "$DLL" --footprint-child "$mode" "$SINK/r/breakdown-$mode" "$INTERVAL" <"$WORK/$mode.in" >"$WORK/$mode.out" 2>&1 &
  PIDS[$mode]=$!
  exec {fd}>"$WORK/$mode.in"
  FDS[$mode]=$fd
  for _ in $(seq 100); do grep -q '^READY' "$WORK/$mode.out" 2>/dev/null && break; sleep 0.2; done
  sleep 1
done

echo "reporting for ${WAIT} s (interval ${INTERVAL} ms; 0 = default)..."
sleep "$WAIT"

for mode in $MODES; do
  pid="${PIDS[$mode]}"
  { cat "/proc/$pid/status"; cat "/proc/$pid/smaps_rollup"; } >"$OUT/$mode.status.txt"
  awk '/^[0-9a-f]+-[0-9a-f]+ /{name=($6=="" ? "[anon]" : $6); sub(/ \(deleted\)$/, "", name)} /^Rss:/{r[name]+=$2} END{for(n in r) if (r[n] > 0) printf "%8d KB  %s\n", r[n], n}' "/proc/$pid/smaps" | sort -rn >"$OUT/$mode.smaps.txt"
  echo snap >&"${FDS[$mode]}"; sleep 1
  grep '^SNAP' "$WORK/$mode.out" | tail -1 | tr ' ' '\n' >"$OUT/$mode.snap.txt"
  # Names first (the stack tool's session adds nothing to this list: it reuses the runtime's EventPipe thread).
  for t in /proc/"$pid"/task/*; do printf "%s\t%s\n" "$(basename "$t")" "$(cat "$t/comm")"; done | sort -n >"$WORK/$mode.tids"
  "$TOOLS/dotnet-stack" report -p "$pid" >"$WORK/$mode.stacks" 2>&1 || true
  python3 - "$WORK/$mode.tids" "$WORK/$mode.stacks" >"$OUT/$mode.threads.txt" <<'PY'
import sys, re
names = dict(line.rstrip("\n").split("\t", 1) for line in open(sys.argv[1]))
stacks, current = {}, None
for line in open(sys.argv[2]):
    m = re.match(r"\s*Thread \((0x[0-9A-Fa-f]+)\):", line)
    if m:
        current = str(int(m.group(1), 16)); stacks[current] = []
    elif current and line.strip():
        stacks[current].append(line.strip())
for tid, name in names.items():
    frames = stacks.get(tid, [])
    # The innermost managed frames say what the thread waits in; the outermost say who started it.
    print(f"{tid}\t{name}")
    for f in frames[:6] + (["..."] + frames[-4:] if len(frames) > 10 else frames[6:]):
        print(f"    {f}")
PY
  "$TOOLS/dotnet-counters" collect -p "$pid" --counters System.Runtime --duration 00:00:05 --format json -o "$OUT/$mode.counters.json" >/dev/null 2>&1 || true
  "$TOOLS/dotnet-gcdump" collect -p "$pid" -o "$WORK/$mode.gcdump" >/dev/null 2>&1 && "$TOOLS/dotnet-gcdump" report "$WORK/$mode.gcdump" 2>/dev/null | head -60 >"$OUT/$mode.gcdump.txt" || true
  echo "$mode: $(grep -E '^(VmRSS|Threads)' "$OUT/$mode.status.txt" | tr -s ' \t' ' ' | tr '\n' ' ')"
done
echo "written to $OUT"

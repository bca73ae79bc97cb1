#!/usr/bin/env bash
# Issue 20, "what the app feels": does AddHerokuMetrics slow an ASP.NET Core app? The template's app (`--load-app` of
# the benchmarks project: GET / -> "Hello World!", server GC as the Web SDK sets it) without the library, and with it
# reporting every 1 s and every 20 s (the default) to the probes' loopback sink in another process, driven at a fixed
# offered rate by wrk from another process. Fresh app process per run, modes interleaved (each repetition starts one
# mode later), throughput and p50/p99/p99.9 latency side by side, the spread of the repetitions as the noise.
#
#   scripts/load-benchmark.sh [--reps N] [--duration S] [--warmup S] [--rate R] [--connections C]
#   defaults: 3 repetitions x 3 modes x (60 s measured + 15 s warm-up): about 12 minutes. Smoke: --reps 1 --duration 5 --warmup 3
#
# Why wrk with a Lua pacing script: wrk2 (fixed rate, coordinated-omission correction) is not a Debian package, and
# Debian's `bombardier` is the GNU bombing game, not the Go load tester; `hey -q` paces per worker too and reports no
# p99.9. wrk's C event loop and HdrHistogram time each request; `delay()` holds each connection WRK_DELAY_MS after each
# response, so the offered rate is fixed up to the (sub-millisecond) latency. What that cannot show: a stall of the app
# delays a paced connection's next request instead of queueing it, so a stall is counted once per connection rather
# than once per request that would have arrived meanwhile (wrk2's correction); tails are a lower bound.
# Not run by CI. Needs wrk (`apt-get install wrk`; installed here if missing and apt-get is usable). Loopback only.
set -euo pipefail

REPS=3; DURATION=60; WARMUP=15; RATE=1000; CONNECTIONS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) REPS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PROJECT="$ROOT/tests/HMetrics.Hosting.Benchmarks"
OUT="$PWD/BenchmarkDotNet.Artifacts/results"
mkdir -p "$OUT"
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get install -y -qq wrk >/dev/null; else echo "needs wrk (apt-get install wrk)" >&2; exit 1; fi
fi

dotnet build -c Release "$PROJECT" -nologo -v q >/dev/null
DLL="$(ls "$PROJECT"/bin/Release/net*/HMetrics.Hosting.Benchmarks.dll | head -1)"
WORK="$(mktemp -d)"

# The sink runs until its standard input closes.
mkfifo "$WORK/sink.in"
dotnet "$DLL" --report-cost-sink <"$WORK/sink.in" >"$WORK/sink.out" &
SINK_PID=$!
exec 3>"$WORK/sink.in"
APP_PID=""
cleanup() {
  [ -n "$APP_PID" ] && kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null || true
  exec 3>&-
  wait "$SINK_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q '^URL ' "$WORK/sink.out" 2>/dev/null && break; sleep 0.2; done
SINK="$(sed -n "s/^URL //p" "$WORK/sink.out" | sed "s:/*$::")"

# Each connection waits DELAY ms after each response: C connections offer about C * 1000 / DELAY requests a second.
DELAY=$(( CONNECTIONS * 1000 / RATE ))
[ "$DELAY" -ge 1 ] || { echo "rate too high for $CONNECTIONS connections: raise --connections" >&2; exit 2; }
PORT=5391
MODES=(off on-1s on-20s)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_one() { # mode rep
  local mode="$1" rep="$2" args=(--load-app --urls "http://127.0.0.1:$PORT")
  local env=(DOTNET_gcServer=1 "HEROKU_METRICS_URL=$SINK/r/load-$mode-$rep")
  case "$mode" in
    on-1s) args+=(--metrics); env+=(HerokuMetrics__PostInterval=00:00:01) ;;
    on-20s) args+=(--metrics) ;;
  esac
  env "${env[@]}" dotnet "$DLL" "${args[@]}" >"$WORK/app.out" 2>&1 &
  APP_PID=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null 2>&1 && break; sleep 0.1; done
  # Warm-up at the same rate (JIT, tiering, connection pools), not measured.
  WRK_DELAY_MS=$DELAY wrk -t1 -c"$CONNECTIONS" -d"${WARMUP}s" -s "$ROOT/scripts/load-benchmark.lua" "http://127.0.0.1:$PORT/" >/dev/null
  local t0 c0 line c1 t1
  t0=$(date +%s.%N); c0=$(cpu_ticks "$APP_PID")
  line="$(WRK_DELAY_MS=$DELAY wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" -s "$ROOT/scripts/load-benchmark.lua" "http://127.0.0.1:$PORT/" | grep '^RESULT')"
  c1=$(cpu_ticks "$APP_PID"); t1=$(date +%s.%N)
  local reports
  reports="$(curl -s "$SINK/stats/load-$mode-$rep" | cut -d' ' -f1)"
  kill "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; APP_PID=""
  local pct
  pct="$(awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.1f", 100 * c / hz / (t1 - t0) }')"
  echo "$mode $rep $line app_cpu_pct=$pct reports=$reports" | tee -a "$WORK/results" | sed 's/^/  /'
}

LOADS="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "load-benchmark: ${#MODES[@]} modes x $REPS repetitions, ${DURATION} s measured after ${WARMUP} s warm-up, ~$RATE req/s offered ($CONNECTIONS connections, ${DELAY} ms pause); load $LOADS"
: >"$WORK/results"
for rep in $(seq 1 "$REPS"); do
  for k in $(seq 0 $(( ${#MODES[@]} - 1 ))); do
    mode="${MODES[$(( (k + rep - 1) % ${#MODES[@]} ))]}"
    run_one "$mode" "$rep"
  done
  LOADS="$LOADS → $(cut -d' ' -f1-3 /proc/loadavg)"
done

python3 - "$WORK/results" "$DURATION" "$RATE" "$CONNECTIONS" "$LOADS" >"$OUT/LoadBenchmark-report.md" <<'PY'
import sys, statistics
path, duration, rate, conns, loads = sys.argv[1:6]
rows = {}
for line in open(path):
    parts = line.split()
    mode = parts[0]
    kv = dict(p.split('=', 1) for p in parts[3:] if '=' in p)
    rows.setdefault(mode, []).append(kv)
names = {"off": "app without AddHerokuMetrics", "on-1s": "app + AddHerokuMetrics, 1 s interval", "on-20s": "app + AddHerokuMetrics, 20 s (default)"}
def col(mode, key, f=float):
    return [f(r[key]) for r in rows[mode]]
def rps(mode):
    return [int(r["requests"]) / (int(r["duration_us"]) / 1e6) for r in rows[mode]]
def cell(values, fmt):
    m = statistics.median(values)
    return (fmt % m) + (" (" + (fmt % min(values)) + "–" + (fmt % max(values)) + ")" if len(values) > 1 else "")
print(f"Load benchmark: the template app, fresh process per run, {len(next(iter(rows.values())))} repetition(s) interleaved, {duration} s measured at ~{rate} req/s offered by wrk ({conns} paced connections) from another process; medians (min–max over repetitions). Load average (1/5/15) per repetition: {loads}")
print()
print("| app | req/s | p50 ms | p99 ms | p99.9 ms | max ms | app CPU % of one core | errors | reports delivered |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for mode in ["off", "on-1s", "on-20s"]:
    if mode not in rows: continue
    print(f"| {names[mode]} | {cell(rps(mode), '%.0f')} | {cell([v/1000 for v in col(mode,'p50_us')], '%.3f')} | {cell([v/1000 for v in col(mode,'p99_us')], '%.3f')} | {cell([v/1000 for v in col(mode,'p999_us')], '%.3f')} | {cell([v/1000 for v in col(mode,'max_us')], '%.1f')} | {cell(col(mode,'app_cpu_pct'), '%.1f')} | {sum(col(mode,'errors',int))} | {cell(col(mode,'reports',int), '%d')} |")
if "off" in rows and len(rows["off"]) > 1:
    print()
    for key, label in [("p50_us", "p50"), ("p99_us", "p99"), ("p999_us", "p99.9")]:
        v = [x/1000 for x in col("off", key)]
        print(f"Noise, app without the library, {label}: {min(v):.3f}–{max(v):.3f} ms over {len(v)} runs (spread {100*(max(v)-min(v))/statistics.median(v):.0f}% of the median).")
PY
cat "$OUT/LoadBenchmark-report.md"

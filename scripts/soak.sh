#!/usr/bin/env bash
# Chaos soak: the worker sample against a sink that fails 30% of reports at random, for real minutes.
#
#   scripts/soak.sh            # 10 minutes
#   scripts/soak.sh 3m         # or 150s, ...
#
# Passes (exit 0) when
#   1. the go.gc.collections the sink accepted sum to exactly the GCs the worker had at shutdown (no count lost or
#      doubled, although about a third of the reports failed), and
#   2. memory is flat: the worker's RSS and managed heap in the last quarter of the run are within 25% of the second
#      quarter (the first quarter is warm-up). Judged on runs of 5 minutes or more only: in a minute, the quarters are
#      15 s of a process still warming up, and the check would measure start-up, not a leak.
# Not part of `dotnet test`; .ci/run runs it for 60 s (issue 24: "CI runs a short version of it").
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10m}
case "$duration" in
  *m) seconds=$(( ${duration%m} * 60 )) ;;
  *s) seconds=${duration%s} ;;
  *) seconds=$duration ;;
esac
[ "$seconds" -ge 60 ] || { echo "duration must be at least 60s" >&2; exit 2; }

export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1
out=$(mktemp -d)
sink_pid='' worker_pid=''
cleanup() {
  [ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null || true
  [ -n "$sink_pid" ] && kill "$sink_pid" 2>/dev/null || true
}
trap cleanup EXIT

echo "soak: building into $out"
dotnet build -c Release -v q -nologo scripts/soak/SoakSink -o "$out/sink" >"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }
dotnet build -c Release -v q -nologo samples/HMetrics.Sample.Worker -o "$out/worker" >>"$out/build.log" 2>&1 || { cat "$out/build.log"; exit 1; }

dotnet "$out/sink/SoakSink.dll" --urls http://127.0.0.1:0 --failure-rate 0.3 >"$out/sink.log" 2>&1 &
sink_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$out/sink.log" && break; sleep 0.1; done
sink=$(sed -n 's/^soak-sink listening on //p' "$out/sink.log")
[ -n "$sink" ] || { echo "the sink did not start"; cat "$out/sink.log"; exit 1; }

# The library's defaults scaled down ten times (interval 2 s, InitialBackoff 100 ms, MaxBackoff = the interval, all-clear
# 30 s), so a few minutes hold hundreds of reports and failures and the retry budget, the failure-pattern detection and
# the pacing run as they do at the defaults. The timeout stays well under the interval so that a slow 200 can never be
# counted by the sink and retried by the worker. The backlog's window (3 min 30 s) and carry limit (2 min) do not scale:
# they are Heroku's.
HEROKU_METRICS_URL="$sink/metrics/0b9c1f2e-4a5d-4c3b-9e8f-7a6b5c4d3e2f" \
HerokuMetrics__PostInterval=00:00:02 \
HerokuMetrics__HttpTimeout=00:00:01 \
HerokuMetrics__InitialBackoff=00:00:00.1 \
HerokuMetrics__MaxBackoff=00:00:02 \
HerokuMetrics__BackoffResetAfter=00:00:30 \
Logging__LogLevel__Default=Information \
Logging__Console__FormatterName=simple \
Logging__Console__FormatterOptions__SingleLine=true \
DOTNET_gcServer=0 \
  dotnet "$out/worker/HMetrics.Sample.Worker.dll" >"$out/worker.log" 2>&1 &
worker_pid=$!

echo "soak: running for ${seconds}s against $sink (worker pid $worker_pid); logs in $out"
: >"$out/rss"
elapsed=0
while [ "$elapsed" -lt "$seconds" ]; do
  sleep 5
  elapsed=$((elapsed + 5))
  kill -0 "$worker_pid" 2>/dev/null || { echo "the worker died"; tail -50 "$out/worker.log"; exit 1; }
  echo "$elapsed $(awk '/VmRSS/ {print $2}' "/proc/$worker_pid/status")" >>"$out/rss"
done

# Let the final report through, then stop the worker the way a dyno does (SIGTERM).
curl -fsS -X POST "$sink/control/heal" >/dev/null
kill -TERM "$worker_pid"
wait "$worker_pid" || true
worker_pid=''
curl -fsS "$sink/summary" >"$out/summary.json"

worker_gcs=$(sed -n 's/.*GC collections at shutdown: \([0-9]*\).*/\1/p' "$out/worker.log" | tail -1)
python3 - "$out" "$worker_gcs" "$seconds" <<'PY'
import json, sys, statistics
out, worker_gcs, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = json.load(open(f"{out}/summary.json"))
rss = [tuple(map(int, l.split())) for l in open(f"{out}/rss") if l.strip()]
failed = sum(s["failures"].values())
total = s["accepted"] + failed
ok = True
print(f"soak: {seconds}s, {total} reports: {s['accepted']} accepted, {failed} failed ({100.0 * failed / max(total, 1):.1f}%) {s['failures']}")
if not worker_gcs:
    print("FAIL: the worker did not log its GC count at shutdown"); sys.exit(1)
summed = int(s["gcSum"])
print(f"soak: GCs summed by the sink {summed}, GCs the worker had {worker_gcs}")
if summed != int(worker_gcs):
    print("FAIL: the counts do not add up"); ok = False

def quarters(samples):
    n = len(samples)
    return samples[n // 4: n // 2], samples[3 * n // 4:]

for name, values in (("RSS (kB)", [r for _, r in rss]), ("managed heap (bytes)", [h for _, h in s["heap"]])):
    if seconds < 300:
        print(f"soak: {name} not judged in a run under 5 minutes")
        continue
    early, late = quarters(values)
    if not early or not late:
        print(f"FAIL: too few {name} samples"); ok = False; continue
    a, b = statistics.median(early), statistics.median(late)
    growth = (b - a) / a
    print(f"soak: {name} median second quarter {a:,.0f}, last quarter {b:,.0f} ({100 * growth:+.1f}%)")
    if growth > 0.25:
        print(f"FAIL: {name} grew"); ok = False
print("soak: PASS" if ok else "soak: FAIL")
sys.exit(0 if ok else 1)
PY

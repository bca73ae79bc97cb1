-- wrk script of scripts/load-benchmark.sh: paces each connection (one request, its response, then WRK_DELAY_MS of
-- think time) so the offered rate is fixed at about connections x 1000 / (WRK_DELAY_MS + latency) requests a second,
-- and prints one machine-readable line with the latency percentiles (microseconds) wrk's histogram holds.
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "10")

function delay()
  return pause
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d p50_us=%d p99_us=%d p999_us=%d max_us=%d mean_us=%.1f errors=%d\n",
    summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean,
    e.connect + e.read + e.write + e.status + e.timeout))
end

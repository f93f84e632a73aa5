-- wrk calls done() once at the end of a run: print its summary as one JSON line that
-- scripts/bench/measure.py reads (wrk's own --latency table has no 95th percentile).
done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'PARLEY-BENCH {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p95_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, ' ..
    '"status_errors": %d, "timeouts": %d}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout))
end

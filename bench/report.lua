-- wrk reporter: one JSON line with throughput, latency percentiles (ms) and errors.
-- With UNIQUE=1 in the environment, each request gets a distinct query parameter, so that a
-- cached page is measured uncached (the filters ignore unknown parameters).
local counter = 0
local unique = os.getenv("UNIQUE") == "1"

request = function()
  if not unique then
    return wrk.format(nil, wrk.path)
  end
  counter = counter + 1
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. separator .. "_bench=" .. math.random(1, 1e9) .. counter)
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "errors": %d, "non2xx": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status))
end

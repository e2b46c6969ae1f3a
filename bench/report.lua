-- wrk reporter: one JSON line with throughput, latency percentiles (ms) and errors.
-- With UNIQUE=1 in the environment, each request gets a distinct query parameter, so that a
-- cached page is measured uncached (the filters ignore unknown parameters).
-- With NEW_PERIOD=1, "de=2010" becomes a random year from 1900 to 2010 as well: the index
-- then computes most of its facet counts instead of finding them in the cache.
-- Each request comes from a client address of its own (X-Forwarded-For; the bench's gunicorn
-- reads it), as from many clients: the API's rate limit counts per address.
local counter = 0
local unique = os.getenv("UNIQUE") == "1"
local new_period = os.getenv("NEW_PERIOD") == "1"

local function client()
  return { ["X-Forwarded-For"] = "10." .. math.random(0, 255) .. "." .. math.random(0, 255)
    .. "." .. math.random(1, 254) }
end

request = function()
  if not unique then
    return wrk.format(nil, wrk.path, client())
  end
  counter = counter + 1
  local path = wrk.path
  if new_period then
    path = string.gsub(path, "de=2010", "de=" .. math.random(1900, 2010))
  end
  local separator = string.find(path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, path .. separator .. "_bench=" .. math.random(1, 1e9) .. counter, client())
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

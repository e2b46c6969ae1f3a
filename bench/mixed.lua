-- wrk: the public index, a record page and a search in turn (cached as the public gets them),
-- counting the answers served from the page cache (X-Registre-Cache: hit).
local paths = {}
for path in string.gmatch(os.getenv("PATHS") or "/", "[^,]+") do
  table.insert(paths, path)
end
local threads = {}
local counter = 0
hits = 0
answers = 0

setup = function(thread)
  table.insert(threads, thread)
end

request = function()
  counter = counter + 1
  return wrk.format(nil, paths[(counter % #paths) + 1])
end

response = function(status, headers, body)
  answers = answers + 1
  if headers["X-Registre-Cache"] == "hit" then
    hits = hits + 1
  end
end

done = function(summary, latency, requests)
  local total_hits, total_answers = 0, 0
  for _, thread in ipairs(threads) do
    total_hits = total_hits + thread:get("hits")
    total_answers = total_answers + thread:get("answers")
  end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "errors": %d, "non2xx": %d, "hit_rate": %.3f}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    errors, summary.errors.status, total_answers > 0 and total_hits / total_answers or 0))
end

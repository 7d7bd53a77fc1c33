-- One fixed request, described by environment variables (wrk passes no arguments to scripts before init):
--   BENCH_PATH     path and query, e.g. /reconstruct
--   BENCH_TYPE     Content-Type of the body
--   BENCH_BODY     file holding the body
--   BENCH_ACCEPT   Accept header (optional)
-- Non-2xx responses are counted per status and printed at the end.
local function read(path)
  local file = assert(io.open(path, "rb"))
  local data = file:read("*a")
  file:close()
  return data
end

wrk.method = "POST"
wrk.path = os.getenv("BENCH_PATH")
wrk.body = read(os.getenv("BENCH_BODY"))
wrk.headers["Content-Type"] = os.getenv("BENCH_TYPE")
if os.getenv("BENCH_ACCEPT") then
  wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT")
end

local threads = {}
function setup(thread)
  thread:set("statuses", {})
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(total) do
    table.insert(parts, status .. "=" .. count)
  end
  table.sort(parts)
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f connect_errors=%d read_errors=%d write_errors=%d timeouts=%d statuses=%s\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    table.concat(parts, ",")))
end

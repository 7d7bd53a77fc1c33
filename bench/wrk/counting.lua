-- Shared by the wrk scripts: counts response statuses per thread and prints one RESULT line at the end
-- (requests, duration, rate, p50/p99 latency, socket errors, 5xx count and every status with its count).
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
  local parts, server_errors = {}, 0
  for status, count in pairs(total) do
    table.insert(parts, status .. "=" .. count)
    if status >= 500 then server_errors = server_errors + count end
  end
  table.sort(parts)
  io.write(string.format("RESULT requests=%d seconds=%.2f rps=%.1f p50_ms=%.2f p99_ms=%.2f connect_errors=%d read_errors=%d write_errors=%d timeouts=%d server_errors=%d statuses=%s\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    server_errors, table.concat(parts, ",")))
end

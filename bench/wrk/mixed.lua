-- A soak mix of valid and invalid requests, in a fixed rotation. Request files come from BENCH_DIR
-- (written by bench/load.sh). Every response status is counted and printed at the end.
local dir = os.getenv("BENCH_DIR")

local function read(name)
  local file = assert(io.open(dir .. "/" .. name, "rb"))
  local data = file:read("*a")
  file:close()
  return data
end

local digit = read("digit.png")
local photo = read("photo.jpg")
local pair = read("pair.multipart")
local boundary = read("boundary.txt")
local latent = read("latent.json")

local mix = {
  { "/reconstruct", "image/png", digit, "image/png" },
  { "/reconstruct", "image/jpeg", photo, "application/json" },
  { "/encode", "image/png", digit, "application/json" },
  { "/decode", "application/json", latent, "image/png" },
  { "/interpolate?steps=6", "multipart/form-data; boundary=" .. boundary, pair, "image/png" },
  -- invalid: each must be a 4xx
  { "/reconstruct", "image/png", "not an image at all", nil },
  { "/decode", "application/json", "{\"latent\":[1,2,3]}", nil },
  { "/interpolate?steps=0", "multipart/form-data; boundary=" .. boundary, pair, nil },
  { "/encode?model=../../etc/passwd", "image/png", digit, nil },
  { "/reconstruct", "text/plain", "hello", nil },
  { "/decode", "application/json", "{\"latent\":", nil },
  { "/reconstruct", "image/png", string.sub(digit, 1, 60), nil },
}

-- Built in init, once wrk has set the Host header that HTTP/1.1 requires.
local requests = {}
function init(args)
  for i, item in ipairs(mix) do
    local headers = { ["Host"] = wrk.headers["Host"], ["Content-Type"] = item[2] }
    if item[4] then headers["Accept"] = item[4] end
    requests[i] = wrk.format("POST", item[1], headers, item[3])
  end
end

local threads = {}
function setup(thread)
  thread:set("statuses", {})
  table.insert(threads, thread)
end

local index = 0
function request()
  index = index % #requests + 1
  return requests[index]
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

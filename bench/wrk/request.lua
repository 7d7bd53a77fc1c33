-- One fixed request, described by environment variables (wrk passes no arguments to scripts before init):
--   BENCH_PATH     path and query, e.g. /reconstruct
--   BENCH_TYPE     Content-Type of the body
--   BENCH_BODY     file holding the body
--   BENCH_ACCEPT   Accept header (optional)
--   BENCH_HEADER   one more header, "Name: value" (optional)
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
if os.getenv("BENCH_TYPE") ~= "" then
  wrk.headers["Content-Type"] = os.getenv("BENCH_TYPE")
end
if os.getenv("BENCH_ACCEPT") then
  wrk.headers["Accept"] = os.getenv("BENCH_ACCEPT")
end

local header = os.getenv("BENCH_HEADER")
if header then
  local name, value = header:match("^([^:]+):%s*(.*)$")
  wrk.headers[name] = value
end

dofile("bench/wrk/counting.lua")

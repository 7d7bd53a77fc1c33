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

dofile("bench/wrk/counting.lua")

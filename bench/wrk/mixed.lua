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

dofile("bench/wrk/counting.lua")
local index = 0
function request()
  index = index % #requests + 1
  return requests[index]
end


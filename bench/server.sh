# Sourced by the benchmark scripts: a scratch folder and server processes that are cleaned up however the script
# ends. A script starts its server in the background, sets server=$! (or adds " $!" for each of several), and may
# stop them early with stop_server.
work="$(mktemp -d)"
server=""
stop_server() {
  local pid
  for pid in $server; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  server=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# CPU seconds (user + system) a process and its children have used so far: a server's cost a request, which other
# jobs on the machine move much less than they move its latency.
cpu_seconds() {
  local pid total=0 ticks
  for pid in "$1" $(pgrep -P "$1" || true); do
    ticks="$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"
    total=$((total + ticks))
  done
  awk -v ticks="$total" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.3f", ticks / hz }'
}

# Waits until the service at URL answers /health/ready, polling; if process PID ends first, prints LOG to stderr and
# ends the script.
wait_ready() {
  local url="$1" pid="$2" log="$3"
  until curl -sf -o /dev/null "$url/health/ready"; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.05
  done
}

# The request most benchmarks send to /reconstruct, as a browser's form upload is built: one digit PNG
# (samples/digit-0-label-7.png) in the form field "image", written to FILE; its Content-Type is
# "multipart/form-data; boundary=$form_boundary".
form_boundary="bench-boundary-5a1c"
write_digit_form() { # FILE
  {
    printf -- '--%s\r\nContent-Disposition: form-data; name="image"; filename="digit.png"\r\nContent-Type: image/png\r\n\r\n' "$form_boundary"
    cat samples/digit-0-label-7.png
    printf -- '\r\n--%s--\r\n' "$form_boundary"
  } >"$1"
}

#!/usr/bin/env bash
# Load and soak benchmark of the API (run by hand; not part of the tests).
#
# Starts the API in Release on 127.0.0.1, drives each endpoint with wrk (Debian: apt-get install wrk) and
# prints requests/s, p50/p99 latency, errors and the server's RSS; then soaks it with a mix of valid and
# invalid requests and checks: no 5xx, no connection errors, RSS after the soak at most 10% above RSS after
# warm-up, and the same reconstruction bytes for the same input before and after. Everything it starts,
# it stops; every wrk run is bounded in time.
#
# Usage: bench/load.sh [seconds per endpoint (15)] [connections (64)] [soak requests (200000)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
connections="${2:-64}"
soak_requests="${3:-200000}"
port="${BENCH_PORT:-5091}"
base="http://127.0.0.1:${port}"

command -v wrk >/dev/null || { echo "bench/load.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
# A server left on the port would answer in place of the one under test. The content root is the build output,
# so the service reads its own appsettings.json (log levels) as it does when deployed.
if curl -s -o /dev/null "$base/health/live"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi
ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/server.log" 2>&1 &
server=$!

for _ in $(seq 1 600); do
  curl -sf "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$server/status"; }
echo "server pid $server ready; RSS at rest $(( $(rss_kb) / 1024 )) MiB; $(nproc) cores; wrk with $connections connections"

# Request bodies.
cp samples/digit-0-label-7.png "$work/digit.png"
cp samples/digit-0-photo.jpg "$work/photo.jpg"
latent="$(curl -sf -H 'Content-Type: image/png' --data-binary @"$work/digit.png" "$base/encode" | sed -E 's/.*"latent":(\[[^]]*\]).*/\1/')"
printf '{"latent":%s}' "$latent" >"$work/latent.json"
boundary="bench-boundary-7e3f"
printf '%s' "$boundary" >"$work/boundary.txt"
{
  printf -- '--%s\r\nContent-Disposition: form-data; name="first"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n' "$boundary"
  cat samples/digit-0-label-7.png
  printf -- '\r\n--%s\r\nContent-Disposition: form-data; name="second"; filename="b.png"\r\nContent-Type: image/png\r\n\r\n' "$boundary"
  cat samples/digit-1-label-2.png
  printf -- '\r\n--%s--\r\n' "$boundary"
} >"$work/pair.multipart"

reconstruction() { curl -sf -H 'Content-Type: image/png' --data-binary @"$work/digit.png" "$base/reconstruct" | sha256sum | cut -c1-16; }
before="$(reconstruction)"

run() { # name path content-type body accept
  local line
  line="$(BENCH_PATH="$2" BENCH_TYPE="$3" BENCH_BODY="$4" BENCH_ACCEPT="$5" \
    wrk -t2 -c"$connections" -d"${seconds}s" --timeout 10s -s bench/wrk/request.lua "$base" | grep '^RESULT')"
  printf '%-34s %s rss_mib=%d\n' "$1" "${line#RESULT }" "$(( $(rss_kb) / 1024 ))"
}

# Warm-up, not reported: the runtime recompiles hot code, optimised, in its first seconds under load.
BENCH_PATH=/reconstruct BENCH_TYPE=image/png BENCH_BODY="$work/digit.png" BENCH_ACCEPT=image/png \
  wrk -t2 -c"$connections" -d10s --timeout 10s -s bench/wrk/request.lua "$base" >/dev/null

echo "== each endpoint for ${seconds} s"
run "reconstruct (PNG in, PNG out)" /reconstruct image/png "$work/digit.png" image/png
run "reconstruct (JPEG photo, JSON)" /reconstruct image/jpeg "$work/photo.jpg" application/json
run "encode (PNG in, JSON)" /encode image/png "$work/digit.png" application/json
run "decode (JSON in, PNG out)" /decode application/json "$work/latent.json" image/png
run "interpolate steps=6 (PNG strip)" "/interpolate?steps=6" "multipart/form-data; boundary=$boundary" "$work/pair.multipart" image/png
warm_kb="$(rss_kb)"
echo "RSS after warm-up: $(( warm_kb / 1024 )) MiB"

echo "== soak: at least $soak_requests mixed requests (valid and invalid: bench/wrk/mixed.lua)"
total=0; server_errors=0; socket_errors=0; rounds=0
while [ "$total" -lt "$soak_requests" ] && [ "$rounds" -lt 40 ]; do
  line="$(BENCH_DIR="$work" wrk -t2 -c"$connections" -d30s --timeout 10s -s bench/wrk/mixed.lua "$base" | grep '^RESULT')"
  echo "  ${line#RESULT }"
  requests="$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")"
  total=$(( total + requests ))
  server_errors=$(( server_errors + $(sed -E 's/.*server_errors=([0-9]+).*/\1/' <<<"$line") ))
  for kind in connect_errors read_errors write_errors timeouts; do
    socket_errors=$(( socket_errors + $(sed -E "s/.*${kind}=([0-9]+).*/\1/" <<<"$line") ))
  done
  rounds=$(( rounds + 1 ))
done
after_kb="$(rss_kb)"
after="$(reconstruction)"

growth=$(( (after_kb - warm_kb) * 100 / warm_kb ))
echo "== soak result"
echo "requests: $total  5xx: $server_errors  socket errors: $socket_errors"
echo "RSS after warm-up $(( warm_kb / 1024 )) MiB, after soak $(( after_kb / 1024 )) MiB (${growth}%)"
echo "reconstruction sha256 before $before, after $after"
verdict=pass
[ "$server_errors" -eq 0 ] || verdict=fail
[ "$socket_errors" -eq 0 ] || verdict=fail
[ "$growth" -le 10 ] || verdict=fail # a leak grows; memory the runtime hands back after warm-up is no failure
[ "$before" = "$after" ] || verdict=fail
[ "$total" -ge "$soak_requests" ] || verdict=fail
echo "soak: $verdict"
[ "$verdict" = pass ]

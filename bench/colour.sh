#!/usr/bin/env bash
# Colour against gray through the service (run by hand; not part of the tests): POST /reconstruct of one image at 64
# connections, answered as PNG, for a 3x32x32 colour model and a 1x28x28 gray model of the same layout, both served by
# one Release server, in alternating rounds of wrk. A colour image of 32x32 carries 3.9 times the values of a 28x28 gray
# one, so the image path (decode, preparation, tensor, PNG) should keep its throughput at no less than a third of the
# gray one's; the models' own costs are in the figure too, as a user sees it.
# Needs wrk (apt-get install wrk).
# Usage: bench/colour.sh [seconds per round (10)] [rounds (4)] [colour model (mnist-colour)] [gray model (mnist-conv)]
#   BENCH_COLOUR_IMAGE, BENCH_GRAY_IMAGE: the PNGs sent (samples/colour-digit-0-label-7.png, samples/digit-0-label-7.png).
#   BENCH_MODELS: the models folder served (models).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-4}"
colour="${3:-mnist-colour}"
gray="${4:-mnist-conv}"
connections=64
port="${BENCH_PORT:-5097}"
base="http://127.0.0.1:${port}"
declare -A image=([$colour]="${BENCH_COLOUR_IMAGE:-$PWD/samples/colour-digit-0-label-7.png}" [$gray]="${BENCH_GRAY_IMAGE:-$PWD/samples/digit-0-label-7.png}")
command -v wrk >/dev/null || { echo "bench/colour.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
if curl -s -o /dev/null "$base/health/live"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi
ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="${BENCH_MODELS:-$PWD/models}" Grpc__Enabled=false \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/server.log" 2>&1 &
server=$!
wait_ready "$base" "$server" "$work/server.log"

# One answer of each, checked: a PNG of the model's channels (colour type 2 is RGB, 0 gray) and size.
for name in "$colour" "$gray"; do
  curl -sf -H 'Content-Type: image/png' -H 'Accept: image/png' --data-binary @"${image[$name]}" "$base/reconstruct?model=$name" -o "$work/$name.png" \
    || { echo "$name: /reconstruct did not answer 200" >&2; exit 1; }
  echo "$name: $(python3 - "$work/$name.png" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
width, height, depth, kind = struct.unpack(">IIBB", data[16:26])
print(f"answers a {width}x{height} PNG, {({0: 'gray', 2: 'RGB'}).get(kind, kind)}, {len(data)} bytes")
PY
)"
done

reconstruct() { # MODEL SECONDS
  BENCH_PATH="/reconstruct?model=$1" BENCH_TYPE=image/png BENCH_BODY="${image[$1]}" BENCH_ACCEPT=image/png \
    wrk -t2 -c"$connections" -d"$2s" --timeout 10s -s bench/wrk/request.lua "$base" | grep '^RESULT'
}

# Warm-up: the runtime compiles hot code again, optimised, in its first seconds.
reconstruct "$colour" 10 >/dev/null
reconstruct "$gray" 10 >/dev/null

declare -A rates=()
ratios=()
for round in $(seq "$rounds"); do
  echo "== round $round ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
  order=("$colour" "$gray")
  if (( round % 2 == 0 )); then order=("$gray" "$colour"); fi
  declare -A rate=()
  for name in "${order[@]}"; do
    before="$(cpu_seconds "$server")"
    line="$(reconstruct "$name" "$seconds")"
    after="$(cpu_seconds "$server")"
    count="$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")"
    grep -q "connect_errors=0 read_errors=0 write_errors=0 timeouts=0 server_errors=0 statuses=200=$count\$" <<<"$line" \
      || { echo "$name: not every answer was a 200: $line" >&2; exit 1; }
    rate[$name]="$(sed 's/.*rps=\([0-9.]*\).*/\1/' <<<"$line")"
    rates[$name]+="${rate[$name]} "
    awk -v name="$name" -v used="$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')" -v count="$count" -v line="${line#RESULT }" \
      'BEGIN { printf "%-13s %s; server CPU %.1f µs an image\n", name, line, 1e6 * used / count }'
  done
  ratios+=("$(awk -v c="${rate[$colour]}" -v g="${rate[$gray]}" 'BEGIN { printf "%.3f", c / g }')")
done

median() { tr ' ' '\n' <<<"$*" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== medians over $rounds rounds"
for name in "$colour" "$gray"; do echo "$name: $(median "${rates[$name]}") requests/s"; done
ratio="$(median "${ratios[@]}")"
awk -v r="$ratio" -v all="${ratios[*]}" 'BEGIN { printf "colour / gray requests/s, same round: %.2f (rounds: %s); target >= 0.33: %s\n", r, all, (r >= 1 / 3) ? "met" : "not met" }'

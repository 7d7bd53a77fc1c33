#!/usr/bin/env bash
# What each step of a /reconstruct costs inside Kestrel (run by hand; not part of the tests). The request of
# bench/serving.sh (one digit PNG as multipart/form-data, wrk at 64 connections) sent in turn to
#  - bare Kestrel (bench/BareHttp): the body read whole, about 300 bytes answered: the ceiling;
#  - the service's work alone in the same Kestrel (bench/BareHttp pipeline): the form's file found, the PNG decoded and
#    prepared, encoder and decoder for the one image, the PNG written; no middleware, batching, admission or log line;
#  - the same with one step left out (decode: the model gets zeros; model: the prepared input is written back; png:
#    the upload is answered as it came) and with all three left out (the form's file found and answered);
#  - and this service itself, POST /reconstruct, default settings,
# each warmed up the same and driven in alternating order; prints requests/s, CPU a request and the share of bare
# Kestrel in the same round, with the medians at the end. A step's cost in Kestrel is the difference between the work
# alone with it and without it; the service's own cost (middleware, batching, admission, log line) is the difference
# between the service and the work alone, less what batching saves on the model.
# Needs wrk (apt-get install wrk).
# Usage: bench/work-alone.sh [seconds per turn (10)] [rounds (3)] [warm-up seconds (20)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-3}"
warm="${3:-20}"
port="${BENCH_PORT:-5093}"
command -v wrk >/dev/null || { echo "bench/work-alone.sh needs wrk: apt-get install wrk" >&2; exit 1; }
source bench/server.sh
dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/BareHttp -c Release -v quiet -nologo >/dev/null

boundary="$form_boundary"
write_digit_form "$work/body"

# NAME|BASE URL|PATH|PID
targets=()
start() { # NAME PORT PATH COMMAND...
  local base="http://127.0.0.1:$2"
  if curl -s -o /dev/null "$base"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi
  "${@:4}" >"$work/${#targets[@]}.log" 2>&1 &
  server+=" $!"
  targets+=("$1|$base|$3|$!")
}
bare=(dotnet bench/BareHttp/bin/Release/net10.0/bare-http.dll)
start "bare Kestrel (ceiling)" "$((port + 1))" /v2/models/bare/infer env ASPNETCORE_URLS="http://127.0.0.1:$((port + 1))" "${bare[@]}" large 165
i=2
for without in "" decode model png decode,model,png; do
  start "work alone${without:+ without $without}" "$((port + i))" /reconstruct env ASPNETCORE_URLS="http://127.0.0.1:$((port + i))" \
    "${bare[@]}" pipeline "$PWD/models/mnist" $without
  i=$((i + 1))
done
start "this service" "$port" /reconstruct env ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production \
  Models__Directory="$PWD/models" dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0"

for target in "${targets[@]}"; do
  IFS='|' read -r name base path pid <<<"$target"
  for (( tries = 0; ; tries++ )); do
    if [ "$name" = "this service" ]; then curl -sf -o /dev/null "$base/health/ready" && break; else curl -s -o /dev/null "$base" && break; fi
    if ! kill -0 "$pid" 2>/dev/null || (( tries > 1200 )); then echo "$name did not start" >&2; cat "$work"/*.log >&2; exit 1; fi
    sleep 0.1
  done
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: multipart/form-data; boundary=$boundary" --data-binary @"$work/body" "$base$path")"
  [ "$status" = 200 ] || { echo "$name answered $status, not 200" >&2; exit 1; }
done

turn() { # BASE PATH SECONDS: wrk's RESULT line
  BENCH_PATH="$2" BENCH_TYPE="multipart/form-data; boundary=$boundary" BENCH_BODY="$work/body" BENCH_ACCEPT=image/png \
    wrk -t2 -c64 -d"$3s" --timeout 10s --latency -s bench/wrk/request.lua "$1" | grep '^RESULT'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

echo "== warm-up: $warm s each"
for target in "${targets[@]}"; do
  IFS='|' read -r name base path pid <<<"$target"
  turn "$base" "$path" "$warm" >/dev/null
done

declare -A rps cpu
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
for round in $(seq "$rounds"); do
  echo "== round $round"
  order=("${targets[@]}")
  if (( round % 2 == 0 )); then
    order=()
    for (( i = ${#targets[@]} - 1; i >= 0; i-- )); do order+=("${targets[i]}"); done
  fi
  for target in "${order[@]}"; do
    IFS='|' read -r name base path pid <<<"$target"
    before="$(cpu_seconds "$pid")"
    line="$(turn "$base" "$path" "$seconds")"
    after="$(cpu_seconds "$pid")"
    [ "$(field statuses "$line")" = "200=$(field requests "$line")" ] || { echo "$name: not all 200: $line" >&2; exit 1; }
    rps[$name,$round]="$(field rps "$line")"
    cpu[$name,$round]="$(awk -v a="$after" -v b="$before" -v n="$(field requests "$line")" 'BEGIN { printf "%.1f", 1e6 * (a - b) / n }')"
    printf '%-40s %9.0f requests/s  p99 %6.2f ms  CPU %6.1f µs a request\n' "$name" "${rps[$name,$round]}" "$(field p99_ms "$line")" "${cpu[$name,$round]}"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { tr ' ' '\n' <<<"$*" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== medians over $rounds rounds"
printf '| server | requests/s | CPU a request | %% of bare (by round) |\n| --- | ---: | ---: | --- |\n'
for target in "${targets[@]}"; do
  IFS='|' read -r name base path pid <<<"$target"
  rates=() cpus=() shares=()
  for round in $(seq "$rounds"); do
    rates+=("${rps[$name,$round]}")
    cpus+=("${cpu[$name,$round]}")
    shares+=("$(awk -v a="${rps[$name,$round]}" -v b="${rps[bare Kestrel (ceiling),$round]}" 'BEGIN { printf "%.1f", 100 * a / b }')")
  done
  printf '| %s | %.0f | %.0f µs | %.1f%% (%s) |\n' "$name" "$(median "${rates[@]}")" "$(median "${cpus[@]}")" "$(median "${shares[@]}")" \
    "$(printf '%s%%\n' "${shares[@]}" | paste -sd' ' | sed 's/ /, /g')"
done

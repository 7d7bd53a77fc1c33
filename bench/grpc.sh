#!/usr/bin/env bash
# gRPC against REST (run by hand; not part of the tests): images/s, requests/s, p50 and p99 of inference on
# mnist-encoder with the first t10k digits as FP32 in [0,1], at 1 and at 64 images a request, on the same service
# process, through its two front doors in turn:
#  - REST: POST /v2/models/mnist-encoder/infer with binary tensors, as bench/open-inference.sh sends them, under wrk;
#  - gRPC: ModelInfer with raw_input_contents under bench/GrpcLoad (Grpc.Net.Client: concurrent calls spread over a
#    few channels, one HTTP/2 connection each), as a .NET client calls it,
# at the same concurrency, in turns that reverse every other run, with the service's CPU time a request (from /proc)
# and the load generator's beside each rate, and the medians over the runs at the end.
# Beside them, if installed, the same gRPC calls under h2load (nghttp2-client), a load generator in C like wrk, sending a
# prebuilt message: the service's gRPC rate with as little of the two cores spent on the caller as wrk spends.
# BENCH_TRY="NAME=value ..." starts a second service with those environment variables (DOTNET_GCLOHThreshold=100000, or
# a setting of the service's) beside the first and takes its gRPC turns too, so a setting is measured against the
# service without it in the same run.
# Needs wrk (apt-get install wrk) and python3.
# Usage: bench/grpc.sh [seconds per turn (10)] [runs (3)] [concurrency (64)] [gRPC channels (4)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
runs="${2:-3}"
concurrency="${3:-64}"
channels="${4:-4}"
port="${BENCH_PORT:-5093}"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
model=mnist-encoder
batches=(1 64)
command -v wrk >/dev/null || { echo "bench/grpc.sh needs wrk: apt-get install wrk" >&2; exit 1; }
h2load="$(command -v h2load || true)"
[ -n "$h2load" ] || echo "(no h2load turns: apt-get install nghttp2-client)"

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/GrpcLoad -c Release -v quiet -nologo >/dev/null

# The bodies: REST's as tritonclient.http builds them (each JSON header's length in $work/header-BATCH), and for h2load
# the gRPC message (ModelInferRequest with raw_input_contents) in its length-prefixed frame, as Grpc.Net.Client sends it.
for batch in "${batches[@]}"; do
  python3 bench/binary_request.py "$t10k" "$batch" "$work/request-$batch.bin" "$work/grpc-$batch.bin" >"$work/header-$batch"
done

# start_service NAME REST_PORT GRPC_PORT [NAME=value ...]: the service in the background, its pid in $started.
start_service() {
  local name="$1" rest="$2" grpc="$3"
  shift 3
  for url in "http://127.0.0.1:$rest" "http://127.0.0.1:$grpc"; do
    if curl -s -o /dev/null "$url"; then echo "something already answers on $url; stop it first" >&2; exit 1; fi
  done
  env ASPNETCORE_URLS="http://127.0.0.1:$rest" Grpc__Enabled=true Grpc__Port="$grpc" ASPNETCORE_ENVIRONMENT=Production \
    Models__Directory="$PWD/models" "$@" \
    dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/$name.log" 2>&1 &
  started=$!
  server+=" $started"
  wait_ready "http://127.0.0.1:$rest" "$started" "$work/$name.log"
}

start_service service "$port" "$((port + 1))"
service="$started"
# Each turn: front door|label|REST or gRPC address|service pid|batch.
turns=()
for batch in "${batches[@]}"; do
  turns+=("REST|REST binary, wrk|http://127.0.0.1:$port|$service|$batch" "gRPC|gRPC raw, GrpcLoad|http://127.0.0.1:$((port + 1))|$service|$batch")
  if [ -n "$h2load" ]; then turns+=("h2load|gRPC raw, h2load|http://127.0.0.1:$((port + 1))|$service|$batch"); fi
done
if [ -n "${BENCH_TRY:-}" ]; then
  read -r -a settings <<<"$BENCH_TRY"
  start_service tried "$((port + 2))" "$((port + 3))" "${settings[@]}"
  for batch in "${batches[@]}"; do
    turns+=("gRPC|gRPC raw, GrpcLoad, with $BENCH_TRY|http://127.0.0.1:$((port + 3))|$started|$batch")
    if [ -n "$h2load" ]; then turns+=("h2load|gRPC raw, h2load, with $BENCH_TRY|http://127.0.0.1:$((port + 3))|$started|$batch"); fi
  done
fi

# One answer of each batch checked by hand: REST's 200 with binary latents, gRPC's status 0 with the latents' raw bytes
# (GrpcLoad checks its own answers too).
for batch in "${batches[@]}"; do
  curl -sf -D "$work/headers" -o "$work/response.bin" -H "Inference-Header-Content-Length: $(cat "$work/header-$batch")" \
    --data-binary @"$work/request-$batch.bin" "http://127.0.0.1:$port/v2/models/$model/infer"
  json_length="$(awk 'tolower($1) == "inference-header-content-length:" { print $2 + 0 }' "$work/headers")"
  echo "REST, batch $batch: $(head -c "$json_length" "$work/response.bin"), then $(( $(stat -c %s "$work/response.bin") - json_length )) bytes"
  if [ -n "$h2load" ]; then
    curl -sf --http2-prior-knowledge -D "$work/headers" -o "$work/response.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
      --data-binary @"$work/grpc-$batch.bin" "http://127.0.0.1:$((port + 1))/inference.GRPCInferenceService/ModelInfer"
    echo "gRPC, batch $batch: $(grep -i '^grpc-status' "$work/headers" | tr -d '\r'), a message of $(( $(stat -c %s "$work/response.bin") - 5 )) bytes"
    grep -qi '^grpc-status: 0' "$work/headers" || { echo "the gRPC message built for h2load was refused" >&2; exit 1; }
  fi
done

# load DOOR ADDRESS BATCH SECONDS: one RESULT line (bench/wrk/counting.lua's form) with client_cpu_ms, the load
# generator's CPU time a request.
load() {
  if [ "$1" = REST ]; then
    local line
    line="$(BENCH_PATH="/v2/models/$model/infer" BENCH_TYPE="" BENCH_BODY="$work/request-$3.bin" \
      BENCH_HEADER="Inference-Header-Content-Length: $(cat "$work/header-$3")" \
      /usr/bin/time -f '%U %S' -o "$work/wrk-time" wrk -t2 -c"$concurrency" -d"$4s" --timeout 10s -s bench/wrk/request.lua "$2" | grep '^RESULT')"
    awk -v line="$line" '{ split(line, parts, "requests="); split(parts[2], count, " "); printf "%s client_cpu_ms=%.3f\n", line, 1000 * ($1 + $2) / count[1] }' "$work/wrk-time"
  elif [ "$1" = h2load ]; then
    # The calls' own statuses come in trailers h2load does not read; the message was checked above, and every answer
    # must still be HTTP 200. Latencies from its log, of the calls started after its one second of warm-up.
    local summary
    summary="$(/usr/bin/time -f '%U %S' -o "$work/h2load-time" h2load -c"$channels" -m$((concurrency / channels)) -D"$4" --warm-up-time=1 \
      -d "$work/grpc-$3.bin" -H 'content-type: application/grpc' -H 'te: trailers' --log-file="$work/h2load.log" \
      "$2/inference.GRPCInferenceService/ModelInfer")"
    local requests rps ok
    requests="$(sed -n 's/^requests: [0-9]* total, [0-9]* started, \([0-9]*\) done.*/\1/p' <<<"$summary")"
    ok="$(sed -n 's/^status codes: \([0-9]*\) 2xx.*/\1/p' <<<"$summary")"
    rps="$(awk -v n="$requests" -v s="$4" 'BEGIN { printf "%.1f", n / s }')"
    awk -v from="$(sort -n "$work/h2load.log" | head -1 | cut -f1)" '$1 >= from + 1000000 { print $3 / 1000 }' "$work/h2load.log" | sort -g >"$work/h2load-ms"
    printf 'RESULT requests=%s seconds=%s rps=%s p50_ms=%s p99_ms=%s failures=%s client_cpu_ms=%s\n' "$requests" "$4" "$rps" \
      "$(awk '{ v[NR] = $1 } END { printf "%.2f", v[int(NR * 0.5) + 1] }' "$work/h2load-ms")" \
      "$(awk '{ v[NR] = $1 } END { printf "%.2f", v[int(NR * 0.99) + 1] }' "$work/h2load-ms")" \
      "$((requests - ok))" "$(awk -v n="$requests" '{ printf "%.3f", 1000 * ($1 + $2) / n }' "$work/h2load-time")"
  else
    dotnet bench/GrpcLoad/bin/Release/net10.0/grpc-load.dll "$2" "$t10k" "$model" "$3" "$4" "$concurrency" "$channels" 2>/dev/null
  fi
}

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

# Warm-up: the service compiles hot code again, optimised, in its first seconds.
for turn in "${turns[@]}"; do
  IFS='|' read -r door label address pid batch <<<"$turn"
  load "$door" "$address" "$batch" 5 >/dev/null
done

echo "concurrency $concurrency (wrk: $concurrency connections; GrpcLoad: $concurrency calls over $channels channels; h2load: $channels connections of $((concurrency / channels)) streams), $seconds s a turn"
for run in $(seq "$runs"); do
  echo "== run $run ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
  # The turns are taken in the opposite order every other run, so drift favours none of them.
  order=("${turns[@]}")
  if (( run % 2 == 0 )); then
    order=()
    for (( i = ${#turns[@]} - 1; i >= 0; i-- )); do order+=("${turns[i]}"); done
  fi
  for turn in "${order[@]}"; do
    IFS='|' read -r door label address pid batch <<<"$turn"
    before="$(cpu_seconds "$pid")"
    line="$(load "$door" "$address" "$batch" "$seconds")"
    after="$(cpu_seconds "$pid")"
    requests="$(field requests "$line")"
    server_ms="$(awk -v a="$after" -v b="$before" -v n="$requests" 'BEGIN { printf "%.3f", 1000 * (a - b) / n }')"
    images="$(awk -v rps="$(field rps "$line")" -v batch="$batch" 'BEGIN { printf "%.0f", rps * batch }')"
    echo "$label, batch $batch: ${line#RESULT } server_cpu_ms=$server_ms images_per_s=$images"
    echo "$label|$batch|$images|$(field rps "$line")|$(field p50_ms "$line")|$(field p99_ms "$line")|$server_ms|$(field client_cpu_ms "$line")" >>"$work/results"
  done
done

# Medians over the runs (the middle value; the lower middle of an even count).
median() { sort -g | awk '{ values[NR] = $1 } END { print values[int((NR + 1) / 2)] }'; }
echo
echo "Medians of $runs runs:"
echo
echo "| front door | batch | images/s | requests/s | p50 ms | p99 ms | service CPU ms a request | load generator CPU ms a request |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
for turn in "${turns[@]}"; do
  IFS='|' read -r door label address pid batch <<<"$turn"
  row="| $label | $batch"
  for column in 3 4 5 6 7 8; do
    row+=" | $(awk -F'|' -v label="$label" -v batch="$batch" -v column="$column" '$1 == label && $2 == batch { print $column }' "$work/results" | median)"
  done
  echo "$row |"
done

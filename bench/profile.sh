#!/usr/bin/env bash
# Where one request's CPU goes (run by hand; not part of the tests). Starts the service (Release, perf maps on), drives
# one kind of request at a fixed concurrency, warms it up, then samples the service with Linux perf for a window while
# the load goes on, and prints the CPU time a request by where it was spent (bench/perf_categories.py: ONNX Runtime,
# memory copies by the method that asked for them, kernel, .NET runtime, JIT, managed code by type), and the bytes the
# service allocated a request over the same window (dotnet-counters' allocation rate over the request rate).
# Doors:
#   reconstruct  POST /reconstruct, one 28x28 digit PNG as multipart/form-data (what browsers send), under wrk
#   infer        POST /v2/models/mnist-encoder/infer, BATCH t10k digits as binary tensors, under wrk
#   grpc         ModelInfer on mnist-encoder with raw_input_contents, BATCH digits, under h2load
# Needs perf (apt-get install linux-perf), wrk, h2load (apt-get install nghttp2-client) for grpc, python3, and
# optionally dotnet-counters (dotnet tool install --global dotnet-counters) for the allocation figure and dotnet-trace
# (dotnet tool install --global dotnet-trace) for where the allocations come from (bench/Allocations).
# Usage: bench/profile.sh [reconstruct|infer|grpc] [batch (64)] [seconds sampled (10)] [warm-up seconds (30)]
set -euo pipefail
cd "$(dirname "$0")/.."
door="${1:-reconstruct}"
batch="${2:-64}"
seconds="${3:-10}"
warm="${4:-30}"
frequency=999
connections=64
port="${BENCH_PORT:-5095}"
base="http://127.0.0.1:$port"
grpc="http://127.0.0.1:$((port + 1))"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
for tool in perf wrk; do
  command -v "$tool" >/dev/null || { echo "bench/profile.sh needs $tool" >&2; exit 1; }
done
[ "$door" != grpc ] || command -v h2load >/dev/null || { echo "bench/profile.sh grpc needs h2load: apt-get install nghttp2-client" >&2; exit 1; }
counters="$(command -v dotnet-counters || { [ -x "$HOME/.dotnet/tools/dotnet-counters" ] && echo "$HOME/.dotnet/tools/dotnet-counters"; } || true)"
tracer="$(command -v dotnet-trace || { [ -x "$HOME/.dotnet/tools/dotnet-trace" ] && echo "$HOME/.dotnet/tools/dotnet-trace"; } || true)"

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
[ -z "$tracer" ] || dotnet build bench/Allocations -c Release -v quiet -nologo >/dev/null
if curl -s -o /dev/null "$base"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi

case "$door" in
  reconstruct)
    boundary="$form_boundary"
    write_digit_form "$work/body"
    describe="POST /reconstruct, one digit PNG as multipart/form-data, wrk -c$connections"
    load() {
      BENCH_PATH=/reconstruct BENCH_TYPE="multipart/form-data; boundary=$boundary" BENCH_BODY="$work/body" BENCH_ACCEPT=image/png \
        wrk -t2 -c"$connections" -d"$1s" --timeout 10s -s bench/wrk/request.lua "$base" | grep '^RESULT'
    }
    ;;
  infer | grpc)
    header_length="$(python3 bench/binary_request.py "$t10k" "$batch" "$work/body" "$work/grpc")"
    if [ "$door" = infer ]; then
      describe="POST /v2/models/mnist-encoder/infer, $batch digits as binary tensors, wrk -c$connections"
      load() {
        BENCH_PATH=/v2/models/mnist-encoder/infer BENCH_TYPE="" BENCH_BODY="$work/body" BENCH_HEADER="Inference-Header-Content-Length: $header_length" \
          wrk -t2 -c"$connections" -d"$1s" --timeout 10s -s bench/wrk/request.lua "$base" | grep '^RESULT'
      }
    else
      describe="gRPC ModelInfer on mnist-encoder, $batch digits as raw_input_contents, h2load 4 connections of $((connections / 4)) streams"
      load() {
        h2load -c4 -m$((connections / 4)) -D"$1" -d "$work/grpc" -H 'content-type: application/grpc' -H 'te: trailers' \
          "$grpc/inference.GRPCInferenceService/ModelInfer" | grep -E '^requests:'
      }
    fi
    ;;
  *) echo "usage: bench/profile.sh [reconstruct|infer|grpc] [batch] [seconds] [warm-up seconds]" >&2; exit 2 ;;
esac

# Perf maps name the JIT's code; W^X off keeps that code at the addresses the maps give.
env DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production \
  Grpc__Enabled=true Grpc__Port="$((port + 1))" Models__Directory="$PWD/models" \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/service.log" 2>&1 &
service=$!
server=$service
wait_ready "$base" "$service" "$work/service.log"

# Requests the service has answered so far, by its own count.
answered() { curl -s "$base/metrics" | awk '/^http_request_duration_seconds_count/ { total += $NF } END { printf "%d", total }'; }

echo "== $describe: warm-up $warm s"
load "$warm" >/dev/null
echo "== sampled for $seconds s at $frequency Hz while the load runs"
load $((seconds + 4)) >"$work/load.txt" &
loader=$!
sleep 2
before="$(answered)"
cpu_before="$(cpu_seconds "$service")"
if [ -n "$counters" ]; then
  "$counters" collect -p "$service" --counters System.Runtime --format csv -o "$work/counters.csv" --refresh-interval 1 \
    --duration "00:00:$(printf '%02d' "$seconds")" >/dev/null 2>&1 &
  collector=$!
fi
perf record -F "$frequency" -g -p "$service" -o "$work/perf.data" -- sleep "$seconds" 2>/dev/null
cpu_after="$(cpu_seconds "$service")"
after="$(answered)"
[ -z "$counters" ] || wait "$collector" || true
wait "$loader"
requests=$((after - before))
echo "load generator: $(cat "$work/load.txt")"
echo "$requests requests answered in the $seconds s sampled: $(awk -v n="$requests" -v s="$seconds" 'BEGIN { printf "%.0f", n / s }') a second;" \
  "service CPU $(awk -v a="$cpu_before" -v b="$cpu_after" -v n="$requests" 'BEGIN { printf "%.1f", 1e6 * (b - a) / n }') µs a request (from /proc)"
if [ -n "$counters" ] && [ -s "$work/counters.csv" ]; then
  awk -F, -v rate="$(awk -v n="$requests" -v s="$seconds" 'BEGIN { print n / s }')" '
    tolower($0) ~ /alloc/ && $NF ~ /^[0-9.]+$/ { sum += $NF; count++ }
    END { if (count) printf "allocated: %.0f bytes a request (mean allocation rate %.1f MB/s over %d readings)\n", sum / count / rate, sum / count / 1e6, count }' \
    "$work/counters.csv"
else
  echo "(no allocation figure: dotnet-counters is not installed)"
fi
perf script -i "$work/perf.data" -F ip,sym,dso 2>/dev/null >"$work/perf.txt"
python3 bench/perf_categories.py "$work/perf.txt" "$frequency" "$requests" "${BENCH_TOP:-25}"

# Where the bytes come from: a second window under the same load, traced with allocation samples and their stacks
# (kept apart from perf's window: tracing every sample's stack slows the service).
if [ -n "$tracer" ]; then
  echo
  echo "== allocation samples for $seconds s while the load runs (dotnet-trace, gc-verbose)"
  load $((seconds + 4)) >/dev/null &
  loader=$!
  sleep 2
  before="$(answered)"
  "$tracer" collect -p "$service" --profile gc-verbose --duration "00:00:00:$(printf '%02d' "$seconds")" -o "$work/allocations.nettrace" >/dev/null 2>&1
  after="$(answered)"
  wait "$loader"
  dotnet bench/Allocations/bin/Release/net10.0/allocation-sites.dll "$work/allocations.nettrace" $((after - before)) "${BENCH_TOP:-25}"
else
  echo "(no allocation sites: dotnet-trace is not installed; dotnet tool install --global dotnet-trace)"
fi

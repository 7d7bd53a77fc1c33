#!/usr/bin/env bash
# Throughput benchmark (run by hand; not part of the tests): single-image /reconstruct at concurrency 1, 8 and 64
# with dynamic batching off and on, bulk /encode of all 10,000 t10k digits, start-up time to ready and RSS at
# rest, each beside its in-process limit measured by bench/Pipeline on the same machine in the same run.
# Needs wrk (apt-get install wrk). Usage: bench/throughput.sh [seconds per wrk run (10)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
port="${BENCH_PORT:-5092}"
base="http://127.0.0.1:${port}"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
command -v wrk >/dev/null || { echo "bench/throughput.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
# A server left on the port would answer in place of the one under test. The content root is the build output,
# so the service reads its own appsettings.json (log levels) as it does when deployed.
if curl -s -o /dev/null "$base/health/live"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi
dotnet build bench/Pipeline -c Release -v quiet -nologo >/dev/null

echo "== in-process limits ($(nproc) cores)"
dotnet bench/Pipeline/bin/Release/net10.0/pipeline-bench.dll models/mnist "$t10k" "$seconds"

start_server() { # batching on|off
  local started
  started=$(date +%s%N)
  ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" Batching__Enabled="$1" \
    dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/server.log" 2>&1 &
  server=$!
  wait_ready "$base" "$server" "$work/server.log"
  echo "start-up to ready: $(( ($(date +%s%N) - started) / 1000000 )) ms; RSS at rest $(( $(awk '/^VmRSS/ { print $2 }' "/proc/$server/status") / 1024 )) MiB"
}

# wrk with one fixed request; prints its RESULT line. Usage: reconstruct CONNECTIONS SECONDS
reconstruct() {
  local threads=$(( $1 < 2 ? 1 : 2 ))
  BENCH_PATH=/reconstruct BENCH_TYPE=image/png BENCH_BODY="$PWD/samples/digit-0-label-7.png" BENCH_ACCEPT=image/png \
    wrk -t"$threads" -c"$1" -d"$2s" --timeout 10s -s bench/wrk/request.lua "$base" | grep '^RESULT'
}

for batching in false true; do
  echo "== /reconstruct, 28x28 PNG in, PNG out, batching $batching"
  start_server "$batching"
  reconstruct 8 3 >/dev/null # warm-up: the runtime compiles hot code again, optimised, in its first seconds
  for connections in 1 8 64; do
    line="$(reconstruct "$connections" "$seconds")"
    echo "concurrency $connections: ${line#RESULT }"
  done
  if [ "$batching" = true ]; then
    curl -s "$base/metrics" | grep -E '^autoencoder_batch_size_(sum|count)' | sed 's/^/  /'
  fi
  stop_server
done

# The median seconds of N bulk requests. Usage: bulk_median N ACCEPT
bulk_median() {
  for _ in $(seq "$1"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H 'Content-Type: application/x-idx' -H "Accept: $2" --data-binary @"$t10k" "$base/encode"
  done | sort -n | sed -n "$(( ($1 + 1) / 2 ))p"
}

echo "== bulk /encode of all 10,000 t10k digits (gzip IDX in)"
start_server true
for accept in application/json application/x-npy; do
  cold="$(bulk_median 5 "$accept")"
  echo "$accept, first 5 requests after start: median ${cold} s, $(awk -v t="$cold" 'BEGIN { printf "%.0f", 10000 / t }') images/s"
done
# A running server has optimised its bulk path after a few dozen requests; these are the figures it then serves at.
bulk_median 50 application/x-npy >/dev/null
for accept in application/json application/x-npy; do
  warm="$(bulk_median 15 "$accept")"
  echo "$accept, after 60 requests: median of 15 ${warm} s, $(awk -v t="$warm" 'BEGIN { printf "%.0f", 10000 / t }') images/s"
done
stop_server

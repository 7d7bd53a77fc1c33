#!/usr/bin/env bash
# Open Inference Protocol benchmark (run by hand; not part of the tests): images/s of
# POST /v2/models/mnist-encoder/infer with binary tensors of 64 t10k digits per request, as Triton's Python client
# sends them (JSON header, then little-endian FP32; Inference-Header-Content-Length; binary output), beside
#  - the encoder alone in-process on batches of 64 (bench/Pipeline): what the model does with no HTTP;
#  - the same request answered by bare Kestrel (bench/BareHttp): the whole body read, a 5 KB answer, no inference,
#    no middleware, with the service's 64 KB connection buffers: the ceiling for any HTTP server on this machine under
#    the same wrk; and with Kestrel's own 4 KB buffers, as the service had them before;
#  - the encoder alone in the same bare Kestrel (bench/BareHttp pipeline): the tensor after the JSON header run as one
#    batch and the latents answered, no checks, no middleware: what the work itself leaves of the ceiling;
#  - the same bare endpoint in FastAPI on uvicorn (bench/bare_http.py), if python3 has them: a Python front end's figure,
# all measured on the same machine in the same run, each server's CPU time a request beside its rate.
# Needs wrk (apt-get install wrk) and python3; the Python peer needs python3-fastapi and python3-uvicorn.
# Usage: bench/open-inference.sh [seconds per run (10)] [runs (3)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
runs="${2:-3}"
port="${BENCH_PORT:-5093}"
base="http://127.0.0.1:${port}"
bare="http://127.0.0.1:$((port + 1))"
python_peer="http://127.0.0.1:$((port + 2))"
bare_default="http://127.0.0.1:$((port + 3))"
work_alone="http://127.0.0.1:$((port + 4))"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
batch=64
command -v wrk >/dev/null || { echo "bench/open-inference.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/Pipeline -c Release -v quiet -nologo >/dev/null
dotnet build bench/BareHttp -c Release -v quiet -nologo >/dev/null
for url in "$base" "$bare" "$python_peer" "$bare_default" "$work_alone"; do
  if curl -s -o /dev/null "$url"; then echo "something already answers on $url; stop it first" >&2; exit 1; fi
done

# The request body, built as tritonclient.http builds it; prints the JSON header's length.
header_length="$(python3 bench/binary_request.py "$t10k" "$batch" "$work/request.bin")"

ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/server.log" 2>&1 &
service=$!
server="$service"
ASPNETCORE_URLS="$bare" dotnet bench/BareHttp/bin/Release/net10.0/bare-http.dll large >"$work/bare.log" 2>&1 &
server+=" $!"
targets=("this service|$base|$service" "bare Kestrel (ceiling)|$bare|$!")
ASPNETCORE_URLS="$bare_default" dotnet bench/BareHttp/bin/Release/net10.0/bare-http.dll default >"$work/bare-default.log" 2>&1 &
server+=" $!"
targets+=("bare Kestrel, its own 4 KB buffers|$bare_default|$!")
ASPNETCORE_URLS="$work_alone" dotnet bench/BareHttp/bin/Release/net10.0/bare-http.dll pipeline "$PWD/models/mnist" >"$work/work-alone.log" 2>&1 &
server+=" $!"
targets+=("Kestrel and the encoder alone|$work_alone|$!")

# Python's peer, where FastAPI and uvicorn are installed (apt's packages are python3's at /usr/bin).
for python in "${PYTHON:-python3}" /usr/bin/python3; do
  if "$python" -c "import fastapi, uvicorn" 2>/dev/null; then
    "$python" bench/bare_http.py "$((port + 2))" "$(nproc)" >"$work/python.log" 2>&1 &
    server+=" $!"
    targets+=("FastAPI on uvicorn, $(nproc) workers|$python_peer|$!")
    break
  fi
done
[ "${#targets[@]}" -eq 5 ] || echo "(no Python peer: apt-get install python3-fastapi python3-uvicorn)"

wait_ready "$base" "$service" "$work/server.log"
for target in "${targets[@]}"; do
  IFS='|' read -r name url pid <<<"$target"
  until curl -s -o /dev/null "$url"; do
    kill -0 "$pid" 2>/dev/null || { echo "$name did not start:"; cat "$work"/*.log; exit 1; }
    sleep 0.05
  done
done

# One response of each checked by hand: 200, binary, 64 x 20 latents.
for target in "${targets[@]}"; do
  IFS='|' read -r name url pid <<<"$target"
  curl -sf -D "$work/headers" -o "$work/response.bin" -H "Inference-Header-Content-Length: $header_length" --data-binary @"$work/request.bin" \
    "$url/v2/models/mnist-encoder/infer"
  json_length="$(awk 'tolower($1) == "inference-header-content-length:" { print $2 + 0 }' "$work/headers")"
  echo "$name: $(head -c "$json_length" "$work/response.bin"), then $(( $(stat -c %s "$work/response.bin") - json_length )) bytes"
done

infer() { # URL CONNECTIONS SECONDS
  BENCH_PATH=/v2/models/mnist-encoder/infer BENCH_TYPE="" BENCH_BODY="$work/request.bin" BENCH_HEADER="Inference-Header-Content-Length: $header_length" \
    wrk -t2 -c"$2" -d"$3s" --timeout 10s -s bench/wrk/request.lua "$1" | grep '^RESULT'
}

# Warm-up: the runtimes compile hot code again, optimised, in their first seconds.
for target in "${targets[@]}"; do
  IFS='|' read -r name url pid <<<"$target"
  infer "$url" 8 5 >/dev/null
done

for run in $(seq "$runs"); do
  echo "== run $run ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
  in_process="$(dotnet bench/Pipeline/bin/Release/net10.0/pipeline-bench.dll models/mnist "$t10k" "$seconds" encoder "$batch")"
  echo "$in_process"
  limit="$(tail -1 <<<"$in_process" | awk '{ print $2 }')"
  # The servers take turns, in the opposite order every other run, so drift favours none of them.
  order=("${targets[@]}")
  if (( run % 2 == 0 )); then
    order=()
    for (( i = ${#targets[@]} - 1; i >= 0; i-- )); do order+=("${targets[i]}"); done
  fi
  for connections in 4 16; do
    declare -A rates=()
    for target in "${order[@]}"; do
      IFS='|' read -r name url pid <<<"$target"
      before="$(cpu_seconds "$pid")"
      line="$(infer "$url" "$connections" "$seconds")"
      after="$(cpu_seconds "$pid")"
      rps="$(sed 's/.* rps=\([0-9.]*\).*/\1/' <<<"$line")"
      requests="$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")"
      rates[$name]="$(awk -v rps="$rps" -v batch="$batch" 'BEGIN { printf "%.0f", rps * batch }')"
      echo "$name, binary infer, $batch images a request, concurrency $connections: ${line#RESULT }"
      awk -v rate="${rates[$name]}" -v limit="$limit" -v cpu="$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')" -v requests="$requests" \
        'BEGIN { printf "  %.0f images/s, %.0f%% of the in-process encoder on every core (%.0f images/s); server CPU %.2f ms a request\n", rate, 100 * rate / limit, limit, 1000 * cpu / requests }'
    done
    ceiling="${rates[bare Kestrel (ceiling)]}"
    ours="${rates[this service]}"
    awk -v ceiling="$ceiling" -v ours="$ours" -v limit="$limit" -v connections="$connections" \
      'BEGIN { printf "concurrency %d: ceiling for any HTTP server here %.0f images/s (%.0f%% of in-process); this service %.0f images/s (%.0f%% of the ceiling, %.0f%% of in-process); in-process %.0f images/s\n",
        connections, ceiling, 100 * ceiling / limit, ours, 100 * ours / ceiling, 100 * ours / limit, limit }'
    alone="${rates[Kestrel and the encoder alone]}"
    awk -v ceiling="$ceiling" -v ours="$ours" -v alone="$alone" \
      'BEGIN { printf "  the encoder alone in Kestrel %.0f%% of the ceiling; this service %.0f%% of the encoder alone in Kestrel\n", 100 * alone / ceiling, 100 * ours / alone }'
    unset rates
  done
done

#!/usr/bin/env bash
# Open Inference Protocol benchmark (run by hand; not part of the tests): images/s of
# POST /v2/models/mnist-encoder/infer with binary tensors of 64 t10k digits per request, as Triton's Python client
# sends them (JSON header, then little-endian FP32; Inference-Header-Content-Length; binary output), beside the
# encoder alone in-process on batches of 64 (bench/Pipeline), measured on the same machine in the same run.
# Needs wrk (apt-get install wrk) and python3. Usage: bench/open-inference.sh [seconds per run (10)] [runs (3)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
runs="${2:-3}"
port="${BENCH_PORT:-5093}"
base="http://127.0.0.1:${port}"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
batch=64
command -v wrk >/dev/null || { echo "bench/open-inference.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/Pipeline -c Release -v quiet -nologo >/dev/null
if curl -s -o /dev/null "$base/health/live"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi

# The request body, built as tritonclient.http builds it; prints the JSON header's length.
header_length="$(python3 - "$t10k" "$batch" "$work/request.bin" <<'EOF'
import gzip, json, struct, sys
path, batch, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
data = gzip.open(path).read()
rows, cols = struct.unpack(">II", data[8:16])
pixels = data[16:16 + batch * rows * cols]
binary = struct.pack("<%df" % len(pixels), *[value / 255 for value in pixels])
header = json.dumps({
    "inputs": [{"name": "image", "shape": [batch, 1, rows, cols], "datatype": "FP32", "parameters": {"binary_data_size": len(binary)}}],
    "parameters": {"binary_data_output": True},
}).encode()
open(out, "wb").write(header + binary)
print(len(header))
EOF
)"

ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/server.log" 2>&1 &
server=$!
until curl -sf "$base/health/ready" >/dev/null 2>&1; do
  kill -0 "$server" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.01
done

# One response checked by hand: 200, binary, 64 x 20 latents.
curl -sf -D "$work/headers" -o "$work/response.bin" -H "Inference-Header-Content-Length: $header_length" --data-binary @"$work/request.bin" \
  "$base/v2/models/mnist-encoder/infer"
json_length="$(awk 'tolower($1) == "inference-header-content-length:" { print $2 + 0 }' "$work/headers")"
echo "response: $(head -c "$json_length" "$work/response.bin"), then $(( $(stat -c %s "$work/response.bin") - json_length )) bytes"

infer() { # CONNECTIONS SECONDS
  BENCH_PATH=/v2/models/mnist-encoder/infer BENCH_TYPE="" BENCH_BODY="$work/request.bin" BENCH_HEADER="Inference-Header-Content-Length: $header_length" \
    wrk -t2 -c"$1" -d"$2s" --timeout 10s -s bench/wrk/request.lua "$base" | grep '^RESULT'
}
infer 8 3 >/dev/null # warm-up: the runtime compiles hot code again, optimised, in its first seconds

for run in $(seq "$runs"); do
  echo "== run $run ($(nproc) cores)"
  in_process="$(dotnet bench/Pipeline/bin/Release/net10.0/pipeline-bench.dll models/mnist "$t10k" "$seconds" encoder "$batch")"
  echo "$in_process"
  limit="$(tail -1 <<<"$in_process" | awk '{ print $2 }')"
  for connections in 4 16; do
    line="$(infer "$connections" "$seconds")"
    rps="$(sed 's/.* rps=\([0-9.]*\).*/\1/' <<<"$line")"
    echo "binary infer, $batch images a request, concurrency $connections: ${line#RESULT }"
    awk -v rps="$rps" -v batch="$batch" -v limit="$limit" \
      'BEGIN { printf "  %.0f images/s, %.0f%% of the in-process encoder on every core (%.0f images/s)\n", rps * batch, 100 * rps * batch / limit, limit }'
  done
done

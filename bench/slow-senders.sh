#!/usr/bin/env bash
# Slow senders benchmark (run by hand; not part of the tests): for each kind of inference request (small upload, large
# upload, bulk IDX, protocol JSON, protocol binary), STALLED connections send its headers, declaring a large body, and 4
# bytes of it, then nothing (or, with "trickle", a byte a second), and are reopened as the server answers or closes
# them; meanwhile valid requests of every kind are timed one at a time. Prints each valid kind's median and worst time,
# the service's peak RSS and peak memory held for request bodies, and how the slow senders were ended.
# Usage: bench/slow-senders.sh [stalled per kind (256)] [valid requests per kind (40)] [idle|trickle] [seconds per kind (15)]
# BENCH_API_DLL runs another build of the service (an older commit's, say) in its place.
set -euo pipefail
cd "$(dirname "$0")/.."
stalled="${1:-256}"
valid="${2:-40}"
mode="${3:-idle}"
seconds="${4:-15}"
port="${BENCH_PORT:-5093}"
base="http://127.0.0.1:${port}"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/SlowSenders -c Release -v quiet -nologo >/dev/null
api="${BENCH_API_DLL:-$PWD/src/Api/bin/Release/net10.0/Autoencoder.Api.dll}"
if curl -s -o /dev/null "$base"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi

ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" Serilog__MinimumLevel__Default=Warning \
  dotnet "$api" --contentRoot "$(dirname "$api")" >"$work/server.log" 2>&1 &
server=$!
wait_ready "$base" "$server" "$work/server.log"

echo "service: $api"
dotnet bench/SlowSenders/bin/Release/net10.0/slow-senders.dll "$base" "$server" "$t10k" samples/digit-0-label-7.png "$stalled" "$valid" "$mode" "$seconds"

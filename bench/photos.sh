#!/usr/bin/env bash
# Photos benchmark (run by hand; not part of the tests). Generates a 4032x3024 quality-90 phone photo of a t10k digit on
# slightly noisy paper (and the same photo in portrait, stored sideways with EXIF orientation 6), then:
#   1. in-process: decode + preprocess time, whole-image ImageSharp (before) against the service's reduced-scale decode;
#   2. over HTTP: /reconstruct of each photo, 5 sequential requests and 8 at once, on a warm Release server;
#   3. photographed digits: mean MSE of reconstructions against the digits, per preprocessing choice (COUNT of each kind);
#   4. the same along each axis of the digit generator (bench/Photos/PhotographedDigits.cs), mean and worst case, before and after,
#      for t10k 0-29 and 5000-5029.
# Usage: bench/photos.sh [COUNT (200)]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-200}"
port="${BENCH_PORT:-5093}"
base="http://127.0.0.1:${port}"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"

source bench/server.sh

if curl -s -o /dev/null "$base/health/live"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi
dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/Photos -c Release -v quiet -nologo >/dev/null
bench=bench/Photos/bin/Release/net10.0/photo-bench.dll

echo "== in-process: decode + preprocess of a phone photo ($(nproc) cores)"
dotnet "$bench" phone models/mnist "$t10k" "$work"

ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/server.log" 2>&1 &
server=$!
wait_ready "$base" "$server" "$work/server.log"

for photo in phone-photo.jpg phone-photo-portrait.jpg; do
  for _ in 1 2 3; do # warm-up
    curl -sf -o /dev/null -H "Content-Type: image/jpeg" --data-binary "@$work/$photo" "$base/reconstruct"
  done
  echo "== /reconstruct $photo: 5 sequential requests (seconds each)"
  for _ in 1 2 3 4 5; do
    curl -sf -o /dev/null -w "%{time_total} " -H "Content-Type: image/jpeg" --data-binary "@$work/$photo" "$base/reconstruct"
  done
  echo
  echo "== /reconstruct $photo: 8 at once (seconds until all are answered)"
  started=$(date +%s%N)
  for _ in 1 2 3 4 5 6 7 8; do
    curl -sf -o /dev/null -H "Content-Type: image/jpeg" --data-binary "@$work/$photo" "$base/reconstruct" &
  done
  wait $(jobs -p | grep -v "^$server$") 2>/dev/null || true
  echo "$(( ($(date +%s%N) - started) / 1000000 )) ms"
done
echo "server RSS: $(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 )) MiB"
stop_server

echo "== photographed digits: $count of each kind"
dotnet "$bench" digits models/mnist "$t10k" "$count"

echo "== photographed digits along each axis of the generator: t10k 0-29 and 5000-5029, before and after"
dotnet "$bench" sweep models/mnist "$t10k" 0:30
dotnet "$bench" sweep models/mnist "$t10k" 5000:30

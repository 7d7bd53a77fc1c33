#!/usr/bin/env bash
# Cost of the novelty score (run by hand; not part of the tests): server CPU seconds per image of POST /score for one
# image answered as JSON, by a model with a scorer (the combined score: reconstruction, then mse, 1 - SSIM, the worst
# 7x7 window and the code's density) against the same model folder copied without its scorer (the reconstruction
# error alone: there is no per-request switch for the scorer), both served by one Release server, in alternating
# rounds of wrk at a fixed connection count. The target: the combined score at most 1.3x the error alone.
# Needs wrk (apt-get install wrk).
# Usage: bench/score-cost.sh MODEL_FOLDER [seconds per round (10)] [rounds (6)] [connections (4)]
#   MODEL_FOLDER: a model whose model.json has a scorer, e.g. novelty-report's --out/8.
set -euo pipefail
cd "$(dirname "$0")/.."
model="${1:?usage: bench/score-cost.sh MODEL_FOLDER [seconds per round] [rounds] [connections]}"
seconds="${2:-10}"
rounds="${3:-6}"
connections="${4:-4}"
port="${BENCH_PORT:-5095}"
base="http://127.0.0.1:${port}"
image="$PWD/samples/digit-0-label-7.png"
command -v wrk >/dev/null || { echo "bench/score-cost.sh needs wrk: apt-get install wrk" >&2; exit 1; }
grep -q '"scorer"' "$model/model.json" || { echo "$model/model.json has no scorer" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
if curl -s -o /dev/null "$base/health/live"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi

# The same ONNX files twice: "scored" as given, "plain" with the scorer taken out of its model.json.
mkdir -p "$work/models"
python3 - "$model" "$work/models" <<'EOF'
import json, shutil, sys
source, models = sys.argv[1], sys.argv[2]
for name, keep in (("scored", True), ("plain", False)):
    shutil.copytree(source, f"{models}/{name}")
    with open(f"{source}/model.json") as file:
        manifest = json.load(file)
    manifest["name"] = name
    if not keep:
        del manifest["scorer"]
    with open(f"{models}/{name}/model.json", "w") as file:
        json.dump(manifest, file)
EOF

ASPNETCORE_URLS="$base" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$work/models" Models__Default=plain \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/server.log" 2>&1 &
server=$!
wait_ready "$base" "$server" "$work/server.log"

# One answer of each, checked by hand: the scored one carries novelty, the plain one does not.
for name in scored plain; do
  echo "$name: $(curl -sf -H 'Content-Type: image/png' -H 'Accept: application/json' --data-binary @"$image" "$base/score?model=$name" | cut -c1-240)"
done

score() { # MODEL SECONDS
  BENCH_PATH="/score?model=$1" BENCH_TYPE=image/png BENCH_BODY="$image" BENCH_ACCEPT=application/json \
    wrk -t2 -c"$connections" -d"$2s" --timeout 10s -s bench/wrk/request.lua "$base" | grep '^RESULT'
}

# Warm-up: the runtime compiles hot code again, optimised, in its first seconds.
score scored 5 >/dev/null
score plain 5 >/dev/null

declare -A cpu=() requests=()
for round in $(seq "$rounds"); do
  echo "== round $round ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
  # Turns in the opposite order every other round, so drift favours neither.
  order=(scored plain)
  if (( round % 2 == 0 )); then order=(plain scored); fi
  for name in "${order[@]}"; do
    before="$(cpu_seconds "$server")"
    line="$(score "$name" "$seconds")"
    after="$(cpu_seconds "$server")"
    count="$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")"
    # Only whole answers count: any other status, or a socket error, would make the cost an image meaningless.
    grep -q "connect_errors=0 read_errors=0 write_errors=0 timeouts=0 server_errors=0 statuses=200=$count\$" <<<"$line" \
      || { echo "$name: not every answer was a 200: $line" >&2; exit 1; }
    used="$(awk -v a="$after" -v b="$before" 'BEGIN { print a - b }')"
    cpu[$name]="$(awk -v total="${cpu[$name]:-0}" -v used="$used" 'BEGIN { print total + used }')"
    requests[$name]=$(( ${requests[$name]:-0} + count ))
    awk -v name="$name" -v used="$used" -v count="$count" -v line="${line#RESULT }" \
      'BEGIN { printf "%-6s %s; server CPU %.3f ms an image\n", name, line, 1000 * used / count }'
  done
done

echo "== all rounds, $connections connections"
for name in scored plain; do
  awk -v name="$name" -v used="${cpu[$name]}" -v count="${requests[$name]}" \
    'BEGIN { printf "%-6s %d images, server CPU %.3f s: %.3f ms an image\n", name, count, used, 1000 * used / count }'
done
awk -v scored="${cpu[scored]}" -v scoredCount="${requests[scored]}" -v plain="${cpu[plain]}" -v plainCount="${requests[plain]}" \
  'BEGIN { ratio = (scored / scoredCount) / (plain / plainCount); printf "combined score / reconstruction error alone: %.2fx CPU an image (target <= 1.3x): %s\n", ratio, ratio <= 1.3 ? "met" : "not met" }'

#!/usr/bin/env bash
# The service beside its peers (run by hand; not part of the tests): one request, a 28x28 digit PNG
# (samples/digit-0-label-7.png) as multipart/form-data in the form field "image", answered with a PNG, sent by wrk at
# 64 connections (2 threads) in turn to
#  - this service: POST /reconstruct on the bundled models (Release, Production, default settings);
#  - bare Kestrel (bench/BareHttp): the same body read whole, about 300 bytes answered, nothing else: the ceiling for
#    any HTTP server on this machine under the same wrk;
#  - the service's work alone in the same bare Kestrel (bench/BareHttp pipeline): the form's file found, the PNG decoded
#    and prepared, encoder and decoder for this one image, the PNG written; no middleware, batching, admission or log
#    line: what the work itself leaves of the ceiling, and so how much of the gap to it is the work's and how much the
#    service's;
#  - a Node.js peer (bench/peers/node): fastify, @fastify/multipart, pngjs and onnxruntime-node on the same ONNX files,
#    one cluster worker a core;
#  - a Python peer (bench/peers/python): FastAPI on uvicorn, one worker a core, the same network in PyTorch with the
#    ONNX files' weights.
# All five run for the whole run; each is checked once (200 and a PNG) and warmed up the same, then they take turns,
# in the opposite order every other round so that drift favours none. Each turn prints requests/s, p50, p99, non-2xx
# answers and the server's CPU time a request (its processes' user + system time from /proc); the end prints the
# medians and each server's requests/s as a share of bare Kestrel's in the same round, the median over rounds: on a
# shared machine the rates move from minute to minute, their ratio within a round much less.
# Needs wrk (apt-get install wrk), Node.js 20 or newer with npm (the Node peer's packages are installed with npm ci on
# first use) and, for python3 or PYTHON, python3-fastapi python3-uvicorn python3-multipart python3-torch python3-onnx
# python3-pil (apt-get install them and libopenblas0-pthread; uvicorn uses python3-uvloop and python3-httptools, its
# "standard" extras, when they are installed).
# Usage: bench/serving.sh [seconds per turn (10)] [rounds (3)] [warm-up seconds (20)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
rounds="${2:-3}"
warm="${3:-20}"
connections=64
port="${BENCH_PORT:-5093}"
for tool in wrk node npm curl; do
  command -v "$tool" >/dev/null || { echo "bench/serving.sh needs $tool (apt-get install wrk nodejs npm curl)" >&2; exit 1; }
done
python=""
for candidate in "${PYTHON:-python3}" /usr/bin/python3; do
  if "$candidate" -c "import fastapi, uvicorn, multipart, torch, onnx, PIL" 2>/dev/null; then python="$candidate"; break; fi
done
[ -n "$python" ] || { echo "bench/serving.sh needs a python3 with FastAPI, uvicorn, python-multipart, PyTorch, onnx and Pillow:" \
  "apt-get install python3-fastapi python3-uvicorn python3-multipart python3-torch python3-onnx python3-pil libopenblas0-pthread" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/BareHttp -c Release -v quiet -nologo >/dev/null
if [ ! -d bench/peers/node/node_modules ]; then
  # onnxruntime-node bundles its CPU binaries; its install script would fetch the CUDA ones too.
  (cd bench/peers/node && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >/dev/null)
fi

# The body wrk sends, built as a browser's form upload is.
boundary="$form_boundary"
write_digit_form "$work/body"
echo "peers: node $(node --version), onnxruntime-node $(node -p 'require("./bench/peers/node/node_modules/onnxruntime-node/package.json").version');" \
  "$("$python" -c 'import importlib.util as u, sys, torch, uvicorn
print(f"python {sys.version.split()[0]}, torch {torch.__version__}, uvicorn {uvicorn.__version__} with",
      " and ".join(m for m in ("uvloop", "httptools") if u.find_spec(m)) or "asyncio and h11")')"

# NAME|LABEL|BASE URL|PATH|PID, in the order of round 1.
targets=()
start() { # NAME LABEL PORT PATH COMMAND...
  local base="http://127.0.0.1:$3"
  if curl -s -o /dev/null "$base"; then echo "something already answers on $base; stop it first" >&2; exit 1; fi
  "${@:5}" >"$work/$1.log" 2>&1 &
  server+=" $!"
  targets+=("$1|$2|$base|$4|$!")
}
start service "this service" "$port" /reconstruct env ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production \
  Models__Directory="$PWD/models" dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0"
# 165 bytes after its JSON header make bare Kestrel's answer 308 bytes, about a reconstructed digit's PNG (323 bytes).
start bare "bare Kestrel (ceiling)" "$((port + 1))" /v2/models/bare/infer env ASPNETCORE_URLS="http://127.0.0.1:$((port + 1))" \
  dotnet bench/BareHttp/bin/Release/net10.0/bare-http.dll large 165
start work "Kestrel and the service's work alone" "$((port + 4))" /reconstruct env ASPNETCORE_URLS="http://127.0.0.1:$((port + 4))" \
  dotnet bench/BareHttp/bin/Release/net10.0/bare-http.dll pipeline "$PWD/models/mnist"
start node "Node.js: fastify, onnxruntime-node, $(nproc) workers" "$((port + 2))" /reconstruct \
  node bench/peers/node/server.js "$((port + 2))" "$(nproc)" models/mnist
start python "Python: FastAPI, PyTorch, $(nproc) uvicorn workers" "$((port + 3))" /reconstruct \
  "$python" bench/peers/python/server.py "$((port + 3))" "$(nproc)" models/mnist

# Ready once each answers HTTP at all (the service: once its models are loaded and warmed up).
for target in "${targets[@]}"; do
  IFS='|' read -r name label base path pid <<<"$target"
  for (( tries = 0; ; tries++ )); do
    if [ "$name" = service ]; then curl -sf -o /dev/null "$base/health/ready" && break; else curl -s -o /dev/null "$base" && break; fi
    if ! kill -0 "$pid" 2>/dev/null || (( tries > 1200 )); then echo "$label did not start:" >&2; cat "$work/$name.log" >&2; exit 1; fi
    sleep 0.1
  done
done

# Each answers the very request wrk will send once, checked by hand: 200, and a PNG (bare Kestrel: 200 and its bytes).
for target in "${targets[@]}"; do
  IFS='|' read -r name label base path pid <<<"$target"
  status="$(curl -s -o "$work/answer" -w '%{http_code} %{content_type}' -H "Content-Type: multipart/form-data; boundary=$boundary" \
    -H "Accept: image/png" --data-binary @"$work/body" "$base$path")"
  size="$(stat -c %s "$work/answer")"
  if [ "$name" = bare ]; then
    [ "${status%% *}" = 200 ] || { echo "$label answered $status, not 200" >&2; exit 1; }
    echo "checked: $label answered $status, $size bytes"
    continue
  fi
  signature="$(head -c 8 "$work/answer" | od -An -tx1 | tr -d ' \n')"
  if [ "${status%% *}" != 200 ] || [ "$signature" != 89504e470d0a1a0a ]; then
    echo "$label did not answer 200 with a PNG: $status, $size bytes starting $signature" >&2
    head -c 300 "$work/answer" >&2; echo >&2; exit 1
  fi
  echo "checked: $label answered $status, a $size-byte PNG"
done

turn() { # BASE PATH SECONDS: wrk's RESULT line
  BENCH_PATH="$2" BENCH_TYPE="multipart/form-data; boundary=$boundary" BENCH_BODY="$work/body" BENCH_ACCEPT=image/png \
    wrk -t2 -c"$connections" -d"$3s" --timeout 10s --latency -s bench/wrk/request.lua "$1" | grep '^RESULT'
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

echo "== warm-up: $warm s each at $connections connections"
for target in "${targets[@]}"; do
  IFS='|' read -r name label base path pid <<<"$target"
  turn "$base" "$path" "$warm" >/dev/null
done

declare -A rps p50 p99 cpu
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
for round in $(seq "$rounds"); do
  echo "== round $round (load average $(cut -d' ' -f1 /proc/loadavg))"
  order=("${targets[@]}")
  if (( round % 2 == 0 )); then
    order=()
    for (( i = ${#targets[@]} - 1; i >= 0; i-- )); do order+=("${targets[i]}"); done
  fi
  for target in "${order[@]}"; do
    IFS='|' read -r name label base path pid <<<"$target"
    before="$(cpu_seconds "$pid")"
    line="$(turn "$base" "$path" "$seconds")"
    after="$(cpu_seconds "$pid")"
    requests="$(field requests "$line")"
    # Every answer that is not 2xx, and every socket error, counts against the turn.
    failed="$(awk -v statuses="$(field statuses "$line")" 'BEGIN {
      n = split(statuses, parts, ","); for (i = 1; i <= n; i++) { split(parts[i], kv, "="); if (kv[1] !~ /^2/) bad += kv[2] } print bad + 0 }')"
    sockets=$(( $(field connect_errors "$line") + $(field read_errors "$line") + $(field write_errors "$line") + $(field timeouts "$line") ))
    rps[$name,$round]="$(field rps "$line")"
    p50[$name,$round]="$(field p50_ms "$line")"
    p99[$name,$round]="$(field p99_ms "$line")"
    cpu[$name,$round]="$(awk -v a="$after" -v b="$before" -v n="$requests" 'BEGIN { printf "%.1f", n ? 1e6 * (a - b) / n : 0 }')"
    printf '%-46s %9.0f requests/s  p50 %6.2f ms  p99 %6.2f ms  non-2xx %d  socket errors %d  CPU %6.1f µs a request\n' \
      "$label" "${rps[$name,$round]}" "${p50[$name,$round]}" "${p99[$name,$round]}" "$failed" "$sockets" "${cpu[$name,$round]}"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { tr ' ' '\n' <<<"$*" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "== medians over $rounds rounds; % of bare: the median of each round's requests/s over bare Kestrel's in that round"
printf '| server | requests/s (rounds) | p50 / p99 | CPU a request | %% of bare |\n| --- | --- | --- | --- | --- |\n'
for target in "${targets[@]}"; do
  IFS='|' read -r name label base path pid <<<"$target"
  rates=() p50s=() p99s=() cpus=() shares=()
  for round in $(seq "$rounds"); do
    rates+=("${rps[$name,$round]}")
    p50s+=("${p50[$name,$round]}")
    p99s+=("${p99[$name,$round]}")
    cpus+=("${cpu[$name,$round]}")
    shares+=("$(awk -v a="${rps[$name,$round]}" -v b="${rps[bare,$round]}" 'BEGIN { print 100 * a / b }')")
  done
  printf '| %s | %s (%s) | %.2f / %.2f ms | %.0f µs | %.1f%% |\n' "$label" \
    "$(printf '%.0f' "$(median "${rates[@]}")")" "$(printf '%.0f\n' "${rates[@]}" | paste -sd' ' | sed 's/ /, /g')" \
    "$(median "${p50s[@]}")" "$(median "${p99s[@]}")" "$(median "${cpus[@]}")" "$(median "${shares[@]}")"
done

#!/usr/bin/env bash
# Two builds of the service side by side (run by hand; not part of the tests): another commit's build (BEFORE, the path
# of its Autoencoder.Api.dll) and this checkout's, started together and driven in turn, in alternating order, with the
# same wrk requests: a digit's PNG to /reconstruct as multipart/form-data (as browsers and Swagger UI send it) at
# concurrency 64, and the Open Inference Protocol's binary request of 64 t10k digits at concurrency 16, each warmed up
# at that load first. Prints requests/s, p50 and p99 and the server's CPU time a request for each.
# BEFORE_DLL "same" compares settings on this checkout's build instead: BENCH_BEFORE_ENV and BENCH_AFTER_ENV
# ("NAME=value ...") go into the two services' environments, e.g. BENCH_AFTER_ENV="Batching__Enabled=false".
# Needs wrk (apt-get install wrk).
# Usage: bench/compare-builds.sh BEFORE_DLL|same [seconds per run (10)] [runs (3)] [warm-up seconds (10)]
#   e.g. git worktree add /tmp/before HEAD~3 && (cd /tmp/before && dotnet build src/Api -c Release)
#        bench/compare-builds.sh /tmp/before/src/Api/bin/Release/net10.0/Autoencoder.Api.dll
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 && ( -f "$1" || "$1" == same ) ]] || { echo "usage: $0 BEFORE_DLL|same [seconds per run] [runs] [warm-up seconds]" >&2; exit 2; }
seconds="${2:-10}"
runs="${3:-3}"
warm="${4:-10}"
port="${BENCH_PORT:-5093}"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
command -v wrk >/dev/null || { echo "bench/compare-builds.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
after_dll="$PWD/src/Api/bin/Release/net10.0/Autoencoder.Api.dll"
if [[ "$1" == same ]]; then before_dll="$after_dll"; else before_dll="$(realpath "$1")"; fi
boundary="$form_boundary"
write_digit_form "$work/form"

header_length="$(python3 - "$t10k" "$work/request.bin" <<'PY'
import gzip, json, struct, sys
path, out = sys.argv[1], sys.argv[2]
data = gzip.open(path).read()
rows, cols = struct.unpack(">II", data[8:16])
pixels = data[16:16 + 64 * rows * cols]
binary = struct.pack("<%df" % len(pixels), *[value / 255 for value in pixels])
header = json.dumps({
    "inputs": [{"name": "image", "shape": [64, 1, rows, cols], "datatype": "FP32", "parameters": {"binary_data_size": len(binary)}}],
    "parameters": {"binary_data_output": True},
}).encode()
open(out, "wb").write(header + binary)
print(len(header))
PY
)"

targets=()
for build in "before|$before_dll|$port|${BENCH_BEFORE_ENV:-}" "after|$after_dll|$((port + 1))|${BENCH_AFTER_ENV:-}"; do
  IFS='|' read -r name dll build_port settings <<<"$build"
  # shellcheck disable=SC2086 # the settings are words on purpose
  [ -z "$settings" ] || echo "$name: $settings"
  url="http://127.0.0.1:$build_port"
  if curl -s -o /dev/null "$url"; then echo "something already answers on $url; stop it first" >&2; exit 1; fi
  env ASPNETCORE_URLS="$url" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" Grpc__Port="$((build_port + 1000))" $settings \
    dotnet "$dll" --contentRoot "$(dirname "$dll")" >"$work/$name.log" 2>&1 &
  server+=" $!"
  targets+=("$name|$url|$!")
done
for target in "${targets[@]}"; do
  IFS='|' read -r name url pid <<<"$target"
  wait_ready "$url" "$pid" "$work/$name.log"
done

drive() { # NAME URL PID WHAT CONNECTIONS
  local line before after requests
  before="$(cpu_seconds "$3")"
  if [[ "$4" == reconstruct ]]; then
    line="$(BENCH_PATH=/reconstruct BENCH_TYPE="multipart/form-data; boundary=$boundary" BENCH_BODY="$work/form" BENCH_ACCEPT=image/png \
      wrk -t2 -c"$5" -d"${seconds}s" --timeout 10s --latency -s bench/wrk/request.lua "$2" | grep '^RESULT')"
  else
    line="$(BENCH_PATH=/v2/models/mnist-encoder/infer BENCH_TYPE="" BENCH_BODY="$work/request.bin" BENCH_HEADER="Inference-Header-Content-Length: $header_length" \
      wrk -t2 -c"$5" -d"${seconds}s" --timeout 10s --latency -s bench/wrk/request.lua "$2" | grep '^RESULT')"
  fi
  after="$(cpu_seconds "$3")"
  requests="$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")"
  printf '%-6s %-12s c=%-3s %s cpu_ms_per_request=%s\n' "$1" "$4" "$5" "${line#RESULT }" \
    "$(awk -v a="$after" -v b="$before" -v n="$requests" 'BEGIN { printf "%.3f", 1000 * (a - b) / n }')"
}

for target in "${targets[@]}"; do # warm-up
  IFS='|' read -r name url pid <<<"$target"
  seconds="$warm" drive "$name" "$url" "$pid" reconstruct 64 >/dev/null
  seconds="$warm" drive "$name" "$url" "$pid" infer 16 >/dev/null
done

for run in $(seq "$runs"); do
  echo "== run $run ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
  order=("${targets[@]}")
  (( run % 2 == 0 )) && order=("${targets[1]}" "${targets[0]}")
  for what in "reconstruct 64" "infer 16"; do
    for target in "${order[@]}"; do
      IFS='|' read -r name url pid <<<"$target"
      drive "$name" "$url" "$pid" $what
    done
  done
done

# What each kept of memory: resident now, and the most it held over the run.
for target in "${targets[@]}"; do
  IFS='|' read -r name url pid <<<"$target"
  awk -v name="$name" '/^VmRSS|^VmHWM/ { kb[$1] = $2 } END { printf "%-6s resident %.0f MiB at the end, %.0f MiB at most\n", name, kb["VmRSS:"] / 1024, kb["VmHWM:"] / 1024 }' "/proc/$pid/status"
done

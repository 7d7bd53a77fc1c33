#!/usr/bin/env bash
# Builds the CPU image from the Dockerfile and runs it as an operator would, then checks it:
#   - the image holds neither ONNX Runtime's CUDA/TensorRT providers, nor Windows or macOS native libraries,
#     nor TorchSharp/libtorch; reports its size;
#   - it starts with a read-only root filesystem (a tmpfs on /tmp), port 8080 published on 127.0.0.1, and
#     /health/ready answers 200; reports the time from start to ready and the RSS at rest;
#   - POST /reconstruct answers a PNG, POST /interpolate a JSON with one frame per step;
#   - the gRPC port (8081, published on PORT+2) answers ServerReady and a ModelInfer, called with Python's grpcio
#     (python3-grpcio and python3-grpc-tools; skipped, saying so, without them);
#   - the process runs as a non-root user and cannot write to its root filesystem;
#   - with wrk installed, 10 s of /reconstruct load: requests/s, peak RSS and CPU cores used;
#   - SIGTERM stops it within HostOptions:ShutdownTimeout (30 s) with exit code 0;
#   - the same (ready, a reconstruction, non-root, SIGTERM) for docker/compose.yaml, if a compose tool is there.
# It exits non-zero at the first check that fails. Everything it starts it removes.
#
# Usage: docker/check.sh [--local-base] [--no-compose]
#   --local-base   build on local stand-ins for the .NET base images (docker/base-images.sh), for a machine
#                  that cannot pull from a container registry
# ENGINE=podman (default when installed: buildah builds, podman runs) or ENGINE=docker. PORT (default 18080;
# compose uses PORT+1). On Debian 12: apt-get install podman buildah runc podman-compose (and debootstrap for
# --local-base); run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

local_base=false
compose=true
for argument in "$@"; do
  case "$argument" in
    --local-base) local_base=true ;;
    --no-compose) compose=false ;;
    *) echo "unknown argument: $argument" >&2; exit 2 ;;
  esac
done

engine="${ENGINE:-$(command -v podman >/dev/null && echo podman || echo docker)}"
engine_cmd=("$engine")
# runc where it is installed: podman's other runtime, crun, is not always usable in nested containers.
[[ "$engine" == podman ]] && command -v runc >/dev/null && engine_cmd=(podman --runtime runc)
port="${PORT:-18080}"
compose_port=$((port + 1))
grpc_port=$((port + 2))
image="localhost/autoencoder:check"
container="autoencoder-check"
compose_project="autoencoder-check"
shutdown_timeout=30
work="$(mktemp -d)"

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

if [[ "$engine" == podman && -z "${CONTAINERS_CONF:-}" ]]; then
  # Podman asks runc to raise RLIMIT_NOFILE for every container; some hosts (sandboxes, nested containers)
  # refuse, and the container never starts. No default limits: the container inherits podman's own.
  printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
  export CONTAINERS_CONF="$work/containers.conf"
fi

cleanup() {
  "${engine_cmd[@]}" rm -f "$container" >/dev/null 2>&1 || true
  if [[ -n "${compose_tool:-}" ]]; then
    $compose_tool -p "$compose_project" -f docker/compose.yaml down >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

base_args=()
if $local_base; then
  step "stand-in base images"
  read -r -a base_args <<<"$(docker/base-images.sh)"
fi

step "build $image (target cpu)"
build_started=$(date +%s)
if [[ "$engine" == podman ]]; then
  # chroot isolation builds where nested namespaces are not allowed; the host's CA certificates let restore reach
  # NuGet through a TLS-inspecting proxy (the image itself gets none of them).
  buildah bud --isolation chroot --layers -v /etc/ssl/certs:/etc/ssl/certs:ro "${base_args[@]}" \
    --target cpu -t "$image" . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "image build"; }
else
  docker build "${base_args[@]}" --target cpu -t "$image" . >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log"; fail "image build"; }
fi
echo "built in $(( $(date +%s) - build_started )) s"

step "image contents"
image_bytes=$("${engine_cmd[@]}" image inspect -f '{{.Size}}' "$image")
"${engine_cmd[@]}" run --rm --user 0 --entrypoint sh "$image" -c 'find / -xdev \( -path /proc -o -path /sys \) -prune -o -type f -print' >"$work/files.txt"
unwanted=$(grep -E 'libonnxruntime_providers_(cuda|tensorrt)\.so|onnxruntime[^/]*\.dll$|\.dylib$|/runtimes/(win|osx)|TorchSharp|libtorch|libLibTorchSharp' "$work/files.txt" || true)
[[ -z "$unwanted" ]] || fail "the CPU image carries what it must not: $unwanted"
app_bytes=$("${engine_cmd[@]}" run --rm --user 0 --entrypoint du "$image" -sb /app | cut -f1)
printf 'image size %d MB (the application and models: %d MB)\n' $((image_bytes / 1000000)) $((app_bytes / 1000000))

step "run read-only, as the image's user, on 127.0.0.1:$port"
run_args=(--read-only --tmpfs /tmp:rw,size=256m,mode=1777 -p "127.0.0.1:$port:8080" -p "127.0.0.1:$grpc_port:8081")
started=$(date +%s%N)
"${engine_cmd[@]}" run -d --name "$container" "${run_args[@]}" "$image" >/dev/null
base="http://127.0.0.1:$port"

wait_ready() { # URL CONTAINER -> prints milliseconds from $started to the first 200
  for _ in $(seq 1 1200); do
    if curl -sf -o /dev/null "$1/health/ready"; then
      echo $(( ($(date +%s%N) - started) / 1000000 ))
      return 0
    fi
    [[ "$("${engine_cmd[@]}" inspect -f '{{.State.Running}}' "$2")" == true ]] || { "${engine_cmd[@]}" logs "$2" | tail -n 20 >&2; return 1; }
    sleep 0.05
  done
  return 1
}
ready_ms=$(wait_ready "$base" "$container") || fail "/health/ready never answered 200"
pid=$("${engine_cmd[@]}" inspect -f '{{.State.Pid}}' "$container")
sleep 2
rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
printf 'ready %d ms after start; RSS at rest %d MiB\n' "$ready_ms" $((rss_kb / 1024))

step "requests"
check_reconstruct() { # BASE
  local status
  status=$(curl -s -o "$work/reconstruction.png" -w '%{http_code} %{content_type}' -F image=@samples/digit-0-label-7.png "$1/reconstruct")
  [[ "$status" == "200 image/png" ]] || fail "POST /reconstruct answered $status"
  [[ "$(head -c 8 "$work/reconstruction.png" | od -An -tx1 | tr -d ' \n')" == 89504e470d0a1a0a ]] || fail "POST /reconstruct did not answer a PNG"
  echo "POST /reconstruct: 200 image/png, $(stat -c %s "$work/reconstruction.png") bytes"
}
check_reconstruct "$base"
status=$(curl -s -o "$work/interpolation.json" -w '%{http_code} %{content_type}' -H 'Accept: application/json' \
  -F first=@samples/digit-0-label-7.png -F second=@samples/digit-1-label-2.png "$base/interpolate?steps=6")
[[ "$status" == "200 application/json"* ]] || fail "POST /interpolate answered $status"
frames=$(grep -o '"frames":\[[^]]*\]' "$work/interpolation.json" | grep -o '"iVBOR' | wc -l)
[[ "$frames" -eq 6 ]] || fail "POST /interpolate?steps=6 gave $frames frames"
echo "POST /interpolate?steps=6: 200 application/json, 6 frames"
python=/usr/bin/python3
[[ -x "$python" ]] || python=python3
if "$python" -c 'import grpc, grpc_tools' 2>/dev/null; then
  "$python" -m grpc_tools.protoc -Isrc/Api/OpenInference/Grpc --python_out="$work" --grpc_python_out="$work" inference.proto
  PYTHONPATH="$work" "$python" - "$grpc_port" <<'EOF' || fail "the gRPC port did not answer"
import struct, sys, grpc, inference_pb2 as pb, inference_pb2_grpc as rpc
stub = rpc.GRPCInferenceServiceStub(grpc.insecure_channel("127.0.0.1:" + sys.argv[1]))
assert stub.ServerReady(pb.ServerReadyRequest(), timeout=10).ready
request = pb.ModelInferRequest(model_name="mnist-decoder")
request.inputs.add(name="latent", datatype="FP32", shape=[1, 20])
request.raw_input_contents.append(struct.pack("<20f", *[0.0] * 20))
shape = list(stub.ModelInfer(request, timeout=10).outputs[0].shape)
assert shape == [1, 1, 28, 28], shape
print("gRPC on 8081: ServerReady true, ModelInfer mnist-decoder gives", shape)
EOF
else
  echo "gRPC: not checked (python3-grpcio and python3-grpc-tools are not installed)"
fi
# Read the whole page first: grep -q stops at its match, and curl, cut off mid-write, would fail the pipeline.
metrics="$(curl -sf "$base/metrics")"
grep -q '^autoencoder_model_info{model="mnist",provider="CPUExecutionProvider"} 1' <<<"$metrics" \
  || fail "GET /metrics lacks autoencoder_model_info for mnist on CPU"
echo "GET /metrics: autoencoder_model_info present"

step "user and filesystem"
check_user() { # PID
  local uid
  uid=$(awk '/^Uid/ { print $2 }' "/proc/$1/status")
  [[ "$uid" -ne 0 ]] || fail "the service runs as root"
  echo "the service runs as uid $uid"
}
check_user "$pid"
if "${engine_cmd[@]}" exec "$container" sh -c 'echo x > /app/probe' 2>/dev/null; then fail "the root filesystem is writable"; fi
"${engine_cmd[@]}" exec "$container" sh -c 'echo x > /tmp/probe && rm /tmp/probe' || fail "/tmp is not writable"
echo "root filesystem read-only; /tmp writable (tmpfs)"

if command -v wrk >/dev/null; then
  step "10 s of load: POST /reconstruct, raw PNG body, 32 connections"
  cat >"$work/reconstruct.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "image/png"
local f = io.open("samples/digit-0-label-7.png", "rb"); wrk.body = f:read("*a"); f:close()
EOF
  ticks=$(getconf CLK_TCK)
  cpu_before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  wrk -t2 -c32 -d10s --timeout 10s -s "$work/reconstruct.lua" "$base/reconstruct" >"$work/wrk.txt"
  cpu_after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
  hwm_kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
  grep -E 'Requests/sec|Non-2xx|Socket errors' "$work/wrk.txt" || true
  awk -v used="$((cpu_after - cpu_before))" -v ticks="$ticks" -v hwm="$hwm_kb" -v cores="$(nproc)" \
    'BEGIN { printf "CPU used %.2f cores of %d; peak RSS %d MiB\n", used / ticks / 10, cores, hwm / 1024 }'
  ! grep -q 'Non-2xx' "$work/wrk.txt" || fail "errors under load"
fi

stop_and_check() { # CONTAINER STOP-COMMAND...
  local name=$1 stop_started exit_code seconds
  shift
  stop_started=$(date +%s%N)
  "$@" >/dev/null
  timeout $((shutdown_timeout + 5)) "${engine_cmd[@]}" wait "$name" >/dev/null || fail "$name did not stop within $((shutdown_timeout + 5)) s of SIGTERM"
  seconds=$(( ($(date +%s%N) - stop_started) / 1000000 ))
  exit_code=$("${engine_cmd[@]}" inspect -f '{{.State.ExitCode}}' "$name")
  [[ "$exit_code" -eq 0 ]] || { "${engine_cmd[@]}" logs "$name" | tail -n 20 >&2; fail "$name exited $exit_code after SIGTERM"; }
  [[ "$seconds" -le $((shutdown_timeout * 1000)) ]] || fail "$name took $seconds ms to stop"
  echo "SIGTERM: stopped in $seconds ms, exit code 0"
}
step "SIGTERM"
stop_and_check "$container" "${engine_cmd[@]}" kill --signal TERM "$container"

if $compose; then
  if [[ "$engine" == podman ]] && command -v podman-compose >/dev/null; then
    # buildah's isolation for a build compose may start (the image is normally there already).
    compose_tool="podman-compose --podman-build-args=--isolation=chroot"
  elif [[ "$engine" == docker ]] && docker compose version >/dev/null 2>&1; then
    compose_tool="docker compose"
  fi
  if [[ -z "${compose_tool:-}" ]]; then
    step "docker/compose.yaml: skipped, no compose tool for $engine"
  else
    step "docker/compose.yaml with ${compose_tool%% *}, the image just built, on 127.0.0.1:$compose_port"
    export AUTOENCODER_IMAGE="$image" AUTOENCODER_PORT="127.0.0.1:$compose_port"
    started=$(date +%s%N)
    $compose_tool -p "$compose_project" -f docker/compose.yaml up -d autoencoder >"$work/compose.log" 2>&1 \
      || { tail -n 20 "$work/compose.log"; fail "compose up"; }
    compose_container=$("${engine_cmd[@]}" ps -a --filter "label=com.docker.compose.project=$compose_project" --format '{{.Names}}' | head -n 1)
    [[ -n "$compose_container" ]] || fail "compose started no container"
    compose_ms=$(wait_ready "http://127.0.0.1:$compose_port" "$compose_container") || fail "compose: /health/ready never answered 200"
    echo "ready $compose_ms ms after compose up"
    check_reconstruct "http://127.0.0.1:$compose_port"
    check_user "$("${engine_cmd[@]}" inspect -f '{{.State.Pid}}' "$compose_container")"
    [[ "$("${engine_cmd[@]}" inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$compose_container")" == true ]] || fail "compose: root filesystem not read-only"
    stop_and_check "$compose_container" $compose_tool -p "$compose_project" -f docker/compose.yaml stop autoencoder
  fi
fi

step "all checks passed"
printf 'image %d MB; ready %d ms after start; RSS at rest %d MiB\n' $((image_bytes / 1000000)) "$ready_ms" $((rss_kb / 1024))

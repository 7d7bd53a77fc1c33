#!/usr/bin/env bash
# Memory-limit benchmark (run by hand as root; not part of the tests): runs the CPU image under the memory limit the
# Kubernetes manifests give the pod (1 GiB, no swap) and fires a mix of maximal valid requests at once:
#   - six POST /generate?count=100000 (the bulk maximum), two as a PNG grid, two as IDX, two as JSON;
#   - three bulk POST /encode and one bulk POST /denoise of a 25,000-image IDX file (19.6 MB);
#   - sixteen Open Inference Protocol decoder batches of 25,000 latents, binary in and out.
# Every answer must be 200, 413, 429 or 503, read to its end; the container must not be OOM-killed and must be ready
# afterwards. Prints each request's status, bytes and seconds, and the container's peak memory against its limit.
#
# Usage: bench/memory-limit.sh [rounds (1)]
# IMAGE: the image to run (default localhost/autoencoder:check, as docker/check.sh --local-base builds it; built here
# the same way when missing, or with BUILD=1 from the checked-out tree). MEMORY: the limit (default 1g, the manifests'). PORT (default 18090).
# Needs podman, runc (and buildah, debootstrap to build); python3 for the requests.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-1}"
image="${IMAGE:-localhost/autoencoder:check}"
memory="${MEMORY:-1g}"
port="${PORT:-18090}"
container="autoencoder-memory-limit"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
work="$(mktemp -d)"
podman=(podman --runtime runc)

if [[ -z "${CONTAINERS_CONF:-}" ]]; then
  # As docker/check.sh: no default rlimits, which some hosts refuse.
  printf '[containers]\ndefault_ulimits = []\n' >"$work/containers.conf"
  export CONTAINERS_CONF="$work/containers.conf"
fi

cleanup() {
  [[ -n "${sampler:-}" ]] && kill "$sampler" 2>/dev/null || true
  "${podman[@]}" rm -f "$container" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [[ "${BUILD:-}" == 1 ]] || ! "${podman[@]}" image exists "$image"; then
  echo "== building $image on local base images (as docker/check.sh --local-base)"
  read -r -a base_args <<<"$(docker/base-images.sh)"
  buildah bud --isolation chroot --layers -v /etc/ssl/certs:/etc/ssl/certs:ro "${base_args[@]}" --target cpu -t "$image" . >"$work/build.log" 2>&1 \
    || { tail -n 40 "$work/build.log"; exit 1; }
fi

"${podman[@]}" rm -f "$container" >/dev/null 2>&1 || true
"${podman[@]}" run -d --name "$container" --memory "$memory" --memory-swap "$memory" --read-only --tmpfs /tmp:rw,size=64m,mode=1777 \
  -e Serilog__MinimumLevel__Default=Warning -p "127.0.0.1:$port:8080" "$image" >/dev/null
base="http://127.0.0.1:$port"
until curl -sf -o /dev/null "$base/health/ready"; do
  [[ "$("${podman[@]}" inspect -f '{{.State.Running}}' "$container")" == true ]] || { "${podman[@]}" logs "$container" | tail -n 20 >&2; exit 1; }
  sleep 0.2
done

# The container's own memory cgroup (v2, or v1's memory controller): its usage is sampled every 50 ms, and the kernel's
# own peak (v2 memory.peak, v1 memory.max_usage_in_bytes) read at the end where it keeps one.
pid=$("${podman[@]}" inspect -f '{{.State.Pid}}' "$container")
if v1=$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup") && [[ -n "$v1" ]]; then
  cgroup="/sys/fs/cgroup/memory$v1" max_file=memory.limit_in_bytes current_file=memory.usage_in_bytes peak_file=memory.max_usage_in_bytes
else
  cgroup="/sys/fs/cgroup$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")" max_file=memory.max current_file=memory.current peak_file=memory.peak
fi
limit=$(cat "$cgroup/$max_file")
rest=$(cat "$cgroup/$current_file")
(
  peak=0
  while :; do
    current=$(cat "$cgroup/$current_file" 2>/dev/null || echo 0)
    ((current > peak)) && peak=$current && echo "$peak" >"$work/peak"
    sleep 0.05
  done
) &
sampler=$!

python3 - "$base" "$t10k" "$rounds" "$work" <<'PYTHON'
import gzip, http.client, json, struct, sys, threading, time, urllib.parse

base, t10k, rounds, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
host = urllib.parse.urlparse(base)
raw = gzip.open(t10k).read()
count = 25_000
pixels = raw[16:]
idx = struct.pack(">IIII", 0x803, count, 28, 28) + (pixels * 3)[: count * 784]
latents = struct.pack("<" + "f" * (count * 20), *[((i * 7919) % 1000) / 250.0 - 2 for i in range(count * 20)])
header = json.dumps({"inputs": [{"name": "latent", "shape": [count, 20], "datatype": "FP32", "parameters": {"binary_data_size": len(latents)}}],
                     "outputs": [{"name": "image", "parameters": {"binary_data": True}}]}).encode()

requests = []
for accept in ["image/png", "application/x-idx", "application/json"]:
    requests += [(f"generate {accept}", "POST", "/generate?count=100000", b"", {"Accept": accept})] * 2
requests += [("encode 25,000", "POST", "/encode", idx, {"Content-Type": "application/x-idx"})] * 3
requests += [("denoise 25,000", "POST", "/denoise", idx, {"Content-Type": "application/x-idx", "Accept": "application/x-idx"})]
requests += [("v2 decoder 25,000", "POST", "/v2/models/mnist-decoder/infer", header + latents,
              {"Content-Type": "application/octet-stream", "Inference-Header-Content-Length": str(len(header))})] * 16

results = []
lock = threading.Lock()

def send(name, method, path, body, headers):
    started = time.time()
    try:
        connection = http.client.HTTPConnection(host.hostname, host.port, timeout=300)
        connection.request(method, path, body=body, headers={**headers, "Content-Length": str(len(body))})
        response = connection.getresponse()
        data = response.read()
        detail = data[:400].decode("utf-8", "replace") if response.status != 200 else ""
        outcome = (name, response.status, len(data), time.time() - started, response.getheader("Retry-After"), detail)
    except Exception as error:  # a dropped connection is a failure of the service, reported as such
        outcome = (name, f"no answer: {error!r}", 0, time.time() - started, None, "")
    with lock:
        results.append(outcome)

for round_number in range(rounds):
    threads = [threading.Thread(target=send, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

failed = False
print(f"{'request':<28} {'status':>6} {'bytes':>12} {'seconds':>8}  retry-after")
details = set()
for name, status, size, seconds, retry, detail in sorted(results, key=lambda r: (r[0], str(r[1]))):
    print(f"{name:<28} {status!s:>6} {size:>12,} {seconds:>8.1f}  {retry or ''}")
    failed |= status not in (200, 413, 429, 503)
    if detail:
        details.add(f"{name}, {status}: {detail}")
for detail in sorted(details):
    print("  " + detail)
summary = {}
for name, status, *_ in results:
    summary.setdefault(name, {}).setdefault(str(status), 0)
    summary[name][str(status)] += 1
print("by request:", json.dumps(summary))
open(f"{work}/failed", "w").write("1" if failed else "0")
PYTHON

kill "$sampler" 2>/dev/null || true
sampler=""
state=$("${podman[@]}" inspect -f '{{.State.Running}} {{.State.OOMKilled}}' "$container")
ready=$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready" || true)
peak=$(cat "$work/peak" 2>/dev/null || echo 0)
kernel_peak=$(cat "$cgroup/$peak_file" 2>/dev/null || echo "")
printf 'limit %d MiB; at rest %d MiB; peak %d MiB (sampled)%s\n' $((limit / 1048576)) $((rest / 1048576)) $((peak / 1048576)) \
  "${kernel_peak:+, $((kernel_peak / 1048576)) MiB ($peak_file)}"
echo "container running, OOM-killed: $state; /health/ready after: $ready"
[[ "$(cat "$work/failed")" == 0 && "$state" == "true false" && "$ready" == 200 ]] || { echo "FAILED" >&2; exit 1; }
echo "PASSED"

#!/usr/bin/env bash
# Model replacement under load (run by hand; not part of the tests). One server in poll control, with a control key,
# serves a scratch copy of models/ where the default model is laid out as versions (mnist/1/). Two clients run at once:
# wrk on POST /reconstruct (one 28x28 digit PNG as multipart/form-data) and a second wrk on the Open Inference
# Protocol's /v2/models/mnist-encoder/infer with binary tensors (built as bench/open-inference.sh builds them). A steady
# run with no replacement, then a run of the same length during which mnist is replaced 50 times, paced evenly, then a
# steady run again (how far the busy machine drifted meanwhile):
#   - 20 times by copying a new version folder in (plain copy into a hidden folder, then one rename), found by polling;
#   - 20 times by the repository's load call right after such a version folder is renamed into place (copied keeping
#     its files' times, so the call does not wait for them to settle);
#   - 10 times by the load call alone: the same version loaded again (new sessions all the same).
# New versions alternate between the bytes of models/mnist and models/mnist-conv, so answers change at each switch.
# Prints each client's requests, non-2xx answers and socket errors, p50/p99 and the server's CPU time a request in each
# run, the time from a version folder's rename to GET /models/mnist naming it, each load call's time, and the server's
# RSS after every replacement. Then, on an idle server in explicit control, each bundled model's load time (load calls)
# and the RSS over 500 more replacements with no traffic. Fails unless every answer was 2xx with no socket error and
# every replacement loaded.
# Needs wrk (apt-get install wrk) and python3.
# Usage: bench/model-swap.sh [seconds per run (130)] [images per protocol request (8)] [protocol connections (8)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-130}"
batch="${2:-8}"
protocol_connections="${3:-8}"
connections=64
replacements=50
port="${BENCH_PORT:-5097}"
base="http://127.0.0.1:${port}"
idle="http://127.0.0.1:$((port + 1))"
t10k="${AUTOENCODER_MNIST:-../shared/data/mnist}/t10k-images-idx3-ubyte.gz"
key="model-swap-bench"
poll_seconds=0.5
command -v wrk >/dev/null || { echo "bench/model-swap.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
for url in "$base" "$idle"; do
  if curl -s -o /dev/null "$url"; then echo "something already answers on $url; stop it first" >&2; exit 1; fi
done

# The served folder: every bundled model as it is, but mnist as version 1 of a versioned model.
mkdir -p "$work/models/mnist"
for folder in models/*/; do
  name="$(basename "$folder")"
  [ "$name" = mnist ] || cp -rp "$folder" "$work/models/$name"
done
cp -rp models/mnist "$work/models/mnist/1"

# The request bodies: one digit as multipart/form-data, and $batch t10k digits as the protocol's binary tensors.
boundary="$form_boundary"
write_digit_form "$work/digit.multipart"
header_length="$(python3 bench/binary_request.py "$t10k" "$batch" "$work/request.bin")"

start_service() { # URL CONTROL FOLDER LOG
  ASPNETCORE_URLS="$1" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$3" Models__Default=mnist \
    Models__Control="$2" Models__ControlKey="$key" Models__PollSeconds="$poll_seconds" \
    dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$4" 2>&1 &
  service=$!
  server+=" $service"
  wait_ready "$1" "$service" "$4"
}

start_service "$base" poll "$work/models" "$work/server.log"
# The server's RSS in KiB. A server that has ended stops the script, with the end of its log.
rss_kb() {
  awk '/^VmRSS/ { print $2 }' "/proc/$service/status" 2>/dev/null && return
  echo "the server has ended; the end of its log:" >&2
  tail -5 "$work/server.log" >&2
  kill -TERM $$
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
served_version() { curl -s "$1/models/mnist" | grep -o '"version":[0-9]*' | cut -d: -f2; }
loads_total() { curl -s "$base/metrics" | awk -v outcome="$1" '$1 == "autoencoder_model_loads_total{model=\"mnist\",outcome=\"" outcome "\"}" { print $2 + 0; found = 1 } END { if (!found) print 0 }'; }
load_call() { # URL MODEL: prints the HTTP status and the seconds the call took
  curl -s -o "$work/load.out" -w '%{http_code} %{time_total}' -X POST -H "Authorization: Bearer $key" "$1/v2/repository/models/$2/load"
}

# One answer of each client checked by hand.
curl -sf -o /dev/null -w "/reconstruct: %{http_code} %{content_type}, %{size_download} bytes\n" \
  -H "Content-Type: multipart/form-data; boundary=$boundary" -H 'Accept: image/png' --data-binary @"$work/digit.multipart" "$base/reconstruct"
curl -sf -D "$work/headers" -o "$work/response.bin" -H "Inference-Header-Content-Length: $header_length" --data-binary @"$work/request.bin" \
  "$base/v2/models/mnist-encoder/infer"
json_length="$(awk 'tolower($1) == "inference-header-content-length:" { print $2 + 0 }' "$work/headers")"
echo "binary infer, $batch images: $(head -c "$json_length" "$work/response.bin"), then $(( $(stat -c %s "$work/response.bin") - json_length )) bytes"

# Both clients at once for SECONDS, in the background; their RESULT lines land in $work/reconstruct.txt and
# $work/infer.txt once wait_clients returns. Usage: clients SECONDS
clients() {
  cpu_started="$(cpu_seconds "$service")"
  BENCH_PATH=/reconstruct BENCH_TYPE="multipart/form-data; boundary=$boundary" BENCH_BODY="$work/digit.multipart" BENCH_ACCEPT=image/png \
    wrk -t2 -c"$connections" -d"$1s" --timeout 10s -s bench/wrk/request.lua "$base" >"$work/reconstruct.txt" &
  load_generators="$!"
  BENCH_PATH=/v2/models/mnist-encoder/infer BENCH_TYPE="" BENCH_BODY="$work/request.bin" BENCH_HEADER="Inference-Header-Content-Length: $header_length" \
    wrk -t1 -c"$protocol_connections" -d"$1s" --timeout 10s -s bench/wrk/request.lua "$base" >"$work/infer.txt" &
  load_generators+=" $!"
  server+=" $load_generators" # stopped with the server if the script ends early
}

wait_clients() {
  local pid
  for pid in $load_generators; do wait "$pid"; done
  date +%s.%N >>"$work/client-stops" # the server logs what wrk cut off as it stopped: see the end
  # The server's CPU milliseconds a request of either client.
  cpu_ms="$(awk -v a="$(cpu_seconds "$service")" -v b="$cpu_started" -v n="$(grep -ho 'RESULT requests=[0-9]*' "$work/reconstruct.txt" "$work/infer.txt" | awk -F= '{ n += $2 } END { print n }')" \
    'BEGIN { printf "%.3f", 1000 * (a - b) / n }')"
  echo "  (load average $(cut -d' ' -f1 /proc/loadavg) as the clients stopped)"
}

# One client's RESULT line as a table row: requests, non-2xx, socket errors, requests/s, p50, p99. Usage: row FILE
row() {
  grep '^RESULT' "$1" | awk '{
    for (i = 2; i <= NF; i++) { name = $i; sub(/=.*/, "", name); value[name] = substr($i, length(name) + 2) }
    n = split(value["statuses"], statuses, ","); ok = 0
    for (i = 1; i <= n; i++) { split(statuses[i], count, "="); if (count[1] >= 200 && count[1] < 300) ok += count[2] }
    printf "%d | %d | %d | %.0f | %.1f | %.1f", value["requests"], value["requests"] - ok,
      value["connect_errors"] + value["read_errors"] + value["write_errors"] + value["timeouts"], value["rps"], value["p50_ms"], value["p99_ms"]
  }'
}

# Median, minimum and maximum of the numbers on standard input.
stats() { sort -n | awk '{ v[NR] = $1 } END { printf "median %s, min %s, max %s (%d)", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[1], v[NR], NR }'; }

# Copies version N of mnist (odd: models/mnist's bytes, even: models/mnist-conv's) into a hidden folder, which
# the service ignores until it is renamed into place. Usage: stage_version N [cp options]
stage_version() {
  local source=models/mnist
  (( $1 % 2 == 0 )) && source=models/mnist-conv
  rm -rf "$work/models/mnist/.incoming"
  cp -r ${2:-} "$source" "$work/models/mnist/.incoming"
}

# Renames the staged version N into place and prints the milliseconds until GET /models/mnist names it, asked every
# 10 ms over one kept-alive connection (a curl process a poll would take more of the two cores than the replacement).
# Usage: rename_and_wait N
rename_and_wait() {
  python3 - "$port" "$work/models/mnist/.incoming" "$work/models/mnist/$1" "$1" <<'EOF'
import http.client, json, os, sys, time
port, staged, target, version = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
def served():
    connection.request("GET", "/models/mnist")
    response = connection.getresponse()
    body = response.read()
    return json.loads(body)["version"] if response.status == 200 else None
served()  # the connection is open before the clock starts
os.rename(staged, target)
renamed = time.monotonic()
while served() != version:
    if time.monotonic() - renamed > 30:
        sys.exit(f"version {version} was not served 30 s after its rename")
    time.sleep(0.01)
print(round((time.monotonic() - renamed) * 1000))
EOF
}

# Warm-up, not reported: the runtime compiles hot code again, optimised, in its first seconds under load.
clients 10
wait_clients
echo "warm-up: reconstruct $(row "$work/reconstruct.txt"); infer $(row "$work/infer.txt")"

# A run of both clients with no replacement; sets steady_reconstruct and steady_infer. Usage: steady LABEL
steady() {
  echo "== steady ($1): ${seconds} s, no replacement ($(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg))"
  clients "$seconds"
  wait_clients
  steady_reconstruct="$(row "$work/reconstruct.txt")"
  steady_infer="$(row "$work/infer.txt")"
  steady_cpu="$cpu_ms"
  echo "  reconstruct $steady_reconstruct; infer $steady_infer; server CPU $cpu_ms ms a request; RSS $(( $(rss_kb) / 1024 )) MiB"
}

steady before
before_reconstruct="$steady_reconstruct"
before_infer="$steady_infer"
before_cpu="$steady_cpu"

echo "== replacing mnist $replacements times in ${seconds} s under the same load (load average $(cut -d' ' -f1 /proc/loadavg))"
loaded_before="$(loads_total loaded)"
failed_before="$(loads_total failed)"
version="$(served_version "$base")"
clients "$seconds"
started="$(now_ms)"
interval=$(( (seconds - 8) * 1000 / replacements )) # the last replacement ends before the clients do
echo "replacement,kind,version,ms,rss_kib" >"$work/replacements.csv"
for i in $(seq "$replacements"); do
  while (( $(now_ms) < started + (i - 1) * interval + 2000 )); do sleep 0.05; done
  if (( i <= 40 && i % 2 == 1 )); then
    # A version folder copied in: the time from the rename until the service answers with that version.
    kind=folder
    version=$(( version + 1 ))
    stage_version "$version"
    ms="$(rename_and_wait "$version")"
  else
    # The load call: after a new version folder, or (the last 10) alone, loading the served version again.
    kind=load-new
    if (( i <= 40 )); then
      version=$(( version + 1 ))
      stage_version "$version" -p
      mv "$work/models/mnist/.incoming" "$work/models/mnist/$version"
    else
      kind=load-same
    fi
    read -r status call_seconds <<<"$(load_call "$base" mnist)"
    [ "$status" = 200 ] || { echo "load call: $status $(cat "$work/load.out")" >&2; exit 1; }
    [ "$(served_version "$base")" = "$version" ] || { echo "the load call answered 200 but version $version does not serve" >&2; exit 1; }
    ms="$(awk -v s="$call_seconds" 'BEGIN { printf "%.0f", s * 1000 }')"
  fi
  echo "$i,$kind,$version,$ms,$(rss_kb)" | tee -a "$work/replacements.csv" | awk -F, '{ printf "  %2d %-9s version %2d  %5d ms  RSS %d MiB\n", $1, $2, $3, $4, $5 / 1024 }'
done
finished="$(now_ms)"
wait_clients
swap_reconstruct="$(row "$work/reconstruct.txt")"
swap_infer="$(row "$work/infer.txt")"
swap_cpu="$cpu_ms"
loaded=$(( $(loads_total loaded) - loaded_before ))
failed=$(( $(loads_total failed) - failed_before ))
echo "  reconstruct $swap_reconstruct; infer $swap_infer"

# The same steady run again: what the replacements left behind, and how far the machine drifted meanwhile.
steady after
rss_rest="$(rss_kb)"

echo "== model load time on an idle server in explicit control (5 load calls each: the files read, new sessions, warm-up, switch)"
stop_server
cp -rp models "$work/idle-models"
start_service "$idle" explicit "$work/idle-models" "$work/idle.log"
load_times=()
for folder in models/*/; do
  name="$(basename "$folder")"
  times=()
  for _ in 1 2 3 4 5; do
    read -r status call_seconds <<<"$(load_call "$idle" "$name")"
    [ "$status" = 200 ] || { echo "load call for $name: $status $(cat "$work/load.out")" >&2; exit 1; }
    times+=("$(awk -v s="$call_seconds" 'BEGIN { printf "%.0f", s * 1000 }')")
  done
  load_times+=("$(printf '%-16s %s ms' "$name:" "$(printf '%s\n' "${times[@]}" | stats)")")
done
# Many more replacements with no traffic: what each one leaves behind shows without the heap that load keeps.
idle_rss=()
for i in $(seq 0 500); do
  (( i % 100 == 0 )) && idle_rss+=("$(( $(rss_kb) / 1024 ))")
  (( i == 500 )) && break
  read -r status _ <<<"$(load_call "$idle" mnist)"
  [ "$status" = 200 ] || { echo "load call for mnist: $status $(cat "$work/load.out")" >&2; exit 1; }
done
stop_server

first_rss="$(awk -F, 'NR == 2 { print $5 }' "$work/replacements.csv")"
last_rss="$(awk -F, 'END { print $5 }' "$work/replacements.csv")"
echo
echo "== summary ($(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores; wrk $connections connections on /reconstruct, $protocol_connections on binary infer of $batch images; Models:PollSeconds $poll_seconds, Models:SettleSeconds 1)"
echo "| run (${seconds} s) | client | requests | non-2xx | socket errors | requests/s | p50 ms | p99 ms |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
echo "| steady, before | /reconstruct | $before_reconstruct |"
echo "| steady, before | binary infer | $before_infer |"
echo "| $replacements replacements | /reconstruct | $swap_reconstruct |"
echo "| $replacements replacements | binary infer | $swap_infer |"
echo "| steady, after | /reconstruct | $steady_reconstruct |"
echo "| steady, after | binary infer | $steady_infer |"
echo
echo "server CPU a request of either client: steady before $before_cpu ms, during replacements $swap_cpu ms, steady after $steady_cpu ms"
echo "replacements took $(( (finished - started) / 1000 )) s of the ${seconds} s run; mnist loads counted by /metrics: $loaded loaded, $failed failed"
p99() { cut -d'|' -f6 <<<"$1"; }
echo "p99 of /reconstruct during replacements / steady before: $(awk -v a="$(p99 "$swap_reconstruct")" -v b="$(p99 "$before_reconstruct")" 'BEGIN { printf "%.2f", a / b }'); / steady after: $(awk -v a="$(p99 "$swap_reconstruct")" -v b="$(p99 "$steady_reconstruct")" 'BEGIN { printf "%.2f", a / b }') (target at most 2)"
echo "rename to served, folder copies: $(awk -F, '$2 == "folder" { print $4 }' "$work/replacements.csv" | stats) ms"
echo "load call after a new version folder: $(awk -F, '$2 == "load-new" { print $4 }' "$work/replacements.csv" | stats) ms"
echo "load call of the served version: $(awk -F, '$2 == "load-same" { print $4 }' "$work/replacements.csv" | stats) ms"
echo "each load call, in order: $(awk -F, '$2 ~ /^load/ { printf "%s%s", sep, $4; sep = " " }' "$work/replacements.csv") ms"
echo "RSS after replacement 1: $(( first_rss / 1024 )) MiB; after $replacements: $(( last_rss / 1024 )) MiB ($(awk -v a="$last_rss" -v b="$first_rss" 'BEGIN { printf "%+.1f", 100 * (a - b) / b }')%, target within 10%); after the steady run that followed: $(( rss_rest / 1024 )) MiB"
echo "RSS over the replacements: $(awk -F, 'NR > 1 { print int($5 / 1024) }' "$work/replacements.csv" | stats) MiB"
echo "RSS of the idle server after 0, 100, ... 500 load calls of mnist: ${idle_rss[*]} MiB"
echo "load call on an idle server, 5 each:"
printf '  %s\n' "${load_times[@]}"
# The server's log of answers that were not 2xx. wrk stops by closing its connections, some mid-request: the service
# logs those (499, or 400 for a body cut short) though no client reads them; they are told apart by time.
grep -E '"StatusCode":[45][0-9]{2}|failed to load' "$work/server.log" >"$work/not-ok.log" || true
python3 - "$work/not-ok.log" "$work/client-stops" <<'EOF'
import collections, datetime, json, sys
stops = [float(line) for line in open(sys.argv[2])]
at_stop, other = collections.Counter(), []
for line in open(sys.argv[1]):
    if not line.startswith("{"):
        continue
    event = json.loads(line)
    status = event.get("StatusCode", 200)
    if status < 400 and "failed to load" not in event.get("@m", ""):
        continue
    when = datetime.datetime.fromisoformat(event["@t"].replace("Z", "+00:00")[:26] + "+00:00").timestamp()
    if any(stop - 1.5 <= when <= stop + 0.5 for stop in stops):
        at_stop[status] += 1
    else:
        other.append(event["@t"] + " " + event["@m"])
print("server log: %d answers not 2xx while the clients ran; as wrk stopped and cut requests off: %s" % (
    len(other), ", ".join("%d x %d" % (count, status) for status, count in sorted(at_stop.items())) or "none"))
for line in other[:5]:
    print("  " + line)
EOF

# Pass: every answer 2xx, no socket error, and every replacement a load that succeeded.
failures="$(for line in "$before_reconstruct" "$before_infer" "$swap_reconstruct" "$swap_infer" "$steady_reconstruct" "$steady_infer"; do
  cut -d'|' -f2,3 <<<"$line"; done | tr '|' '\n' | awk '{ n += $1 } END { print n }')"
verdict=pass
[ "$failures" -eq 0 ] || verdict=fail
[ "$loaded" -eq "$replacements" ] && [ "$failed" -eq 0 ] || verdict=fail
echo "model swap: $verdict"
[ "$verdict" = pass ]

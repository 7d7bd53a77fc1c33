#!/usr/bin/env bash
# What the kernel does for a request (run by hand; not part of the tests): this service's POST /reconstruct (one digit
# PNG as multipart/form-data, as bench/serving.sh sends it) and bare Kestrel (bench/BareHttp) under the same wrk at 64
# connections, one after the other, each warmed up first. For each: requests/s, CPU a request split into user and
# system time, minor page faults a request, voluntary and involuntary context switches a request (all threads), and,
# if strace is installed, system calls a request over a few seconds of the run (strace slows the server while it
# counts, so its window's rate is not the run's).
# Needs wrk (apt-get install wrk); strace optional (apt-get install strace).
# Usage: bench/kernel-share.sh [seconds (10)] [warm-up seconds (10)]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
warm="${2:-10}"
port="${BENCH_PORT:-5097}"
command -v wrk >/dev/null || { echo "bench/kernel-share.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

dotnet build src/Api -c Release -v quiet -nologo >/dev/null
dotnet build bench/BareHttp -c Release -v quiet -nologo >/dev/null
boundary="$form_boundary"
write_digit_form "$work/form"

for url in "http://127.0.0.1:$port" "http://127.0.0.1:$((port + 1))"; do
  if curl -s -o /dev/null "$url"; then echo "something already answers on $url; stop it first" >&2; exit 1; fi
done
env ASPNETCORE_URLS="http://127.0.0.1:$port" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" Grpc__Port="$((port + 1000))" \
  dotnet src/Api/bin/Release/net10.0/Autoencoder.Api.dll --contentRoot "$PWD/src/Api/bin/Release/net10.0" >"$work/service.log" 2>&1 &
service=$!
server+=" $service"
env ASPNETCORE_URLS="http://127.0.0.1:$((port + 1))" dotnet bench/BareHttp/bin/Release/net10.0/bare-http.dll large 165 >"$work/bare.log" 2>&1 &
bare=$!
server+=" $bare"
wait_ready "http://127.0.0.1:$port" "$service" "$work/service.log"
until curl -s -o /dev/null "http://127.0.0.1:$((port + 1))/"; do
  kill -0 "$bare" 2>/dev/null || { cat "$work/bare.log" >&2; exit 1; }
  sleep 0.05
done

# user ticks, system ticks, minor faults (/proc/PID/stat), and the context switches of all its threads.
counters() {
  local stat switches
  stat="$(awk '{ print $14, $15, $10 }' "/proc/$1/stat")"
  switches="$(cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt/ { v += $2 } /^nonvoluntary_ctxt/ { n += $2 } END { print v, n }')"
  echo "$stat $switches"
}

load() { # URL PATH SECONDS
  BENCH_PATH="$2" BENCH_TYPE="multipart/form-data; boundary=$boundary" BENCH_BODY="$work/form" BENCH_ACCEPT=image/png \
    wrk -t2 -c64 -d"$3s" --timeout 10s --latency -s bench/wrk/request.lua "$1" | grep '^RESULT'
}

echo "== $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"
for target in "this service|$service|http://127.0.0.1:$port|/reconstruct" "bare Kestrel|$bare|http://127.0.0.1:$((port + 1))|/v2/models/bare/infer"; do
  IFS='|' read -r name pid url path <<<"$target"
  load "$url" "$path" "$warm" >/dev/null
  before="$(counters "$pid")"
  line="$(load "$url" "$path" "$seconds")"
  after="$(counters "$pid")"
  requests="$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$line")"
  awk -v name="$name" -v a="$after" -v b="$before" -v n="$requests" -v s="$seconds" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    printf "%-14s %6.0f requests/s  user %5.1f µs  system %5.1f µs a request  minor faults %.3f  context switches %.3f voluntary, %.3f involuntary a request\n",
      name, n / s, 1e6 * (x[1] - y[1]) / hz / n, 1e6 * (x[2] - y[2]) / hz / n, (x[3] - y[3]) / n, (x[4] - y[4]) / n, (x[5] - y[5]) / n }'
  if command -v strace >/dev/null; then
    load "$url" "$path" $((seconds + 5)) >/dev/null &
    driver=$!
    sleep 3
    timeout -s INT 5 strace -f -c -p "$pid" -o "$work/strace-$pid" >/dev/null 2>&1 || true
    wait "$driver"
    # A request is one answer sent: system calls a request are each call's count over the sendto count.
    awk -v name="$name" '$1 ~ /^[0-9.]+$/ && $NF != "total" { calls[$NF] = $4 } $NF == "sendto" { sent = $4 }
      END { if (sent) { printf "%-14s system calls a request (strace):", name
        for (c in calls) if (calls[c] / sent >= 0.01) printf " %s %.2f", c, calls[c] / sent; print "" } }' "$work/strace-$pid"
  fi
done

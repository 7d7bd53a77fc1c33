#!/usr/bin/env bash
# Console logging benchmark (run by hand; not part of the tests): the service under the same load with each way of
# writing its log to standard output, one compact JSON line per request as in production. Each sink gets its own
# server, standard output a pipe read by cat into a file (as under a container runtime); all start together and
# are warmed up, then take turns under load, in reverse order every other round, so that the machine's drift and
# other jobs on it fall on every sink alike. Per turn: requests/s of /reconstruct (28x28 PNG in and out) at 64
# connections; the server's CPU seconds (user + system, from /proc) and its reader's per 10,000 requests; the
# server's write calls per 10,000 requests (/proc/PID/io). Then, if strace is installed, write calls counted by
# strace -f -c under a short load (strace slows the server, so its requests/s mean nothing), and at the end request
# lines in each log minus requests answered (below 0: lines lost).
# Sinks: default (what the service does without a Serilog:WriteTo section), console (Serilog's console sink),
# async-console (the console sink behind Serilog.Sinks.Async, as configured by its defaults: 10,000 events queued at
# most, dropping beyond). Only if named: file (Serilog's file sink on /dev/stdout, buffered, flushed every second),
# which cannot open a pipe (it seeks) and so logs nothing here.
# Needs wrk (apt-get install wrk). Usage: bench/logging.sh [seconds a turn (5)] [rounds (10)] [sink ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
rounds="${2:-10}"
shift $(( $# < 2 ? $# : 2 ))
sinks=("$@")
[ ${#sinks[@]} -gt 0 ] || sinks=(default console async-console)
port="${BENCH_PORT:-5100}" # the first sink's server; the others take the ports after it
ticks="$(getconf CLK_TCK)"
command -v wrk >/dev/null || { echo "bench/logging.sh needs wrk: apt-get install wrk" >&2; exit 1; }

source bench/server.sh

# The Serilog:WriteTo settings that select a sink, one NAME=VALUE a line; the formatter is the production default's.
sink_settings() {
  local to=Serilog__WriteTo__0 formatter="Serilog.Formatting.Compact.RenderedCompactJsonFormatter, Serilog.Formatting.Compact"
  case "$1" in
    default) ;;
    console) printf '%s\n' "${to}__Name=Console" "${to}__Args__formatter=$formatter" ;;
    async-console) printf '%s\n' "${to}__Name=Async" "${to}__Args__configure__0__Name=Console" "${to}__Args__configure__0__Args__formatter=$formatter" ;;
    # Without a size limit (an empty value is null): by default the file sink stops writing at 1 GB.
    file) printf '%s\n' "${to}__Name=File" "${to}__Args__path=/dev/stdout" "${to}__Args__buffered=true" "${to}__Args__flushToDiskInterval=00:00:01" \
      "${to}__Args__fileSizeLimitBytes=" "${to}__Args__formatter=$formatter" ;;
    *) echo "unknown sink '$1'; the sinks are default, console, async-console and file" >&2; return 1 ;;
  esac
}
declare -A base pid reader answered
for i in "${!sinks[@]}"; do
  sink="${sinks[i]}"
  sink_settings "$sink" >/dev/null
  base[$sink]="http://127.0.0.1:$(( port + i ))"
  answered[$sink]=0
done

# The service as it is in this tree, with Serilog.Sinks.Async added for the async-console sink (the service does not
# reference it): a copy, built in the scratch folder. Every sink runs this one build.
tar --exclude=bin --exclude=obj -cf - global.json .editorconfig Directory.Build.props Directory.Build.targets Directory.Packages.props \
  build src/Core src/Api | { mkdir "$work/service" && tar -xf - -C "$work/service"; }
dotnet add "$work/service/src/Api" package Serilog.Sinks.Async --version 2.1.0 >/dev/null
dotnet build "$work/service/src/Api" -c Release -v quiet -nologo >/dev/null
api="$work/service/src/Api/bin/Release/net10.0"

start_server() { # SINK
  local settings=()
  if curl -s -o /dev/null "${base[$1]}/health/live"; then echo "something already answers on ${base[$1]}; stop it first" >&2; exit 1; fi
  mapfile -t settings < <(sink_settings "$1")
  mkfifo "$work/$1.stdout"
  cat "$work/$1.stdout" >"$work/$1.log" &
  reader[$1]=$!
  env "${settings[@]}" ASPNETCORE_URLS="${base[$1]}" ASPNETCORE_ENVIRONMENT=Production Models__Directory="$PWD/models" \
    dotnet "$api/Autoencoder.Api.dll" --contentRoot "$api" >"$work/$1.stdout" 2>"$work/$1.stderr" &
  pid[$1]=$!
  server+=" $!"
  wait_ready "${base[$1]}" "${pid[$1]}" "$work/$1.stderr"
}

# wrk with one fixed request at 64 connections on a sink's server; sets requests (answered) and rps, and counts the
# requests for the log check at the end. Usage: reconstruct SINK SECONDS
reconstruct() {
  local result
  result="$(BENCH_PATH=/reconstruct BENCH_TYPE=image/png BENCH_BODY="$PWD/samples/digit-0-label-7.png" BENCH_ACCEPT=image/png \
    wrk -t2 -c64 -d"$2s" --timeout 10s -s bench/wrk/request.lua "${base[$1]}" | sed -n 's/^RESULT requests=\([0-9]*\).* rps=\([0-9.]*\).*/\1 \2/p')"
  requests="${result% *}"
  rps="${result#* }"
  answered[$1]=$(( ${answered[$1]} + requests ))
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
write_calls() { awk '$1 == "syscw:" { print $2 }' "/proc/$1/io"; }

# One turn of load on a sink's server. Prints one line; appends "ROUND SINK RPS CPU" to $work/results.
measure() { # SINK ROUND
  local cpu0 cpu1 read0 read1 writes0 writes1
  cpu0="$(cpu_ticks "${pid[$1]}")"; read0="$(cpu_ticks "${reader[$1]}")"; writes0="$(write_calls "${pid[$1]}")"
  reconstruct "$1" "$seconds"
  cpu1="$(cpu_ticks "${pid[$1]}")"; read1="$(cpu_ticks "${reader[$1]}")"; writes1="$(write_calls "${pid[$1]}")"
  awk -v sink="$1" -v round="$2" -v rps="$rps" -v n="$requests" -v ticks="$ticks" -v cpu=$(( cpu1 - cpu0 )) \
    -v read=$(( read1 - read0 )) -v writes=$(( writes1 - writes0 )) -v results="$work/results" 'BEGIN {
      printf "round %2d %-13s rps=%.0f cpu_s_per_10k=%.3f reader_cpu_s_per_10k=%.3f writes_per_10k=%.0f\n",
        round, sink, rps, cpu / ticks * 10000 / n, read / ticks * 10000 / n, writes * 10000 / n
      printf "%d %s %.1f %.4f\n", round, sink, rps, cpu / ticks * 10000 / n >>results
    }'
}

for sink in "${sinks[@]}"; do start_server "$sink"; done
# The runtime compiles hot code again, optimised, in its first seconds under load.
for sink in "${sinks[@]}"; do reconstruct "$sink" 10; done

echo "== /reconstruct at 64 connections, ${seconds} s a turn, ${rounds} rounds, $(nproc) cores"
: >"$work/results"
for round in $(seq "$rounds"); do
  order=("${sinks[@]}")
  if [ $(( round % 2 )) = 0 ]; then
    order=()
    for (( i = ${#sinks[@]} - 1; i >= 0; i-- )); do order+=("${sinks[i]}"); done
  fi
  for sink in "${order[@]}"; do measure "$sink" "$round"; done
done

if command -v strace >/dev/null; then
  echo "== write calls per 10,000 requests under strace -f -c"
  for sink in "${sinks[@]}"; do
    strace -f -c -e trace=write -o "$work/strace" -p "${pid[$sink]}" 2>/dev/null &
    tracer=$!
    sleep 1
    reconstruct "$sink" 5
    sleep 1 # a sink that writes from a queue may still be behind, slowed by strace
    kill -INT "$tracer"; wait "$tracer" || true
    awk -v sink="$sink" -v n="$requests" '$NF == "write" { printf "%-13s %.0f\n", sink, $4 * 10000 / n }' "$work/strace"
  done
fi

stop_server
echo "== request lines in the log minus requests answered (in flight at the end of a load, then logged: up to 64 a load)"
for sink in "${sinks[@]}"; do
  wait "${reader[$sink]}" || true
  printf '%-13s %d\n' "$sink" $(( $(grep -c '"RequestPath":"/reconstruct"' "$work/$sink.log" || true) - ${answered[$sink]} ))
done

# The median of a column of numbers, with the lowest and highest: "median (lowest-highest)". Usage: spread FORMAT
spread() {
  sort -n | awk -v format="$1" '{ value[NR] = $1 } END {
    printf format " (" format "-" format ")", (value[int((NR + 1) / 2)] + value[int(NR / 2) + 1]) / 2, value[1], value[NR]
  }'
}

echo "== per sink: requests/s, CPU s per 10,000 requests: median (lowest-highest)"
for sink in "${sinks[@]}"; do
  printf '%-13s %s  %s\n' "$sink" "$(awk -v sink="$sink" '$2 == sink { print $3 }' "$work/results" | spread %.0f)" \
    "$(awk -v sink="$sink" '$2 == sink { print $4 }' "$work/results" | spread %.3f)"
done

# Other jobs on the machine move every sink's figures together; beside the first sink in the same round, a sink's
# ratio shows the difference itself. Prints one ratio a round. Usage: ratios SINK COLUMN (3 requests/s, 4 CPU)
ratios() {
  awk -v sink="$1" -v first="${sinks[0]}" -v column="$2" '
    $2 == first { reference[$1] = $column } $2 == sink { value[$1] = $column }
    END { for (round in value) print value[round] / reference[round] }' "$work/results"
}

echo "== per sink against ${sinks[0]} in the same round: requests/s, CPU per request, as ratios: median (lowest-highest)"
for sink in "${sinks[@]:1}"; do
  printf '%-13s %s  %s\n' "$sink" "$(ratios "$sink" 3 | spread %.2f)" "$(ratios "$sink" 4 | spread %.2f)"
done

# Sourced by the benchmark scripts: a scratch folder and server processes that are cleaned up however the script
# ends. A script starts its server in the background, sets server=$! (or adds " $!" for each of several), and may
# stop them early with stop_server.
work="$(mktemp -d)"
server=""
stop_server() {
  local pid
  for pid in $server; do
    if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; fi
  done
  server=""
}
trap 'stop_server; rm -rf "$work"' EXIT

# Sourced by the benchmark scripts: a scratch folder and a server process that are cleaned up however the script
# ends. A script starts its server in the background, sets server=$!, and may stop it early with stop_server.
work="$(mktemp -d)"
server=""
stop_server() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then kill -TERM "$server"; wait "$server" 2>/dev/null || true; fi
  server=""
}
trap 'stop_server; rm -rf "$work"' EXIT

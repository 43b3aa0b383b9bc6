#!/usr/bin/env bash
# Issue 17 (state31): builds ping-watch.c (where the host runs the two vCPUs: a cache line's round trip between cpu0 and
# cpu1 every PERIOD_MS) into a scratch folder and runs it, alone for SECONDS, or beside a command: started before it,
# stopped (SIGTERM: it prints its own CPU time) when the command ends; the command's exit status is returned.
# benchmarks/llamacpp/ping_join.py joins the log with a compare.py --times log.
#   benchmarks/native/ping-watch.sh [SECONDS]                 (0 or none: until SIGINT/SIGTERM)
#   benchmarks/native/ping-watch.sh --beside PINGLOG CMD ARGS...
#   (PERIOD_MS, TRIPS as ping-watch.c says)
set -euo pipefail
out="${TMPDIR:-/tmp}/kvscope-ping-watch"
mkdir -p "$out"
gcc -O2 -pthread -o "$out/ping-watch" "$(dirname "$0")/ping-watch.c"
if [ "${1:-}" != "--beside" ]; then
  exec "$out/ping-watch" "$@"
fi
if [ $# -lt 3 ]; then
  echo "usage: ping-watch.sh --beside PINGLOG CMD ARGS..." >&2
  exit 2
fi
log="$2"
shift 2
"$out/ping-watch" > "$log" &
watch=$!
sleep 0.3
rc=0
"$@" || rc=$?
kill -TERM "$watch"
wait "$watch" || true
exit "$rc"

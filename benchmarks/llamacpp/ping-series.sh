#!/usr/bin/env bash
# Issue 17 (twenty-ninth session): compare.py --times calls of one pair each, alternating argument sets call by call,
# all beside one ping-watch (benchmarks/native/ping-watch.sh), so that the host's vCPU placement can be joined with
# every process: `ping_join.py OUT/ping.txt OUT/call-*.txt` (it groups kvscope's processes by their set).
#   benchmarks/llamacpp/ping-series.sh OUT ROUNDS SHAPE:TYPE "SET A" "SET B" ...
# A set is compare.py arguments, optionally after environment assignments (e.g. "KVSCOPE_JAVA_OPTS=-Dx=y --first
# llama"). Round r runs `compare.py --times --pairs 1 ARGS --synth SHAPE:TYPE` once for each set, the sets rotated by r
# (every set runs first as often); call logs OUT/call-NN.txt, each headed "set: SET".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [ "${1:-}" = "--calls" ]; then
  shift; out="$1" rounds="$2" synth="$3"; shift 3
  sets=("$@"); k=${#sets[@]}; n=0
  for ((r = 0; r < rounds; r++)); do
    for ((i = 0; i < k; i++)); do
      n=$((n + 1)); set="${sets[$(((i + r) % k))]}"; envs=(); args=()
      for w in $set; do
        if [ ${#args[@]} = 0 ] && [[ "$w" =~ ^[A-Z_]+= ]]; then envs+=("$w"); else args+=("$w"); fi
      done
      log="$(printf '%s/call-%02d.txt' "$out" "$n")"
      echo "$(date -u +%T) call $n: $set" >&2
      echo "set: $set" > "$log"
      env "${envs[@]}" python3 "$here/compare.py" --times --pairs 1 "${args[@]}" --synth "$synth" >> "$log" 2>&1
    done
  done
  exit 0
fi
if [ $# -lt 4 ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: ping-series.sh OUT ROUNDS SHAPE:TYPE \"COMPARE ARGS A\" [\"COMPARE ARGS B\" ...] (ROUNDS a positive whole number)" >&2
  exit 2
fi
mkdir -p "$1"
exec "$here/../native/ping-watch.sh" --beside "$1/ping.txt" "$0" --calls "$@"

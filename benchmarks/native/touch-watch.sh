#!/usr/bin/env bash
# Issue 17 (copy29): does a fresh first touch of anonymous memory bring on the VM's slow memory state? Builds
# touch-watch.c into a scratch folder and runs ROUNDS rounds of short processes, one per ACTION in each round, in the
# order given, rotated by one each round (so no action always follows the same one); touch-watch.py counts the states.
# An ACTION written spin-ACTION runs that process with SPIN=1 (its threads never let their vCPUs go idle).
#   benchmarks/native/touch-watch.sh ROUNDS ACTION...   (ACTION: none, fresh, retouch, file, copy; FILE for file/copy,
#   WATCH_S, AT, AFTER_S, PERIOD_MS, MIB, READ_MIB as touch-watch.c says)
set -euo pipefail
out="${TMPDIR:-/tmp}/kvscope-touch-watch"
mkdir -p "$out"
gcc -O2 -pthread -o "$out/touch-watch" "$(dirname "$0")/touch-watch.c"
rounds="$1"
shift
actions=("$@")
n=${#actions[@]}
for r in $(seq 0 $((rounds - 1))); do
  for i in $(seq 0 $((n - 1))); do
    a="${actions[$(( (i + r) % n ))]}"
    echo "== round $((r + 1)) process $((i + 1)) action $a, $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ "$a" == spin-* ]]; then
      SPIN=1 "$out/touch-watch" "${a#spin-}" ${FILE:-}
    else
      SPIN="${SPIN:-0}" "$out/touch-watch" "$a" ${FILE:-}
    fi
  done
done

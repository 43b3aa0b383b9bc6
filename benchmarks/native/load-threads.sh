#!/usr/bin/env bash
# Issue 17 (load30): does the first touch of fresh anonymous memory, or the float weights' copy into it, go faster on
# two threads? Builds load-threads.c into a scratch folder and runs ROUNDS rounds of one process per thread count, the
# order rotated each round, PAUSE_S seconds (default 20) before each process so the memory the last one freed has been
# reported back to the host (free page reporting) and is fresh again, as a user's first load meets it.
#   benchmarks/native/load-threads.sh ROUNDS fresh MIB [THREADS...]   (THREADS default: 1 2)
#   benchmarks/native/load-threads.sh ROUNDS copy FILE [THREADS...]
set -euo pipefail
out="${TMPDIR:-/tmp}/kvscope-load-threads"
mkdir -p "$out"
gcc -O2 -pthread -o "$out/load-threads" "$(dirname "$0")/load-threads.c"
rounds="$1" action="$2" arg="$3"
shift 3
counts=("${@:-1 2}")
[[ $# -eq 0 ]] && counts=(1 2)
n=${#counts[@]}
for r in $(seq 0 $((rounds - 1))); do
  for i in $(seq 0 $((n - 1))); do
    t="${counts[$(( (i + r) % n ))]}"
    sleep "${PAUSE_S:-20}"
    echo "== round $((r + 1)) threads $t, $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg), free $(free -m | awk '/Mem:/ {print $4}') MiB"
    "$out/load-threads" "$action" "$arg" "$t"
  done
done

#!/usr/bin/env bash
# gc_steady.sh DIR MODEL...: young collections that `kvscope bench` (DIR's launcher and flags, 256 + 32 tokens,
# f16 cache, one warm-up) makes in ten more measured runs: its -Xlog:gc pause count with --repeat 13 against
# --repeat 3. About the same count in both means the measured prefill and decode allocate next to nothing, so
# the young generation's size costs them nothing (issue 17, peak memory). The count varies by a few dozen
# with the JIT's warm-up.
set -euo pipefail
D=$1; shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for f in "$@"; do
  n=()
  for rep in 3 13; do
    KVSCOPE_AOT=0 KVSCOPE_JAVA_OPTS="-Xlog:gc:file=$log" "$D/kvscope" bench --model "$f" --prompt-tokens 256 \
      --decode-tokens 32 --repeat $rep --warmup 1 --bandwidth-mib 0 --quiet --cache-type f16 >/dev/null 2>&1
    n+=("$(grep -c Pause "$log" || true)")
  done
  echo "$(basename "$f"): young collections with --repeat 3: ${n[0]}, with --repeat 13: ${n[1]}"
done

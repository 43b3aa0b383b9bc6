#!/usr/bin/env bash
# Prefill with the native kernels against the exact float kernels, alternated process by process on one build:
# per round, one `kvscope bench` with --kernels java, then one with --kernels native (256 prompt tokens, 4 decoded,
# REPEAT runs after one warm-up, no bandwidth test); prints each process's median prefill tok/s and the ratio.
#   benchmarks/native/prefill-ab.sh MODEL ROUNDS [REPEAT]      (on a shared host: through /work/notes/bench)
set -euo pipefail
if [ $# -lt 2 ] || [ ! -f "$1" ] || ! [[ "$2" =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: prefill-ab.sh MODEL(.gguf file) ROUNDS(>= 1) [REPEAT(>= 1, default 2)]" >&2
    exit 2
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
model="$1" rounds="$2" repeat="${3:-2}"
for i in $(seq 1 "$rounds"); do
    line="round $i"
    for k in java native; do
        p=$("$root/kvscope" bench --kernels "$k" --model "$model" --prompt-tokens 256 --decode-tokens 4 \
            --repeat "$repeat" --warmup 1 --bandwidth-mib 0 --quiet 2>/dev/null | awk -F'|' '/^\| median/ {print $5}')
        line="$line, $k ${p// /}"
        eval "v_$k=${p// /}"
    done
    echo "$line tok/s, native/java $(awk -v a="$v_native" -v b="$v_java" 'BEGIN {printf "%.2f", a / b}')"
done

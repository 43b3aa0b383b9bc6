#!/usr/bin/env bash
# Decode after a long prompt with each KV cache type (issues 15 and 17): `kvscope bench` on the
# SmolLM2-135M shape (synthesized once into /tmp), PAIRS rounds alternating the cache types so that
# a noisy machine hits them alike. Prints each run's table rows and the cache's allocation line.
# usage: scripts/kv-cache-bench.sh [PAIRS] [PROMPT_TOKENS] [TYPES]   (defaults: 3, 2048, "f32 f16 q8_0")
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pairs="${1:-3}"
prompt="${2:-2048}"
types="${3:-f32 f16 q8_0}"
model=/tmp/kvq-smollm2.gguf
[ -f "$model" ] || "$root/kvscope" synth --shape smollm2-135m --type q8_0 --out "$model" --quiet
for pair in $(seq "$pairs"); do
  for t in $types; do
    echo "=== round $pair, --cache-type $t"
    "$root/kvscope" bench --model "$model" --prompt-tokens "$prompt" --decode-tokens 32 --repeat 2 --warmup 1 \
      --bandwidth-mib 64 --device cpu --cache-type "$t" --quiet | grep -E '^\| (warm|[0-9]|median)|KV cache'
  done
done

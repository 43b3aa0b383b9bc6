#!/usr/bin/env bash
# Times the native prefill kernel alone, one thread, per type, on the shapes of SmolLM2-135M (576 columns, 1,536 rows:
# gate/up) and Llama-3.2-1B (2,048 x 2,048) with a batch of 256 activation rows. Builds the library and this
# benchmark from the working tree into a scratch folder (outside the repository).
#   benchmarks/native/matmul-bench.sh [ISA LEVEL 0-2, default the best]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../../inference-core/src/main/c"
out="${TMPDIR:-/tmp}/kvscope-matmul-bench"
mkdir -p "$out"
gcc -O3 -fPIC -shared -fvisibility=hidden -o "$out/libkvscope.so" "$src/kvscope_kernels.c" "$src/kvscope_matmul.c"
gcc -O2 -o "$out/matmul-bench" "$here/matmul-bench.c" "$out/libkvscope.so" -Wl,-rpath,"$out"
for type in 0 1; do "$out/matmul-bench" $type 1536 576 256 "${1:-9}"; done
for type in 0 1 2 3; do "$out/matmul-bench" $type 2048 2048 256 "${1:-9}"; done

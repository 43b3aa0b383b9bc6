#!/usr/bin/env bash
# Builds libkvscope from the working tree and decode-bandwidth.c into OUT (a scratch folder outside the repository)
# and prints the harness's path; native-bandwidth.sh and slow-state.sh share it.
#   benchmarks/native/build-bandwidth.sh OUT
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../../inference-core/src/main/c"
out="$1"
mkdir -p "$out"
gcc -O3 -fPIC -shared -fvisibility=hidden -o "$out/libkvscope.so" "$src/kvscope_kernels.c" "$src/kvscope_float_kernels.c" -lm
gcc -O2 -pthread -o "$out/decode-bandwidth" "$here/decode-bandwidth.c" "$out/libkvscope.so" -ldl -Wl,-rpath,"$out"
echo "$out/decode-bandwidth"

#!/usr/bin/env bash
# Where a 1B float decode token's bandwidth goes (decode-bandwidth.c): builds libkvscope from the working tree and the
# harness into a scratch folder (outside the repository), then runs it.
#   benchmarks/native/native-bandwidth.sh f32|f16|bf16 anon|thp|FILE.gguf TOKENS KERNEL...
#   e.g. benchmarks/native/native-bandwidth.sh f16 /tmp/kvscope-llamacpp/models/llama-3.2-1b-f16.gguf 5 read kvs r1 r4
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$here/../../inference-core/src/main/c"
out="${TMPDIR:-/tmp}/kvscope-native-bandwidth"
mkdir -p "$out"
gcc -O3 -fPIC -shared -fvisibility=hidden -o "$out/libkvscope.so" "$src/kvscope_kernels.c" "$src/kvscope_float_kernels.c" -lm
gcc -O2 -pthread -o "$out/decode-bandwidth" "$here/decode-bandwidth.c" "$out/libkvscope.so" -ldl -Wl,-rpath,"$out"
exec "$out/decode-bandwidth" "$@"

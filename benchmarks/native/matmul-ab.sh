#!/usr/bin/env bash
# Prefill's matrix product alone (FloatTensor.matmul, 2048 x 2048, batch 256, all cores) with the native tiles
# against the float kernels, per type: AVX-512 VNNI tiles against 512-bit float vectors, then AVX2 tiles against
# 256-bit float vectors (-Dkvscope.vector.bits=256). Needs inference-core built (target/classes).
#   benchmarks/native/matmul-ab.sh        (on a shared host: through /work/notes/bench)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
classes="$here/../../inference-core/target/classes"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
out="${TMPDIR:-/tmp}/kvscope-matmul-ab"
mkdir -p "$out"
"${java}c" -d "$out" -cp "$classes" "$here/MatmulAB.java"
run() { "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED "$@" 2>/dev/null; }
for t in Q4_0 Q8_0 Q4_K Q6_K; do
    for k in java native; do run -cp "$out:$classes" MatmulAB 2 $k $t 2048 2048; done
    for k in java native; do run -Dkvscope.vector.bits=256 -cp "$out:$classes" MatmulAB 1 $k $t 2048 2048; done
done

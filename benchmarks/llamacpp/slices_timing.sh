#!/usr/bin/env bash
# slices_timing.sh MODEL ROUNDS [tiles|chunks]: prefill of 256 rows with the feed-forward block at once against in slices of hidden
# units (CpuForward.slicesFeedForward; every Llama-3.2-1B file: native kernels 256 units per slice, F32/F16 the Java kernels 128), alternated in one JVM with bench's JVM flags;
# prints each round's wall and CPU times and the median per-round speed ratios (issue 17, rss19, rss20); with "tiles",
# both in slices, the Java kernels' weight tiles dequantized whole against in steps of columns (rss21); with "chunks",
# both in slices, down's input whole against in chunks of 2,048 hidden units (rss22). Build first
# (mvn install); run it through the team's bench gate on a shared host. The harness sits in CpuForward's package to
# reach its test hook.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
java="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
core="${CORE_JAR:-$(ls "$root"/app/target/lib/inference-core-*.jar | head -n1)}"
"${java%java}javac" --add-modules jdk.incubator.vector -cp "$core" -d "$out" "$root/benchmarks/llamacpp/slices/SlicesTiming.java" 2>/dev/null
"$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:MaxNewSize=2m -XX:TrimNativeHeapInterval=100 \
  -XX:CompileCommand=quiet -XX:CompileCommand=dontinline,org.kvscope.tensor.FloatTensor::matmuls \
  -XX:CompileCommand=dontinline,org.kvscope.backend.cpu.Rope::rotate -XX:CompileCommand=dontinline,org.kvscope.kv.SlotKvCache::append \
  -XX:CompileCommand=dontinline,org.kvscope.backend.cpu.CpuForward::addBias -Dkvscope.threads=2 \
  -cp "$out:$core" org.kvscope.backend.cpu.SlicesTiming "$@" 2>&1 | grep -v '^WARNING: Using incubator'

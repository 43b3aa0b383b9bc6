#!/usr/bin/env bash
# Third device call (gpu14, 2026-12-04): the matrix-vector kernel without shared-memory staging, four chunks'
# loads in flight (matmul.cu kv_matvec_body). The CUDA tests on it, then batch-1 decode of the synthetic 1B
# shape, old kernels (lib-old: inference-core at e02defc) and new alternately, twice each, same machine state.
# Staging: stage-device.sh on e02defc, keep its lib/inference-core-*.jar as .gpuwork/lib-old/; then
# git apply scripts/cuda/device/matvec-unroll.patch, scripts/cuda/build-fatbin.sh, mvn install, and copy the new
# inference-core and app jars and test classes into .gpuwork (the kernel was measured and not kept: no gain).
#   device:    bash .gpuwork/run3.sh   (carry [".gpuwork"])
#   rehearsal: DEVICE=cpu SHAPE=tiny-llama OUT=/tmp/x bash .gpuwork/run3.sh
set -u
G="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-/tmp/gpu14-out3}"
DEVICE="${DEVICE:-cuda}"
SHAPE="${SHAPE:-llama-3.2-1b}"
W="${WORK:-/tmp/gpu14-work3}"
mkdir -p "$OUT" "$W/m"
exec > >(tee -a "$OUT/run3.log") 2>&1
T0=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - T0 )) s] $*"; }
step "where"; pwd; git log -1 --oneline 2>/dev/null; date -u
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv 2>&1
export LD_LIBRARY_PATH="/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"
[ -x "$W/jre/bin/java" ] || tar -xJf "$G/jre.tar.xz" -C "$W"
JAVA="$W/jre/bin/java"
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m)
NEW="$G/lib/*"
OLD="$G/lib-old/inference-core-0.1.0-SNAPSHOT.jar:$(ls "$G"/lib/*.jar | grep -v inference-core | tr '\n' ':')"
export KVSCOPE_MODELS="$G/models"

step "synth $SHAPE f16 and q8_0 (background, in parallel)"
pids=()
for t in f16 q8_0; do
  "$JAVA" "${JVM[@]}" -cp "$NEW" org.kvscope.app.Main synth --shape "$SHAPE" --type "$t" --out "$W/m/$SHAPE-$t.gguf" --quiet > "$W/synth-$t.log" 2>&1 &
  pids+=($!)
done

step "JUnit: backend contract (CPU, CUDA) + org.kvscope.backend.cuda, new kernels"
timeout 150 "$JAVA" "${JVM[@]}" -Dkvscope.models="$G/models" -jar "$G/junit-platform-console-standalone-1.11.4.jar" execute \
  --disable-banner --details=tree --disable-ansi-colors \
  --class-path "$G/test-classes:$G/lib/inference-core-0.1.0-SNAPSHOT.jar:$G/lib/jcuda-12.6.0.jar:$G/lib/jcuda-natives-12.6.0-linux-x86_64.jar:$G/lib/jackson-core-2.18.2.jar" \
  --select-class org.kvscope.backend.CpuBackendContractTest --select-class org.kvscope.backend.CudaBackendContractTest \
  --select-package org.kvscope.backend.cuda > "$W/junit.log" 2>&1
echo "junit exit $?"
grep -E "tests (successful|failed|skipped|aborted|found)|containers (failed|aborted)" "$W/junit.log"
grep -E "✘|■" "$W/junit.log" | head -30
cp "$W/junit.log" "$OUT/junit3.log"

step "generate stories260K, new kernels on $DEVICE"
"$JAVA" "${JVM[@]}" -cp "$NEW" org.kvscope.app.Main generate --model "$G/models/stories260K.gguf" --prompt "Once upon a time" -n 40 --device "$DEVICE" 2>&1 | grep -v incubator

step "wait for synth"; wait "${pids[@]}"; cat "$W"/synth-*.log | grep -v incubator
if [ "$DEVICE" = cuda ]; then
  for round in 1 2; do
    for k in old new; do
      cp_k=$([ $k = old ] && echo "$OLD" || echo "$NEW")
      for t in f16 q8_0; do
        step "round $round, $k kernels, CudaBench $t (prompt 16, 128 decoded)"
        timeout 90 "$JAVA" "${JVM[@]}" -cp "$cp_k" org.kvscope.backend.cuda.CudaBench "$W/m/$SHAPE-$t.gguf" 128 2>&1 | grep -E "copy|decode:|weight bytes"
      done
    done
  done
  for k in old new; do
    cp_k=$([ $k = old ] && echo "$OLD" || echo "$NEW")
    step "$k kernels: kvscope bench --device cuda f16 and q8_0 (prompt 16, decode 128, 3 runs)"
    for t in f16 q8_0; do
      timeout 90 "$JAVA" "${JVM[@]}" -cp "$cp_k" org.kvscope.app.Main bench --model "$W/m/$SHAPE-$t.gguf" --device cuda \
        --prompt-tokens 16 --decode-tokens 128 --repeat 3 --warmup 1 --bandwidth-mib 0 --quiet 2>&1 | grep -E "^\| (median|[0-9])"
    done
  done
fi
step "done"

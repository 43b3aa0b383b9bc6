#!/usr/bin/env bash
# Second device call (gpu14, 2026-12-04), after the fixes: the CUDA tests again, the three policies that
# differed or failed on stories260K, and analyze parity on synthetic Llama-3.2-1B / Qwen2.5-0.5B shapes (F16)
# and on stories260K-q8_0 (CPU on its exact float kernels, --kernels java, as the GPU's products are exact).
#   device:    bash .gpuwork/run2.sh   (staged by scripts/cuda/stage-device.sh, carry [".gpuwork"])
#   rehearsal: DEVICE=cpu SHAPES="tiny-llama tiny-qwen2" OUT=/tmp/x bash .gpuwork/run2.sh
set -u
G="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-/tmp/gpu14-out2}"
DEVICE="${DEVICE:-cuda}"
SHAPES="${SHAPES:-llama-3.2-1b qwen2.5-0.5b}"
W="${WORK:-/tmp/gpu14-work2}"
mkdir -p "$OUT" "$W/m"
exec > >(tee -a "$OUT/run2.log") 2>&1
T0=$(date +%s); export T0
step() { echo; echo "=== [$(( $(date +%s) - T0 )) s] $*"; }
step "where"; pwd; git log -1 --oneline 2>/dev/null; date -u
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv 2>&1
export LD_LIBRARY_PATH="/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"
[ -x "$W/jre/bin/java" ] || tar -xJf "$G/jre.tar.xz" -C "$W"
JAVA="$W/jre/bin/java"
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m)
CP="$G/lib/*"
export KVSCOPE_MODELS="$G/models" JAVA CP G W JVMS="${JVM[*]}"

step "synth f16: $SHAPES (background)"
( for s in $SHAPES; do [ -f "$W/m/$s-f16.gguf" ] || "$JAVA" "${JVM[@]}" -cp "$CP" org.kvscope.app.Main synth --shape "$s" --type f16 --out "$W/m/$s-f16.gguf" --quiet; done
  echo "synth done at $(( $(date +%s) - T0 )) s" ) > "$W/synth.log" 2>&1 &
synth_pid=$!

step "JUnit: backend contract (CPU, CUDA) + org.kvscope.backend.cuda"
timeout 150 "$JAVA" "${JVM[@]}" -Dkvscope.models="$G/models" -jar "$G/junit-platform-console-standalone-1.11.4.jar" execute \
  --disable-banner --details=tree --disable-ansi-colors \
  --class-path "$G/test-classes:$G/lib/inference-core-0.1.0-SNAPSHOT.jar:$G/lib/jcuda-12.6.0.jar:$G/lib/jcuda-natives-12.6.0-linux-x86_64.jar:$G/lib/jackson-core-2.18.2.jar" \
  --select-class org.kvscope.backend.CpuBackendContractTest --select-class org.kvscope.backend.CudaBackendContractTest \
  --select-package org.kvscope.backend.cuda > "$W/junit.log" 2>&1
echo "junit exit $?"
grep -E "tests (successful|failed|skipped|aborted|found)|containers (failed|aborted)" "$W/junit.log"
grep -E "✘|■" "$W/junit.log" | head -30
cp "$W/junit.log" "$OUT/junit2.log"

step "analyze stories260K (700 tokens): kvzip, duo-attention, knorm; stories260K-q8_0 (480 tokens) snapkv, h2o (CPU --kernels java)"
mkdir -p "$W/s" "$W/q"
{ for p in duo-attention kvzip knorm; do
    echo "$G/models/stories260K.gguf s $p cpu cpu 700 native"; echo "$G/models/stories260K.gguf s $p $DEVICE cuda 700 native"; done
  for p in snapkv h2o; do
    echo "$G/models/stories260K-q8_0.gguf q $p cpu cpu 480 java"; echo "$G/models/stories260K-q8_0.gguf q $p $DEVICE cuda 480 java"; done
} | xargs -P 10 -n 7 bash "$G/analyze2.sh"
python3 "$G/compare.py" "$W/s" duo-attention kvzip knorm | tee "$OUT/parity2.txt"
python3 "$G/compare.py" "$W/q" snapkv h2o | sed 's/^/stories260K-q8_0 /' | tee -a "$OUT/parity2.txt"
for f in "$W"/s/*.err "$W"/q/*.err; do grep -v -e incubator -e "^wrote" -e "^device:" "$f" | head -3 | sed "s|^|$(basename $f): |"; done

step "wait for synth"; wait $synth_pid; cat "$W/synth.log"
for s in $SHAPES; do
  step "analyze $s f16 (256 tokens): snapkv h2o pyramidinfer streamingllm, cpu vs $DEVICE"
  mkdir -p "$W/$s"
  for p in snapkv h2o pyramidinfer streamingllm; do
    echo "$W/m/$s-f16.gguf $s $p cpu cpu ${MAXSYN:-256} native"; echo "$W/m/$s-f16.gguf $s $p $DEVICE cuda ${MAXSYN:-256} native"; done |
    xargs -P 8 -n 7 bash "$G/analyze2.sh"
  python3 "$G/compare.py" "$W/$s" snapkv h2o pyramidinfer streamingllm | sed "s/^/$s /" | tee -a "$OUT/parity2.txt"
  for f in "$W"/$s/*.err; do grep -v -e incubator -e "^wrote" -e "^device:" "$f" | head -3 | sed "s|^|$(basename $f): |"; done
done
(cd "$W" && tar czf "$OUT/analyze2-json.tgz" s q $SHAPES)
step "done"

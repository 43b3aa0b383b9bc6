#!/usr/bin/env bash
# kvscope on a lent GPU in one call (gpu14, 2026-12-04): the CUDA tests through the JUnit console,
# analyze --device cuda against --device cpu for every policy on stories260K, generate on stories260K and
# a synthetic Llama-3.2-1B, batch-1 decode of the 1B shape (F16, Q8_0) against PyTorch eager and the
# copy bound. Everything it needs lies in .gpuwork, staged by scripts/cuda/stage-device.sh (a jlink'd JDK 25,
# the jars, the test classes, stories260K); the device has no JDK.
#   device:     bash .gpuwork/run.sh                     (writes logs under $OUT)
#   rehearsal:  DEVICE=cpu SHAPE=tiny-llama OUT=/tmp/x bash .gpuwork/run.sh
set -u
G="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-/tmp/gpu14-out}"
DEVICE="${DEVICE:-cuda}"
SHAPE="${SHAPE:-llama-3.2-1b}"
DECODE="${DECODE:-128}"
W="${WORK:-/tmp/gpu14-work}"
mkdir -p "$OUT" "$W/an" "$W/m"
exec > >(tee -a "$OUT/run.log") 2>&1
t_start=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - t_start )) s] $*"; }

step "where"
pwd; git log -1 --oneline 2>/dev/null || echo "(no git)"; date -u; nproc; free -g | head -2
step "GPU"
nvidia-smi 2>&1 | head -20
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv 2>&1
ldconfig -p | grep -E "libcuda\.so|libnvidia-ml" | head -5
ls /usr/local/nvidia/lib64/libcuda.so* 2>/dev/null
export LD_LIBRARY_PATH="/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"

step "JDK"
if [ ! -x "$W/jre/bin/java" ]; then tar -xJf "$G/jre.tar.xz" -C "$W"; fi
JAVA="$W/jre/bin/java"
"$JAVA" -version 2>&1 | head -1
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m)
CP="$G/lib/*"
export KVSCOPE_MODELS="$G/models"
kv() { "$JAVA" "${JVM[@]}" -cp "$CP" org.kvscope.app.Main "$@"; }

step "synth ($SHAPE f16, q8_0) in the background"
( for t in f16 q8_0; do
    [ -f "$W/m/$SHAPE-$t.gguf" ] || kv synth --shape "$SHAPE" --type "$t" --out "$W/m/$SHAPE-$t.gguf" --quiet
  done; echo "synth done at $(( $(date +%s) - t_start )) s" ) > "$W/synth.log" 2>&1 &
synth_pid=$!

step "JUnit: backend contract (CPU, CUDA) + org.kvscope.backend.cuda"
timeout 180 "$JAVA" "${JVM[@]}" -Dkvscope.models="$G/models" -jar "$G/junit-platform-console-standalone-1.11.4.jar" execute \
  --disable-banner --details=tree --disable-ansi-colors \
  --class-path "$G/test-classes:$G/lib/inference-core-0.1.0-SNAPSHOT.jar:$G/lib/jcuda-12.6.0.jar:$G/lib/jcuda-natives-12.6.0-linux-x86_64.jar:$G/lib/jackson-core-2.18.2.jar" \
  --select-class org.kvscope.backend.CpuBackendContractTest --select-class org.kvscope.backend.CudaBackendContractTest \
  --select-package org.kvscope.backend.cuda > "$W/junit.log" 2>&1
echo "junit exit $?"
grep -E "tests (successful|failed|skipped|aborted|found)|containers (failed|aborted)" "$W/junit.log"
grep -E "✘|■" "$W/junit.log" | head -40
cp "$W/junit.log" "$OUT/junit.log"

POLICIES=(${POLICY_LIST:-duo-attention kvzip fullkv streamingllm h2o snapkv pyramidkv pyramidinfer tova ada-snapkv ada-pyramidkv cake knorm keydiff})
step "analyze: ${#POLICIES[@]} policies x {cpu, $DEVICE} on stories260K (700 tokens), 8 at a time"
export JAVA CP G W JVMS="${JVM[*]}"
for p in "${POLICIES[@]}"; do echo "$p cpu cpu"; echo "$p $DEVICE cuda"; done | xargs -P "${PAR:-8}" -n 3 bash "$G/analyze1.sh"
python3 "$G/compare.py" "$W/an" "${POLICIES[@]}" | tee "$OUT/analyze-parity.txt"
for f in "$W"/an/*.err; do [ -s "$f" ] && { echo "--- $f"; grep -v "incubator" "$f" | head -5; }; done
(cd "$W" && tar czf "$OUT/analyze-json.tgz" an)

step "generate stories260K: cpu vs $DEVICE"
for d in cpu "$DEVICE"; do
  timeout 60 "$JAVA" "${JVM[@]}" -cp "$CP" org.kvscope.app.Main generate --model "$G/models/stories260K.gguf" \
    --prompt "Once upon a time" -n 40 --device "$d" > "$W/gen-stories.$d.txt" 2> "$W/gen-stories.$d.err"
  echo "[$d exit $?]"; cat "$W/gen-stories.$d.txt"; grep -v incubator "$W/gen-stories.$d.err" | tail -4
done
cmp -s <(head -c 400 "$W/gen-stories.cpu.txt") <(head -c 400 "$W/gen-stories.$DEVICE.txt") && echo "stories260K text: same" || echo "stories260K text: DIFFERS"

step "wait for synth"
wait $synth_pid; cat "$W/synth.log"; ls -la "$W/m"

step "generate 1B-shape q8_0: cpu vs $DEVICE (16 tokens)"
for d in cpu "$DEVICE"; do
  timeout 120 "$JAVA" "${JVM[@]}" -cp "$CP" org.kvscope.app.Main generate --model "$W/m/$SHAPE-q8_0.gguf" \
    --prompt "The river and the bridge" -n 16 --device "$d" > "$W/gen-1b.$d.txt" 2> "$W/gen-1b.$d.err"
  echo "[$d exit $?]"; cat "$W/gen-1b.$d.txt"; grep -v incubator "$W/gen-1b.$d.err" | tail -4
done

if [ "$DEVICE" = cuda ]; then
  step "CudaBench: batch-1 decode, prompt 16, $DECODE tokens, vs D2D copy bound"
  for t in f16 q8_0; do
    timeout 120 "$JAVA" "${JVM[@]}" -cp "$CP" org.kvscope.backend.cuda.CudaBench "$W/m/$SHAPE-$t.gguf" "$DECODE" 2>&1 | grep -v incubator
  done
  step "kvscope bench --device cuda (f16, prompt 16, decode $DECODE, no host bandwidth test)"
  timeout 150 "$JAVA" "${JVM[@]}" -cp "$CP" org.kvscope.app.Main bench --model "$W/m/$SHAPE-f16.gguf" --device cuda \
    --prompt-tokens 16 --decode-tokens "$DECODE" --repeat 3 --warmup 1 --bandwidth-mib 0 --quiet 2>&1 | grep -v incubator
  step "PyTorch eager (transformers) on the same shape"
  PYTHONUNBUFFERED=1 timeout 200 python3 "$G/torch_bench.py" "$DECODE" "$OUT/torch.json" 2>&1 | grep -v -i warn | tail -12
  nvidia-smi --query-gpu=clocks.sm,clocks.mem,temperature.gpu,power.draw --format=csv
fi
step "done"

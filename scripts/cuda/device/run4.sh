#!/usr/bin/env bash
# Fourth device call (gpu14, 2026-12-04): is batch-1 decode launch-bound? CudaBench (prompt 16, 128 decoded)
# on F16 synthetic shapes with very different bytes per token but many layers each: smollm2-135m (30 layers,
# ~270 MB), qwen2.5-0.5b (24 layers), llama-3.2-1b (16 layers, 2.5 GB), alternated twice. Launch-bound decode
# gives a time per token that follows the layer count, not the bytes.
#   device:    bash .gpuwork/run4.sh   (staged by scripts/cuda/stage-device.sh, carry [".gpuwork"])
set -u
G="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-/tmp/gpu14-out4}"
W="${WORK:-/tmp/gpu14-work4}"
SHAPES="${SHAPES:-smollm2-135m qwen2.5-0.5b llama-3.2-1b}"
mkdir -p "$OUT" "$W/m"
exec > >(tee -a "$OUT/run4.log") 2>&1
T0=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - T0 )) s] $*"; }
step "where"; pwd; git log -1 --oneline 2>/dev/null; date -u; lscpu | grep -E "Model name|^CPU\(s\)"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem --format=csv 2>&1
export LD_LIBRARY_PATH="/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"
[ -x "$W/jre/bin/java" ] || tar -xJf "$G/jre.tar.xz" -C "$W"
JAVA="$W/jre/bin/java"
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m)
step "synth f16: $SHAPES (in parallel)"
pids=()
for s in $SHAPES; do
  "$JAVA" "${JVM[@]}" -cp "$G/lib/*" org.kvscope.app.Main synth --shape "$s" --type f16 --out "$W/m/$s-f16.gguf" --quiet > "$W/synth-$s.log" 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"; cat "$W"/synth-*.log | grep -v incubator
for round in 1 2; do
  for s in $SHAPES; do
    step "round $round: CudaBench $s f16"
    timeout 90 "$JAVA" "${JVM[@]}" -cp "$G/lib/*" org.kvscope.backend.cuda.CudaBench "$W/m/$s-f16.gguf" 128 2>&1 | grep -E "model|decode:|weight bytes"
  done
done
step "done"

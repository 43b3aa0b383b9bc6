#!/usr/bin/env bash
# Fifth device call (gpu14, 2026-12-04): where a batch-1 decode token goes. Nsight Compute's kernel durations
# (gpu__time_duration.sum, --clock-control none) of two decode tokens' launches, after prefill and warm-up, of
# CudaBench on synthetic F16 smollm2-135m and llama-3.2-1b; their sum against the wall-clock time per token
# of CudaBench without the profiler in the same call. GPU time far under wall time = host-bound.
#   device:    bash .gpuwork/run5.sh   (staged by scripts/cuda/stage-device.sh, carry [".gpuwork"])
set -u
G="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${OUT:-/tmp/gpu14-out5}"
W="${WORK:-/tmp/gpu14-work5}"
mkdir -p "$OUT" "$W/m"
exec > >(tee -a "$OUT/run5.log") 2>&1
T0=$(date +%s)
step() { echo; echo "=== [$(( $(date +%s) - T0 )) s] $*"; }
step "where"; pwd; git log -1 --oneline 2>/dev/null; date -u
NCU="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)"; echo "ncu: $NCU"
export LD_LIBRARY_PATH="/usr/local/nvidia/lib64:/usr/local/nvidia/lib:${LD_LIBRARY_PATH:-}"
[ -x "$W/jre/bin/java" ] || tar -xJf "$G/jre.tar.xz" -C "$W"
JAVA="$W/jre/bin/java"
JVM=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -XX:+UseParallelGC -Xss8m)
pids=()
for s in smollm2-135m llama-3.2-1b; do
  "$JAVA" "${JVM[@]}" -cp "$G/lib/*" org.kvscope.app.Main synth --shape "$s" --type f16 --out "$W/m/$s-f16.gguf" --quiet > "$W/synth-$s.log" 2>&1 &
  pids+=($!)
done
wait "${pids[@]}"; cat "$W"/synth-*.log | grep -v incubator
# launches per decode token: 16 per layer + 2 for the logits; prefill and 4 warm-up tokens are skipped
for spec in "smollm2-135m 30" "llama-3.2-1b 16"; do
  set -- $spec; s=$1; layers=$2; per=$((16 * layers + 2)); skip=$((per * 8)); count=$((per * 2))
  step "$s: CudaBench without the profiler"
  timeout 60 "$JAVA" "${JVM[@]}" -cp "$G/lib/*" org.kvscope.backend.cuda.CudaBench "$W/m/$s-f16.gguf" 128 2>&1 | grep -E "decode:"
  step "$s: ncu, launches $skip..$((skip + count - 1)) ($per a token)"
  timeout 150 "$NCU" --clock-control none --target-processes all --metrics gpu__time_duration.sum \
    --launch-skip "$skip" --launch-count "$count" --csv --log-file "$OUT/ncu-$s.csv" \
    "$JAVA" "${JVM[@]}" -cp "$G/lib/*" org.kvscope.backend.cuda.CudaBench "$W/m/$s-f16.gguf" 16 > "$W/ncu-$s.out" 2>&1
  echo "ncu exit $?"; tail -3 "$W/ncu-$s.out"
  python3 - "$OUT/ncu-$s.csv" "$count" <<'PY'
import csv, sys, collections
rows = [r for r in csv.reader(open(sys.argv[1])) if len(r) > 10]
hdr = rows[0]; rows = rows[1:]
ki, ui, vi = hdr.index("Kernel Name"), hdr.index("Metric Unit"), hdr.index("Metric Value")
scale = {"nsecond": 1e-3, "ns": 1e-3, "usecond": 1.0, "us": 1.0, "msecond": 1e3, "ms": 1e3}
per = collections.defaultdict(float); n = collections.Counter()
for r in rows:
    us = float(r[vi].replace(",", "")) * scale[r[ui]]
    per[r[ki].split("(")[0]] += us; n[r[ki].split("(")[0]] += 1
total = sum(per.values())
print(f"{len(rows)} kernels profiled; GPU time {total:.0f} us for 2 tokens = {total / 2:.0f} us a token")
for k, v in sorted(per.items(), key=lambda kv: -kv[1])[:8]:
    print(f"  {k:28s} {n[k]:5d} launches {v / 2:8.1f} us a token ({v / n[k]:.1f} us each)")
PY
done
step "done"

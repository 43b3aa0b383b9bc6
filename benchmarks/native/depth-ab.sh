#!/usr/bin/env bash
# Decode at depth, two kvscope builds alternated process by process (BASE then CAND each round): one `bench` of
# each, F16 cache, 2 threads, decode timings per phase (-Dkvscope.decode.timings) of the measured steps.
# Build folders as for builds-ab.sh (a kvscope launcher and app/target, copied so no rebuild runs in a timing).
# MODE warm: warm-up run + measured run of 32 tokens (the first 32 steps, the warm-up's, left out of the timings);
# MODE cold: one prefill, 64 tokens, the last 32 timed (for depths where two prefills do not fit the gate's window).
# Run it through the team's bench gate on a shared host.
#   benchmarks/native/depth-ab.sh MODEL DEPTH ROUNDS warm|cold BASE CAND
M=$1; DEPTH=$2; ROUNDS=$3; MODE=$4; shift 4
if [ "$MODE" = cold ]; then run="--decode-tokens 64 --repeat 1 --warmup 0"; else run="--decode-tokens 32 --repeat 1 --warmup 1"; fi
for r in $(seq 1 $ROUNDS); do
  for d in "$@"; do
    echo "== round $r $d $(date +%T) load $(cut -d' ' -f1 /proc/loadavg)"
    KVSCOPE_AOT=0 KVSCOPE_JAVA_OPTS="-Dkvscope.threads=2 -Dkvscope.decode.timings=true -Dkvscope.decode.timings.skip=32" \
      $d/kvscope bench --model $M --prompt-tokens $DEPTH $run --bandwidth-mib 0 --quiet --cache-type f16 2>&1 \
      | grep -E "decode timings|^\| 1 "
  done
done

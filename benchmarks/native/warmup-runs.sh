#!/usr/bin/env bash
# Prefill and decode tok/s of every run of one `bench` process, no warm-up run, so the JIT's warm-up shows run by
# run (compare.py's kvscope process measures its runs 2 and 3: `--warmup 1 --repeat 2`). Per process one line of
# prefill/decode pairs. A build folder as in builds-ab.sh; KVSCOPE_JAVA_OPTS appends JVM flags. Through the bench gate.
#   benchmarks/native/warmup-runs.sh MODEL DIR PROCESSES [RUNS]
M=$1; D=$2; PROCS=$3; RUNS=${4:-12}
for i in $(seq 1 $PROCS); do
  echo "process $i, $(date +%T), load $(cut -d' ' -f1 /proc/loadavg), KVSCOPE_JAVA_OPTS=${KVSCOPE_JAVA_OPTS:-}"
  KVSCOPE_AOT=0 KVSCOPE_JAVA_OPTS="-Dkvscope.threads=2 ${KVSCOPE_JAVA_OPTS:-}" $D/kvscope bench --model $M --prompt-tokens 256 \
    --decode-tokens 32 --repeat $RUNS --warmup 0 --bandwidth-mib 0 --cache-type f16 --quiet 2>&1 \
    | awk -F'|' '/^\| [0-9]+ \|/ {printf "%s/%s ", $5+0, $6+0} END {print ""}'
done

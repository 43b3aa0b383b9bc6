#!/usr/bin/env bash
# Issue 17, the host's two memory speeds: can a read pattern read faster in the slow state? Builds decode-bandwidth.c
# (build-bandwidth.sh, into a scratch folder) and runs PROCS short processes in a row, each taking every KERNEL
# token by token on anonymous 2 MiB-page (thp) weights of TYPE; slow-state.py classifies each process by the first
# kernel (put `read` first) and sums up the others' per-round ratios by state. WEIGHTS: a space-separated list of
# decode-bandwidth.c's WEIGHTS (thp, anon or a file) the processes take in turn (thp unless set).
#   benchmarks/native/slow-state.sh TYPE PROCS TOKENS KERNEL...   (CHUNK_KIB=2048 unless set; e.g. f16 8 4 read reads4 g4/i16)
set -euo pipefail
harness="$("$(dirname "$0")/build-bandwidth.sh" "${TMPDIR:-/tmp}/kvscope-slow-state")"
type="$1" procs="$2" tokens="$3"
shift 3
read -r -a weights <<< "${WEIGHTS:-thp}"
for p in $(seq 1 "$procs"); do
  w="${weights[$(( (p - 1) % ${#weights[@]} ))]}"
  echo "== process $p of $procs, weights $w, $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
  CHUNK_KIB="${CHUNK_KIB:-2048}" "$harness" "$type" "$w" "$tokens" "$@"
done

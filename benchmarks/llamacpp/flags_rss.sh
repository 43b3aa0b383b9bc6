#!/usr/bin/env bash
# flags_rss.sh MODEL "ENV ;; JVM FLAGS" ...: kvscope bench as compare.py runs it (256 + 32 tokens, f16 cache,
# 2 threads, no AOT cache, no bandwidth test) once per argument, in order, with ENV set and JVM FLAGS appended to
# the launcher's; prints GNU time's maximum RSS, bench's median prefill/decode tok/s and the process's wall time
# (issue 17 memory). Repeat arguments to alternate flag sets process by process (an A/B).
# Example: benchmarks/llamacpp/flags_rss.sh M.gguf " ;; " " ;; -XX:MaxNewSize=4m" "MALLOC_ARENA_MAX=1 ;; "
set -euo pipefail
model="$1"; shift
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
for c in "$@"; do
  envs="${c%%;;*}"; opts="${c#*;;}"
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  r=$(env KVSCOPE_AOT=0 $envs KVSCOPE_JAVA_OPTS="-Dkvscope.threads=2 $opts" /usr/bin/time -f "RSS %M" "$root/kvscope" bench \
      --model "$model" --prompt-tokens 256 --decode-tokens 32 --repeat 3 --warmup 1 --bandwidth-mib 0 --quiet --cache-type f16 2>&1)
  wall=$(echo "$(date +%s.%N) - $start" | bc)
  rss=$(grep -o '^RSS [0-9]*' <<<"$r" | awk '{printf "%.1f", $2 / 1024}')
  med=$(grep '^| median' <<<"$r" | awk -F'|' '{print $5 " / " $6}')
  printf '%s MiB | prefill / decode tok/s %s | wall %.2f s | load %s | %s\n' "$rss" "$med" "$wall" "$(cut -d' ' -f1 /proc/loadavg)" "$c"
done

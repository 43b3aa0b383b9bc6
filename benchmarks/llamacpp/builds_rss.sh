#!/usr/bin/env bash
# builds_rss.sh ROUNDS MODEL DIR...: peak resident memory (GNU time's maximum RSS, MiB) of `kvscope bench` 256 + 32
# tokens (f16 cache, one warm-up and one measured run, no AOT cache, no bandwidth test) for each kvscope build
# folder (a `kvscope` launcher and app/target, as for benchmarks/native/builds-ab.sh), builds alternated, the
# order rotating each round; prints the measured run's prefill/decode tok/s and the load beside it (issue 17).
# Memory does not depend on load; the speeds do. Run it through the team's bench gate on a shared host.
set -euo pipefail
R=$1; f=$2; shift 2; D=("$@"); N=${#D[@]}
for i in $(seq 1 "$R"); do
  for k in $(seq 0 $((N - 1))); do
    d=${D[$(( (k + i) % N ))]}
    r=$(KVSCOPE_AOT=0 /usr/bin/time -f "rss %M" "$d/kvscope" bench --model "$f" --prompt-tokens 256 --decode-tokens 32 \
        --repeat 1 --warmup 1 --bandwidth-mib 0 --cache-type f16 --quiet 2>&1)
    echo "$(basename "$f") $(basename "$d") $(grep '^rss' <<<"$r" | awk '{printf "%.1f MiB", $2/1024}')" \
      "$(grep '^| 1 ' <<<"$r" | awk -F'|' '{print "prefill", $5, "decode", $6}') load $(cut -d' ' -f1 /proc/loadavg)"
  done
done

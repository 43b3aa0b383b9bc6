#!/usr/bin/env bash
# first-reader-rss.sh ROUNDS MODEL DIR...: builds_rss.sh's peak-RSS run (kvscope bench 256 + 32 tokens, f16 cache, one
# warm-up, no AOT cache, no bandwidth test) for each kvscope build folder, with the model file evicted from the page
# cache (posix_fadvise DONTNEED, page-cache.c) before each run, so that the run's own faults read it back and its
# mapping advice decides the folios (issue 17, thp20). Prints peak RSS, decode tok/s and how much of the file a fresh
# process then maps with 2 MiB entries. Run it through the team's bench gate.
set -euo pipefail
pc="${TMPDIR:-/tmp}/kvscope-native-bandwidth/page-cache"
mkdir -p "$(dirname "$pc")"
gcc -O2 -o "$pc" "$(dirname "$0")/page-cache.c"
R=$1; f=$2; shift 2
for i in $(seq 1 "$R"); do
  for d in "$@"; do
    "$pc" evict "$f" >/dev/null
    r=$(KVSCOPE_AOT=0 /usr/bin/time -f "rss %M" "$d/kvscope" bench --model "$f" --prompt-tokens 256 --decode-tokens 32 \
        --repeat 1 --warmup 1 --bandwidth-mib 0 --cache-type f16 --quiet 2>&1)
    echo "$(basename "$f") $d: $(grep '^rss' <<<"$r" | awk '{printf "peak RSS %.1f MiB", $2/1024}')" \
      "$(grep '^| 1 ' <<<"$r" | awk -F'|' '{print "decode", $6}') tok/s; $("$pc" show "$f" | tail -1 | sed 's/.*PMD/PMD/')" \
      "load $(cut -d' ' -f1 /proc/loadavg)"
  done
done

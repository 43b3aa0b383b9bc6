#!/usr/bin/env bash
# Who reads a model file back into the page cache decides its folio sizes, hence how much of it every engine maps
# with 2 MiB entries (issue 17, thp20, docs/BENCHMARKS.md). Each round, for each setting of kvscope's
# -Dkvscope.mapping.hugepages (MODES, default "false true"): evicts the file (posix_fadvise DONTNEED), lets a kvscope
# bench read it back (its faults build the cache), shows how much of it a fresh process maps with 2 MiB entries, then
# times llama-bench and kvscope again on that cache. Run pmd-watch.py beside it for every process's FilePmdMapped.
#   TYPE=f32 ROUNDS=2 benchmarks/native/first-reader-ab.sh   (after native-bandwidth.sh or page-size-ab.sh built page-cache)
cd "$(dirname "$0")/../.."
T=${TYPE:-f32}
F=/tmp/kvscope-llamacpp/models/llama-3.2-1b-$T.gguf
O=/tmp/kvscope-native-bandwidth
L=/tmp/kvscope-llamacpp/bin
kb() { KVSCOPE_AOT=0 KVSCOPE_JAVA_OPTS="-Dkvscope.threads=2 -Dkvscope.mapping.hugepages=$1" ./kvscope bench --model $F --prompt-tokens 16 --decode-tokens 32 --repeat 1 --warmup 1 --bandwidth-mib 0 --quiet --cache-type f16 | grep "^| median" | awk -F'|' -v m=$1 '{print "  kvscope(hugepages=" m ") decode", $6, "tok/s"}'; }
lb() { $L/llama-bench -m $F -t 2 -r 1 -p 0 -n 32 -ctk f16 -ctv f16 -o jsonl 2>/dev/null | python3 -c 'import sys,json; [print("  llama-bench decode %.2f tok/s" % json.loads(l)["avg_ts"]) for l in sys.stdin if l.startswith("{")]'; }
for r in $(seq ${ROUNDS:-2}); do
  for mode in ${MODES:-false true}; do
    echo "== $(date -u +%T) $T round $r: evicted, cache rebuilt by kvscope hugepages=$mode; load $(cut -d' ' -f1-3 /proc/loadavg)"
    $O/page-cache evict $F >/dev/null
    kb $mode; sleep 1.2
    $O/page-cache show $F | tail -1 | sed 's/^/  /'
    lb; sleep 1.2
    kb $mode; sleep 1.2
  done
done

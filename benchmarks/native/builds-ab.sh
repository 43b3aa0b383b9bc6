#!/usr/bin/env bash
# Two or more kvscope builds alternated process by process: per round one `bench` of each build, the order
# rotating each round; prints each process's median prefill and decode tok/s and its peak RSS (GNU time, KiB).
# A build folder holds a `kvscope` launcher and app/target with its jars, copied so that no rebuild runs inside
# a timing (benchmarks/llamacpp/README.md, --baseline). Run it through the team's bench gate on a shared host.
#   benchmarks/native/builds-ab.sh MODEL ROUNDS DIR...
M=$1; ROUNDS=$2; shift 2; D=("$@"); N=${#D[@]}
for i in $(seq 1 $ROUNDS); do
  for k in $(seq 0 $((N - 1))); do
    d=${D[$(( (k + i) % N ))]}
    r=$(KVSCOPE_AOT=0 /usr/bin/time -f "rss %M" $d/kvscope bench --model $M --prompt-tokens 256 --decode-tokens 32 --repeat 3 --warmup 1 --bandwidth-mib 0 --cache-type f16 --quiet 2>&1)
    echo "$i $(basename $d) $(echo "$r" | grep '^| median' | awk -F'|' '{print "prefill", $5, "decode", $6}') $(echo "$r" | grep '^rss')"
  done
done

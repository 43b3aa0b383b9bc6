#!/usr/bin/env python3
"""Sums up slow-state.sh's output (issue 17): each process classified by its first kernel's median token GB/s (slow
below SLOW_GBS, 45, as f32b24's two speeds, ~31-35 and ~50-60 GB/s, split; "contended" where its tokens got under 0.9
of its two cores), then per kernel and state the median of
the processes' ratios (each process's median of per-round GB/s over the first kernel's, decode-bandwidth.c's xFIRST),
their min-max, and the median token GB/s.  Usage: slow-state.py LOG [SLOW_GBS]"""
import re
import statistics
import sys

# A process whose tokens got less than this share of its two cores (decode-bandwidth.c's "CPU share") shared them with
# other processes: its speed says nothing about the memory's state.
MIN_SHARE = 0.9


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: slow-state.py LOG [SLOW_GBS]")
    slow_gbs = float(sys.argv[2]) if len(sys.argv) > 2 else 45.0
    procs, cur = [], None
    line_re = re.compile(r"^(\S+)\s+token\s+([\d.]+) ms\s+([\d.]+) GB/s\s+x\S+ ([\d.]+) \|(.*)$")
    for line in open(sys.argv[1]):
        if line.startswith("== process"):
            cur = {"head": line.strip(), "k": {}, "share": None}
            procs.append(cur)
            continue
        share = re.match(r"tokens: .* CPU share ([\d.]+)", line)
        if share and cur is not None:
            cur["share"] = float(share.group(1))
        m = line_re.match(line)
        if m and cur is not None:
            kinds = dict(re.findall(r"(qkv|o|gate/up|down|logits)\s+([\d.]+)", m.group(5).split("best")[0]))
            cur["k"][m.group(1)] = (float(m.group(3)), float(m.group(4)), {k: float(v) for k, v in kinds.items()})
    procs = [p for p in procs if p["k"]]
    if not procs:
        sys.exit("slow-state.py: no process output in " + sys.argv[1])
    names = list(procs[0]["k"])
    first = names[0]
    print(f"{len(procs)} processes; state by {first}'s token GB/s (slow < {slow_gbs:g}):")
    for p in procs:
        gbs = p["k"][first][0]
        p["state"] = "slow" if gbs < slow_gbs else "fast"
        if p["share"] is not None and p["share"] < MIN_SHARE:
            p["state"] = "contended"
        share = "" if p["share"] is None else f", CPU share {p['share']:.2f}"
        print(f"  {p['head'][3:]}: {first} {gbs:.1f} GB/s{share} -> {p['state']}")
    for state in ("slow", "fast", "contended"):
        group = [p for p in procs if p["state"] == state]
        if not group:
            continue
        print(f"\n{state}: {len(group)} processes; kernel: ratio to {first} median (min-max), token GB/s median, "
              f"down GB/s median")
        for n in names:
            rows = [p["k"][n] for p in group if n in p["k"]]
            r = [x[1] for x in rows]
            print(f"  {n:14s} {statistics.median(r):.2f} ({min(r):.2f}-{max(r):.2f})  "
                  f"{statistics.median(x[0] for x in rows):5.1f}  {statistics.median(x[2].get('down', 0) for x in rows):5.1f}")


if __name__ == "__main__":
    main()

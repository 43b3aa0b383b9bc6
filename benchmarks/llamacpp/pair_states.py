#!/usr/bin/env python3
"""Each compare.py pair's memory state: decode tok/s x the model file's bytes, per engine.

  benchmarks/llamacpp/pair_states.py LOG [--models DIR] [--slow GB/s]

LOG is compare.py's output (pair lines "NAME pair N (ENGINE first): decode K / L tok/s"). A decoded token reads every
weight once, so tok/s x file bytes is the rate a process read its weights at; on the Zen 4 host a process below --slow
(default 40 GB/s) ran with both vCPUs on one CCD (docs/BENCHMARKS.md, copy29) or was not memory-bound (quantized files'
llama.cpp processes). Prints one line a pair and, per file, how often the engines met the same state.
Python 3 standard library only.
"""
import argparse
import os
import re
import sys

PAIR = re.compile(r"(\S+\.gguf) pair (\d+)(?: \((\w+) first\))?: decode ([\d.]+) / ([\d.]+) tok/s")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("log")
    p.add_argument("--models", default=os.environ.get("KVSCOPE_LLAMACPP_DIR", "/tmp/kvscope-llamacpp") + "/models",
                   help="folder of the model files (their sizes)")
    p.add_argument("--slow", type=float, default=40.0, help="GB/s below which a process counts as slow")
    a = p.parse_args()
    if not os.path.isfile(a.log):
        sys.exit("pair_states.py: %s is not a file; give compare.py's output" % a.log)
    tally = {}
    for m in PAIR.finditer(open(a.log, errors="replace").read()):
        name, pair, first, ours, theirs = m.group(1), m.group(2), m.group(3) or "kvscope", float(m.group(4)), float(m.group(5))
        path = os.path.join(a.models, name)
        if not os.path.isfile(path):
            sys.exit("pair_states.py: %s not found in %s; give its folder with --models" % (name, a.models))
        gb = os.path.getsize(path) / 1e9
        states = ["slow" if r * gb < a.slow else "fast" for r in (ours, theirs)]
        print("%s pair %s (%s first): %.2f / %.2f tok/s = %.2f; kvscope %.1f GB/s %s, llama.cpp %.1f GB/s %s" % (
            name, pair, first, ours, theirs, ours / theirs, ours * gb, states[0], theirs * gb, states[1]))
        t = tally.setdefault(name, {"same": 0, "kvscope slow": 0, "llama.cpp slow": 0})
        t["same" if states[0] == states[1] else "kvscope slow" if states[0] == "slow" else "llama.cpp slow"] += 1
    for name, t in tally.items():
        print("%s: same state %d, kvscope slow / llama.cpp fast %d, kvscope fast / llama.cpp slow %d" % (
            name, t["same"], t["kvscope slow"], t["llama.cpp slow"]))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Runs a command and prints the CPU seconds (user+sys) of its threads, grouped by name (main
thread, C1/C2 compiler threads, kvscope-parallel workers, GC): where a cold JVM's CPU goes
(issue 16, docs/BENCHMARKS.md). Samples /proc every 50 ms, so the last 50 ms may be missed.
usage: scripts/thread-cpu.py java ARGS..."""
import collections
import os
import re
import subprocess
import sys
import time

proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
last = {}
tick = os.sysconf('SC_CLK_TCK')
while proc.poll() is None:
    try:
        tasks = os.listdir(f'/proc/{proc.pid}/task')
    except OSError:
        break
    for t in tasks:
        try:
            stat = open(f'/proc/{proc.pid}/task/{t}/stat').read()
        except OSError:
            continue
        name = stat[stat.index('(') + 1:stat.rindex(')')]
        fields = stat[stat.rindex(')') + 2:].split()
        last[t] = (name, int(fields[11]) + int(fields[12]))
    time.sleep(0.05)
groups = collections.Counter()
for name, ticks in last.values():
    groups[re.sub(r'\d+$', '#', name)] += ticks / tick
print(f"total {sum(groups.values()):.2f} s CPU (exit {proc.returncode})")
for name, seconds in groups.most_common(8):
    print(f"  {seconds:6.2f}  {name}")

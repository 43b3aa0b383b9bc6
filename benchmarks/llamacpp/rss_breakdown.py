#!/usr/bin/env python3
"""Where a process's peak resident memory is (issue 17).

    benchmarks/llamacpp/rss_breakdown.py COMMAND...

Runs COMMAND, samples /proc/PID/smaps of its first java or llama-bench descendant every 0.1 s and
prints the largest sample's Rss by mapping (file name, or the address range of anonymous mappings
of 1 MiB or more; smaller anonymous ones summed), with VmHWM. On a JVM, `-Xlog:gc+init` and
`-XX:NativeMemoryTracking=summary -XX:+UnlockDiagnosticVMOptions -XX:+PrintNMTStatistics` name the
ranges: the Java heap is reserved below 0x800000000 (young generation at its top with ParallelGC),
glibc's malloc arenas are 64 MiB-aligned.
"""
import collections
import os
import re
import subprocess
import sys
import time

HEADER = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$")


def descendants(pid):
    out = [pid]
    try:
        for task in os.listdir("/proc/%d/task" % pid):
            with open("/proc/%d/task/%s/children" % (pid, task)) as f:
                for child in f.read().split():
                    out += descendants(int(child))
    except OSError:
        pass
    return out


def sample(pid):
    """(total Rss KiB, Counter of KiB by mapping) of pid, or (0, None) once it is gone."""
    cats, total, name, rng = collections.Counter(), 0, None, None
    try:
        with open("/proc/%d/smaps" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return 0, None
    for line in lines:
        m = HEADER.match(line)
        if m:
            rng, name = (int(m.group(1), 16), int(m.group(2), 16)), m.group(3) or "[anon]"
        elif line.startswith("Rss:"):
            kb = int(line.split()[1])
            total += kb
            key = name
            if key.endswith(".gguf"):
                key = "model " + os.path.basename(key)
            elif key == "[anon]":
                key = "[anon %x-%x]" % rng if kb >= 1024 else "[anon, < 1 MiB each]"
            cats[key] += kb
    return total, cats


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: rss_breakdown.py COMMAND...")
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    best, hwm = (0, None), 0
    while proc.poll() is None:
        for pid in descendants(proc.pid):
            try:
                with open("/proc/%d/comm" % pid) as f:
                    comm = f.read().strip()
                if comm not in ("java", "llama-bench"):
                    continue
                total, cats = sample(pid)
                if total > best[0]:
                    best = (total, cats)
                with open("/proc/%d/status" % pid) as f:
                    for line in f:
                        if line.startswith("VmHWM"):
                            hwm = max(hwm, int(line.split()[1]))
            except OSError:
                pass
        time.sleep(0.1)
    print(proc.stdout.read()[-1500:])
    print("VmHWM %.1f MiB, largest sample %.1f MiB" % (hwm / 1024, best[0] / 1024))
    for key, kb in (best[1] or {}).most_common(25):
        print("%8.1f MiB  %s" % (kb / 1024, key))


if __name__ == "__main__":
    main()

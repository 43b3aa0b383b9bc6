#!/usr/bin/env python3
"""Which processes map a model file with 2 MiB entries (issue 17, thp20, docs/BENCHMARKS.md).

pmd-watch.py [SECONDS]: every SECONDS (default 1) reads /proc/PID/smaps of every process mapping a .gguf file and prints,
when a process ends (or at Ctrl-C / SIGTERM), its largest mapping's figures as seen last: pid, command, file, Rss and
FilePmdMapped (MiB), and the mapping's start address mod 2 MiB. Run it in the background around a benchmark."""
import os, sys, time
from gguf_watch import command, watch

def gguf_mappings(pid):
    try:
        with open("/proc/%s/smaps" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    found, cur = [], None
    for line in lines:
        head = line.split()
        if head and "-" in head[0] and not head[0].endswith(":"):
            cur = None
            if line.endswith(".gguf"):
                cur = {"start": int(head[0].split("-")[0], 16), "file": head[-1], "Rss": 0, "FilePmdMapped": 0}
                found.append(cur)
        elif cur is not None and head and head[0][:-1] in ("Rss", "FilePmdMapped"):
            cur[head[0][:-1]] = int(head[1])
    return found

def report(pid, seen):
    m = max(seen["maps"], key=lambda m: m["Rss"])
    print("%s pid %s %s %s: Rss %.0f MiB, FilePmdMapped %.0f MiB (%.0f%%), start mod 2 MiB = %d KiB" % (
        time.strftime("%H:%M:%S", time.gmtime()), pid, seen["cmd"], os.path.basename(m["file"]), m["Rss"] / 1024,
        m["FilePmdMapped"] / 1024, 100.0 * m["FilePmdMapped"] / max(m["Rss"], 1), m["start"] % (2 << 20) // 1024), flush=True)

def sample(pid, seen):
    maps = gguf_mappings(pid)
    if not maps:
        return seen
    return {"maps": maps, "cmd": (seen or {}).get("cmd") or command(pid)}

def main():
    watch(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0, sample, report)

if __name__ == "__main__":
    main()

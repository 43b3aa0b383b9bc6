#!/usr/bin/env python3
"""How much of each model process's memory is in 2 MiB pages (issue 17, f32b24, docs/BENCHMARKS.md).

anon-watch.py [SECONDS]: every SECONDS (default 0.5) reads /proc/PID/smaps_rollup of every java or llama-* process that
maps a .gguf file and prints, when it ends (or at SIGTERM / Ctrl-C), the figures seen at its largest Rss: Rss,
Anonymous, AnonHugePages and FilePmdMapped (MiB), and AnonHugePages as a share of Anonymous. kvscope copies a float
file's weights into anonymous memory with MADV_HUGEPAGE at load (f32d23): AnonHugePages is how much of that copy the
kernel really gave 2 MiB pages. Run it in the background around a benchmark."""
import os, sys, time
from gguf_watch import command, watch

FIELDS = ("Rss", "Anonymous", "AnonHugePages", "FilePmdMapped")


def rollup(pid):
    try:
        with open("/proc/%s/smaps_rollup" % pid) as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    got = {}
    for line in lines:
        head = line.split()
        if head and head[0][:-1] in FIELDS:
            got[head[0][:-1]] = int(head[1]) / 1024
    return got


def model(pid):
    try:
        with open("/proc/%s/maps" % pid) as f:
            files = [l.split()[-1] for l in f if l.rstrip().endswith(".gguf")]
        return os.path.basename(files[0]) if files else None
    except OSError:
        return None


def report(pid, seen):
    r = seen["at"]
    print("%s pid %s %s %s: Rss %.0f, Anonymous %.0f, AnonHugePages %.0f (%.0f%%), FilePmdMapped %.0f MiB" % (
        time.strftime("%H:%M:%S", time.gmtime()), pid, seen["cmd"], seen["file"], r.get("Rss", 0),
        r.get("Anonymous", 0), r.get("AnonHugePages", 0), 100.0 * r.get("AnonHugePages", 0) / max(r.get("Anonymous", 0), 1),
        r.get("FilePmdMapped", 0)), flush=True)


def sample(pid, seen):
    if seen is None:
        cmd = command(pid)
        f = model(pid)
        if not (cmd.startswith("java") or cmd.startswith("llama")) or f is None:
            return None
        seen = {"cmd": cmd, "file": f, "at": {}}
    r = rollup(pid)
    if r and r.get("Rss", 0) >= seen["at"].get("Rss", 0):
        seen["at"] = r
    return seen


def main():
    watch(float(sys.argv[1]) if len(sys.argv) > 1 else 0.5, sample, report)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""How much of each model process's memory is in 2 MiB pages (issue 17, f32b24, docs/BENCHMARKS.md).

anon-watch.py [SECONDS]: every SECONDS (default 0.5) reads /proc/PID/smaps_rollup of every java or llama-* process that
maps a .gguf file and prints, when it ends (or at SIGTERM / Ctrl-C), the figures seen at its largest Rss: Rss,
Anonymous, AnonHugePages and FilePmdMapped (MiB), and AnonHugePages as a share of Anonymous. kvscope copies a float
file's weights into anonymous memory with MADV_HUGEPAGE at load (f32d23): AnonHugePages is how much of that copy the
kernel really gave 2 MiB pages. Run it in the background around a benchmark."""
import os, signal, sys, time

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


def command(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            args = [a.decode() for a in f.read().split(b"\0")]
        name = os.path.basename(args[0])
        return name + (" " + " ".join(a for a in args[1:] if a in ("bench", "generate")) if name == "java" else "")
    except OSError:
        return "?"


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


def main():
    period = float(sys.argv[1]) if len(sys.argv) > 1 else 0.5
    live = {}

    def stop(*_):
        for pid, seen in live.items():
            report(pid, seen)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    me = str(os.getpid())
    while True:
        for pid in [p for p in os.listdir("/proc") if p.isdigit() and p != me]:
            if pid not in live:
                cmd = command(pid)
                if not (cmd.startswith("java") or cmd.startswith("llama")):
                    continue
                f = model(pid)
                if f is None:
                    continue
                live[pid] = {"cmd": cmd, "file": f, "at": {}}
            r = rollup(pid)
            if r and r.get("Rss", 0) >= live[pid]["at"].get("Rss", 0):
                live[pid]["at"] = r
        for pid in [p for p in live if not os.path.exists("/proc/" + p)]:
            report(pid, live.pop(pid))
        time.sleep(period)


if __name__ == "__main__":
    main()

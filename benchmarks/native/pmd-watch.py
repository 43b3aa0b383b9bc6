#!/usr/bin/env python3
"""Which processes map a model file with 2 MiB entries (issue 17, thp20, docs/BENCHMARKS.md).

pmd-watch.py [SECONDS]: every SECONDS (default 1) reads /proc/PID/smaps of every process mapping a .gguf file and prints,
when a process ends (or at Ctrl-C / SIGTERM), its largest mapping's figures as seen last: pid, command, file, Rss and
FilePmdMapped (MiB), and the mapping's start address mod 2 MiB. Run it in the background around a benchmark."""
import os, signal, sys, time

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

def command(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            args = f.read().split(b"\0")
        name = os.path.basename(args[0].decode())
        return name + (" " + " ".join(a.decode() for a in args[1:] if a.decode() in ("bench", "generate")) if name == "java" else "")
    except OSError:
        return "?"

def report(pid, seen):
    m = max(seen["maps"], key=lambda m: m["Rss"])
    print("%s pid %s %s %s: Rss %.0f MiB, FilePmdMapped %.0f MiB (%.0f%%), start mod 2 MiB = %d KiB" % (
        time.strftime("%H:%M:%S", time.gmtime()), pid, seen["cmd"], os.path.basename(m["file"]), m["Rss"] / 1024,
        m["FilePmdMapped"] / 1024, 100.0 * m["FilePmdMapped"] / max(m["Rss"], 1), m["start"] % (2 << 20) // 1024), flush=True)

def main():
    period = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
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
                try:
                    with open("/proc/%s/maps" % pid) as f:
                        if ".gguf" not in f.read():
                            continue
                except OSError:
                    continue
            maps = gguf_mappings(pid)
            if maps:
                live[pid] = {"maps": maps, "cmd": live.get(pid, {}).get("cmd") or command(pid)}
        for pid in [p for p in live if not os.path.exists("/proc/" + p)]:
            report(pid, live.pop(pid))
        time.sleep(period)

if __name__ == "__main__":
    main()

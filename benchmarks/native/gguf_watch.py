"""The loop pmd-watch.py and anon-watch.py share (issue 17): every PERIOD seconds, every process that maps a .gguf
file is sampled; when a process ends (or at Ctrl-C / SIGTERM) its kept sample is reported."""
import os, signal, sys, time


def command(pid):
    """The process's program name, with `bench` or `generate` after it for a JVM."""
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            args = [a.decode() for a in f.read().split(b"\0")]
        name = os.path.basename(args[0])
        return name + (" " + " ".join(a for a in args[1:] if a in ("bench", "generate")) if name == "java" else "")
    except OSError:
        return "?"


def maps_gguf(pid):
    try:
        with open("/proc/%s/maps" % pid) as f:
            return ".gguf" in f.read()
    except OSError:
        return False


def watch(period, sample, report):
    """sample(pid, kept) returns the sample to keep (or kept, or None to skip the process); report(pid, kept) prints."""
    live = {}

    def stop(*_):
        for pid, kept in live.items():
            report(pid, kept)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    me = str(os.getpid())
    while True:
        for pid in [p for p in os.listdir("/proc") if p.isdigit() and p != me]:
            if pid not in live and not maps_gguf(pid):
                continue
            kept = sample(pid, live.get(pid))
            if kept is not None:
                live[pid] = kept
        for pid in [p for p in live if not os.path.exists("/proc/" + p)]:
            report(pid, live.pop(pid))
        time.sleep(period)

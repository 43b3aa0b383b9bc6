"""One line per benchmark process, shared by engine-triples.py and spin-ab.py (issue 17): each process's decode read
rate (tok/s x file bytes) and its memory state (slow below SLOW GB/s), written as it finishes and read back by --sum."""
import argparse
import datetime
import re
import sys


def measure(word, index, name, size, slow_gbs, run):
    """Runs one process (run() -> prefill tok/s, decode tok/s, peak RSS KiB) and prints its line; returns
    (decode tok/s, state)."""
    start = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S")
    load = open("/proc/loadavg").read().split()[0]
    pp, tg, rss = run()
    gbs = tg * size / 1e9
    state = "slow" if gbs < slow_gbs else "fast"
    print("%s %d %-22s %s load %s  prefill %7.2f  decode %6.2f tok/s  %5.1f GB/s %s  RSS %d MiB"
          % (word, index, name, start, load, pp, tg, gbs, state, rss // 1024), flush=True)
    return tg, state


def read(logs, word):
    """The process lines of LOGS written with WORD ("triple", "round"), as dicts: model, log, index, name, time, load,
    pp, tg, gbs, state (model: the last "FILE.gguf, N GB" line above)."""
    line_re = re.compile(word + r" (\d+) (\S+)\s+(\S+) load (\S+)\s+prefill\s+(\S+)\s+decode\s+(\S+) tok/s\s+(\S+) GB/s (\w+)")
    procs = []
    for log in logs:
        model = None
        for line in open(log):
            m = re.match(r"(\S+\.gguf), ", line)
            if m:
                model = m.group(1)
            m = line_re.search(line)
            if m:
                procs.append({"model": model, "log": log, "index": int(m.group(1)), "name": m.group(2),
                              "time": m.group(3), "load": m.group(4), "pp": float(m.group(5)), "tg": float(m.group(6)),
                              "gbs": float(m.group(7)), "state": m.group(8)})
    return procs


def series_arguments(doc, summarize, files, count, default):
    """A series script's command line: `--sum LOG...` hands the logs to summarize and returns None; otherwise parses
    its positional arguments FILES (a list of (name, nargs)), the series' length COUNT (an option, DEFAULT) and the
    shared --first and --slow-gbs."""
    if len(sys.argv) > 1 and sys.argv[1] == "--sum":
        summarize(sys.argv[2:])
        return None
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    for name, nargs in files:
        p.add_argument(name, nargs=nargs)
    p.add_argument(count, type=int, default=default)
    p.add_argument("--first", type=int, default=0, help="the first round's rotation (continues an earlier series)")
    p.add_argument("--slow-gbs", type=float, default=40.0, help="GB/s below which a process counts as slow")
    return p.parse_args()

"""One line per benchmark process, shared by engine-triples.py, spin-ab.py and compare.py --times (issue 17): each
process's start and end UTC time (ms), decode read rate (tok/s x file bytes) and its memory state (slow below SLOW GB/s),
written as it finishes and read back by --sum and ping_join.py; the series scripts' shared command line; and the two
exact tests their summaries give."""
import argparse
import datetime
import math
import re
import sys


def stamp():
    """The UTC time of day to the ms (HH:MM:SS.mmm)."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S.%f")[:-3]


def measure(word, index, name, size, slow_gbs, run):
    """Runs one process (run() -> prefill tok/s, decode tok/s, peak RSS KiB) and prints its line; returns
    (decode tok/s, state)."""
    start = stamp()
    load = open("/proc/loadavg").read().split()[0]
    pp, tg, rss = run()
    gbs = tg * size / 1e9
    state = "slow" if gbs < slow_gbs else "fast"
    print("%s %d %-22s %s-%s load %s  prefill %7.2f  decode %6.2f tok/s  %5.1f GB/s %s  RSS %d MiB"
          % (word, index, name, start, stamp(), load, pp, tg, gbs, state, rss // 1024), flush=True)
    return tg, state


def read(logs, word):
    """The process lines of LOGS written with WORD ("triple", "round", "process"), as dicts: model, log, index, name, time,
    start, end, load, pp, tg, gbs, state (model: the last "FILE.gguf, N GB" line above; time: START-END, or START alone
    in logs written before state31; start and end: HH:MM:SS[.mmm], end None where absent)."""
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
                start, _, end = m.group(3).partition("-")
                procs.append({"model": model, "log": log, "index": int(m.group(1)), "name": m.group(2),
                              "time": m.group(3), "start": start, "end": end or None, "load": m.group(4), "pp": float(m.group(5)), "tg": float(m.group(6)),
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


def binomial_two_sided(k, n):
    """P(a split of n at least as uneven as k : n - k) when each is 1/2."""
    if n == 0:
        return 1.0
    lo = min(k, n - k)
    p = sum(math.comb(n, i) for i in range(lo + 1)) / 2 ** n
    return min(1.0, 2 * p)


def fisher_two_sided(a, b, c, d):
    """Fisher's exact test on [[a, b], [c, d]]: the probability of tables with the same margins no likelier than it."""
    n1, n2, k = a + b, c + d, a + c

    def p(x):
        return math.comb(n1, x) * math.comb(n2, k - x) / math.comb(n1 + n2, k)

    observed = p(a)
    return min(1.0, sum(p(x) for x in range(max(0, k - n2), min(k, n1) + 1) if p(x) <= observed * (1 + 1e-9)))

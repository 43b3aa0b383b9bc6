#!/usr/bin/env python3
"""Issue 17 (state31): where the host ran the two vCPUs while each benchmark process ran.

  benchmarks/llamacpp/ping_join.py PINGLOG COMPARELOG [MORE LOGS ...] [--near 200] [--far 250]
  benchmarks/llamacpp/ping_join.py PINGLOG ...        (ping logs alone: each one's base rate)

PINGLOG: benchmarks/native/ping-watch's output (a line a sample: UTC time, median round trip of a cache line between
cpu0 and cpu1, "ok" or "disturbed"); COMPARELOG: compare.py --times' output (process_log.py's "process" lines: pair,
engine, start-end UTC time, decode GB/s and state). Any log may hold both (the two concatenated); one UTC day.
An undisturbed sample is near (median <= --near ns: both vCPUs on one CCD, the slow memory state, copy29) or far
(> --far ns: two CCDs); one between is counted in neither share.

Per process: the near / far samples over the whole process, its last third, and three phases estimated from its own
rates, back from its end: decode, the measured decode runs (kvscope bench: the last REPEAT of its WARMUP + REPEAT runs,
each PROMPT tokens' prefill then DECODE tokens; llama-bench -p P -n N -d 0,D: its last test, tg N @ dD, 1 + REPEAT x N
tokens), prefill (the rest of the runs: kvscope's prefills and warm-up decode; llama-bench's pp P @ d0, tg N @ d0 and
pp P @ dD tests, 2 x (1 + REPEAT) + 1 prompts and 1 + REPEAT x N tokens) and load (the start, up to the first run);
REPEAT, PROMPT, DECODE and WARMUP come from the log's "command:" line (compare.py's defaults otherwise). A phase is near
or far where more than half of its counted samples are, "mixed" otherwise, "-" without samples; the switches are
near-to-far or far-to-near steps between consecutive counted samples. Then per engine and per position in the pair:
processes whose decode phase was mostly near / far, "slow while far" (decode < 40 GB/s with the decode phase far: the
process's own problem, not the host's), "fast while near", Fisher's exact p (engine or position x decode near / far)
and the binomial p of the pairs whose two decode phases differed; kvscope's processes from a log headed "set: SET"
(benchmarks/llamacpp/ping-series.sh) count as their own group, "kvscope [SET]". Python 3 standard library only.
"""
import argparse
import datetime
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import process_log  # noqa: E402

SAMPLE = re.compile(r"^(\d{4}-\d\d-\d\dT[\d:.]+) (?:median (\d+) ns mean \d+ ns max \d+ ns wake (\d+) us (ok|disturbed)"
                    r"|abandoned)")
SETTINGS = {"repeat": 3, "prompt": 256, "decode": 32, "depth": 0, "kvscope-warmup": 1}


def seconds(clock):
    """HH:MM:SS[.mmm] -> seconds after midnight."""
    h, m, s = clock.split(":")
    return int(h) * 3600 + int(m) * 60 + float(s)


def read_pings(path):
    """[(seconds after midnight, median ns or None where disturbed, wake us)], the log's date."""
    samples, day = [], None
    for line in open(path, errors="replace"):
        m = SAMPLE.match(line)
        if m:
            stamp = datetime.datetime.fromisoformat(m.group(1))
            day = day or stamp.date()
            if stamp.date() != day:
                sys.exit("ping_join.py: %s spans two UTC days; split it" % path)
            ok = m.group(4) == "ok"
            samples.append((seconds(m.group(1).split("T")[1]), int(m.group(2)) if ok else None,
                            int(m.group(3)) if m.group(3) else None))
    return samples, day


def settings(path):
    """compare.py's settings from the log's "command:" line."""
    got = dict(SETTINGS, set=None)
    for line in open(path, errors="replace"):
        if line.startswith("set: "):  # ping-series.sh's label of the call's arguments
            got["set"] = line[5:].strip()
        if line.startswith("command: "):
            words = line.split()
            for i, w in enumerate(words[:-1]):
                if w.startswith("--") and w[2:] in got:
                    got[w[2:]] = int(words[i + 1])
            break
    return got


def phases(p, s):
    """[(phase, from, to)] in seconds after midnight, estimated back from the process's end (the module's doc)."""
    start, end = seconds(p["start"]), seconds(p["end"])
    if end < start:
        end += 86400
    prompt = s["depth"] or s["prompt"]
    pre = prompt / p["pp"] if p["pp"] else 0.0
    dec = s["decode"] / p["tg"]
    spans = []
    if p["name"] == "llama.cpp":
        d = (1 + s["repeat"] * s["decode"]) / p["tg"]
        spans.append(("decode", end - d, end))
        if s["depth"]:
            other = pre  # -p 0 -d D: one depth fill before the first decode run (no prefill rate: pp is 0)
        else:
            other = (2 * (1 + s["repeat"]) + 1) * pre + (1 + s["repeat"] * s["decode"]) / p["tg"]
        spans.append(("prefill", end - d - other, end - d))
    else:
        t = end
        for run in range(s["kvscope-warmup"] + s["repeat"]):
            spans.append(("decode" if run < s["repeat"] else "prefill", t - dec, t))
            spans.append(("prefill", t - dec - pre, t - dec))
            t -= dec + pre
    first = min(a for _, a, _ in spans)
    # load: 0 s where the runs as estimated would not fit in the process
    return [("load", start, max(start, first))] + [(n, max(a, start), b) for n, a, b in spans if b > start]


def tally(samples, near, far):
    n = sum(1 for _, ns, _ in samples if ns is not None and ns <= near)
    f = sum(1 for _, ns, _ in samples if ns is not None and ns > far)
    return n, f, sum(1 for _, ns, _ in samples if ns is None), len(samples)


def verdict(n, f, counted):
    if counted == 0:
        return "-"
    return "near" if n * 2 > counted else "far" if f * 2 > counted else "mixed"


def cell(samples, near, far):
    """'STATE near/between/far' and STATE."""
    n, f, dis, total = tally(samples, near, far)
    counted = total - dis
    return "%-5s %3d/%d/%-3d" % (verdict(n, f, counted), n, counted - n - f, f), verdict(n, f, counted)


def switches(samples, spans, near, far):
    """The near/far changes between consecutive counted samples, as 'to-STATE in PHASE' items."""
    out, last = [], None
    for t, ns, _ in samples:
        if ns is None or near < ns <= far:
            continue
        state = "near" if ns <= near else "far"
        if last and state != last:
            phase = next((n for n, a, b in spans if a <= t <= b), "?")
            out.append("%s in %s" % (state, phase))
        last = state
    return out


def base_rate(path, samples, near, far):
    n, f, dis, total = tally(samples, near, far)
    counted = total - dis
    sw = len(switches(samples, [], near, far))
    wakes = [w for _, _, w in samples if w is not None]
    print("%s: %d samples, %d disturbed; of the rest near %d (%.0f%%), far %d (%.0f%%), between %d; %d near/far switches;"
          " median round trip %s ns; wake median %s us" % (
              os.path.basename(path), total, dis, n, 100 * n / max(1, counted), f, 100 * f / max(1, counted),
              counted - n - f, sw, statistics.median(ns for _, ns, _ in samples if ns is not None) if counted else "-",
              statistics.median(wakes) if wakes else "-"))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("logs", nargs="+")
    p.add_argument("--near", type=float, default=200.0, help="ns: a median round trip at or under it is near")
    p.add_argument("--far", type=float, default=250.0, help="ns: a median round trip over it is far")
    a = p.parse_args()
    samples, compares = [], []
    for path in a.logs:
        if not os.path.isfile(path):
            sys.exit("ping_join.py: %s is not a file" % path)
        got, _ = read_pings(path)
        if got:
            base_rate(path, got, a.near, a.far)
            samples += got
        if process_log.read([path], "process"):
            compares.append(path)
        elif not got:
            sys.exit("ping_join.py: %s has neither ping-watch samples nor compare.py --times process lines" % path)
    samples.sort()
    procs = []
    for path in compares:
        s = settings(path)
        found = process_log.read([path], "process")
        for q in found:
            if not q["end"]:
                sys.exit("ping_join.py: %s: a process line without its end time" % path)
            q["spans"] = phases(q, s)
            q["group"] = q["name"]
            if q["name"] == "kvscope" and s["set"]:
                q["group"] = "kvscope [%s]" % s["set"]
        procs += found
    if not procs:
        return
    for q in procs:  # position in the pair: by start time among the pair's processes of one log and model
        mates = sorted((x for x in procs if (x["log"], x["model"], x["index"]) == (q["log"], q["model"], q["index"])),
                       key=lambda x: seconds(x["start"]))
        q["pos"] = mates.index(q) + 1
    print("\nper process: majority and near/between/far counts of the undisturbed samples over the whole process, its last third"
          " and its phases (estimated from its rates); switches: near/far changes per phase")
    print("%-24s %4s %-9s %3s %-25s %6s %6s %5s %-4s | %-5s %-5s %-15s | %-15s | %-15s %-15s %-15s | %s" % (
        "model", "pair", "engine", "pos", "start-end UTC", "s", "load s", "GB/s", "", "n", "dist", "whole", "last third",
        "load", "prefill", "decode", "switches"))
    inside = set()
    for q in procs:
        start, end = seconds(q["start"]), seconds(q["end"])
        mine = [x for x in samples if start <= x[0] <= end]
        inside.update(x[0] for x in mine)
        last = [x for x in mine if x[0] >= end - (end - start) / 3]
        whole, q["whole"] = cell(mine, a.near, a.far)
        cells = {}
        for name in ("load", "prefill", "decode"):
            got = [x for x in mine if any(n == name and lo <= x[0] <= hi for n, lo, hi in q["spans"])]
            cells[name], q[name] = cell(got, a.near, a.far)
        sw = {}
        for item in switches(mine, q["spans"], a.near, a.far):
            phase = item.split(" in ")[1]
            sw[phase] = sw.get(phase, 0) + 1
        load = next(hi - lo for n, lo, hi in q["spans"] if n == "load")
        print("%-24s %4d %-9s %3d %-25s %6.1f %6.1f %5.1f %-4s | %-5d %-5d %s | %s | %s %s %s | %s" % (
            q["model"][:24], q["index"], q["name"], q["pos"], q["time"], end - start, load, q["gbs"], q["state"], len(mine),
            tally(mine, a.near, a.far)[2], whole, cell(last, a.near, a.far)[0], cells["load"], cells["prefill"],
            cells["decode"], ", ".join("%s %d" % (k, sw[k]) for k in ("load", "prefill", "decode") if k in sw) or "-"))
    rest = [x for x in samples if x[0] not in inside]
    if rest:
        n, f, dis, total = tally(rest, a.near, a.far)
        print("outside the timed processes: %d samples, %d disturbed, near %d, far %d" % (total, dis, n, f))
    summarize(procs)


def summarize(procs):
    print("\nby decode phase (mostly near = both vCPUs on one CCD while the measured decode ran):")
    groups = [("engine " + e, [q for q in procs if q["group"] == e]) for e in sorted({q["group"] for q in procs})]
    groups += [("position %d" % k, [q for q in procs if q["pos"] == k]) for k in sorted({q["pos"] for q in procs})]
    for label, qs in groups:
        print("  %-18s %2d processes: decode near %2d, far %2d, mixed/none %2d; whole mostly near %2d, far %2d; slow while"
              " far %d, fast while near %d, slow while near %d, fast while far %d" % (
                  label, len(qs), sum(q["decode"] == "near" for q in qs), sum(q["decode"] == "far" for q in qs),
                  sum(q["decode"] not in ("near", "far") for q in qs), sum(q["whole"] == "near" for q in qs),
                  sum(q["whole"] == "far" for q in qs),
                  sum(q["decode"] == "far" and q["state"] == "slow" for q in qs),
                  sum(q["decode"] == "near" and q["state"] == "fast" for q in qs),
                  sum(q["decode"] == "near" and q["state"] == "slow" for q in qs),
                  sum(q["decode"] == "far" and q["state"] == "fast" for q in qs)))
    for kind, key in (("engine", "group"), ("position", "pos")):
        values = sorted({q[key] for q in procs})
        counts = {v: (sum(q[key] == v and q["decode"] == "near" for q in procs),
                      sum(q[key] == v and q["decode"] == "far" for q in procs)) for v in values}
        for i, v in enumerate(values):
            for w in values[i + 1:]:
                (a, b), (c, d) = counts[v], counts[w]
                print("  %s %s near/far %d/%d vs %s %d/%d: Fisher two-sided p = %.3f" % (
                    kind, v, a, b, w, c, d, process_log.fisher_two_sided(a, b, c, d)))
    pairs = {}
    for q in procs:
        pairs.setdefault((q["log"], q["model"], q["index"]), {})[q["name"]] = q
    split = [p for p in pairs.values() if {"kvscope", "llama.cpp"} <= set(p)
             and {p["kvscope"]["decode"], p["llama.cpp"]["decode"]} == {"near", "far"}]
    k = sum(p["kvscope"]["decode"] == "near" for p in split)
    print("  pairs whose decode phases split near/far: %d; kvscope near / llama.cpp far %d, the reverse %d: binomial p = "
          "%.3f" % (len(split), k, len(split) - k, process_log.binomial_two_sided(k, len(split))))
    first = sum(p[min(p, key=lambda e: p[e]["pos"])]["decode"] == "near" for p in split)
    print("  of those, the first process near %d, the second %d: binomial p = %.3f" % (
        first, len(split) - first, process_log.binomial_two_sided(first, len(split))))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Issue 17 (trans32): when the host moves the two vCPUs between one CCD (near) and two (far), joined with the processes.

  benchmarks/llamacpp/ping_timing.py LOG... [--near 200] [--far 250] [--window 1.0] [--inherit 15]

LOGs as ping_join.py's (ping-watch samples, compare.py --times calls, or both in one file); a file holding several
ping-series.sh calls (several "set:" lines, as the lead's series logs) is split at each "set:" line so that each call's
pairs stay apart. Samples are classed and phases estimated as ping_join.py does ("baseline" processes count as kvscope).
Prints:
- per process: the state of the last counted sample before it started (within --inherit s: what it inherited), of its
  first and last counted sample, its load / prefill / decode majorities and its near->far / far->near switches;
- per engine and phase (load, prefill, decode, and "between" for the samples outside every process): seconds of counted
  samples (count x the median sample spacing), near share, switches each way, switches per second of counted samples,
  and each way per second spent in the state it leaves (the hazard);
- whether the decode's placement follows what the process inherited, its first sample or its load's last sample
  (Fisher's exact p per engine);
- switch timing: of the switches inside the runs (prefill and decode phases, both samples at most two spacings apart),
  how many fall within --window s of an estimated boundary between runs or tests (kvscope bench: each run's prefill and
  decode; llama-bench: each test's warm-up, depth fill and repetitions), against the share of counted sample time within
  that window (one-sided binomial p).
Python 3 standard library only.
"""
import argparse
import math
import os
import random
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ping_join  # noqa: E402
import process_log  # noqa: E402

PHASES = ("load", "warm-up", "prefill", "decode")
AGES = (0, 5, 10, 20, 40, 80)


def split_calls(paths, folder):
    """The compare logs among PATHS, a file with several "set:" lines cut into one file a call under FOLDER."""
    out = []
    for path in paths:
        lines = open(path, errors="replace").readlines()
        marks = [i for i, line in enumerate(lines) if line.startswith("set: ")]
        if len(marks) < 2:
            out.append(path)
            continue
        for k, (a, b) in enumerate(zip(marks, marks[1:] + [len(lines)])):
            part = os.path.join(folder, "%s#%02d" % (os.path.basename(path), k + 1))
            open(part, "w").writelines(lines[a:b])
            out.append(part)
    return out


def state(ns, near, far):
    return None if ns is None else "near" if ns <= near else "far" if ns > far else "between"


def counted(samples, near, far):
    """[(t, 'near'|'far')] of the undisturbed samples outside the band between."""
    return [(t, s) for t, ns, _ in samples for s in [state(ns, near, far)] if s in ("near", "far")]


def smooth(marks, k):
    """MARKS with each spell of fewer than K samples (after the first spell) given the state before it."""
    out, i = list(marks), 0
    while i < len(out):
        j = i
        while j < len(out) and out[j][1] == out[i][1]:
            j += 1
        if i and j - i < k:
            for x in range(i, j):
                out[x] = (out[x][0], out[i - 1][1])
            while i and out[i - 1][1] == out[i][1]:  # the merged spell continues the one before: rescan from its start
                i -= 1
            continue
        i = j
    return out


def llama_edges(p, s):
    """llama-bench's internal boundaries (its tests' warm-ups, depth fill and repetitions), back from the end; [] where
    the settings are not -p P -n N -d 0,P."""
    if s["depth"] or not p["pp"] or not p["tg"]:
        return []
    P, N, R = s["prompt"], s["decode"], s["repeat"]
    pre, tok = P / p["pp"], 1 / p["tg"]
    steps = [pre] + [pre] * R + [tok] + [N * tok] * R + [pre, pre] + [pre] * R + [tok] + [N * tok] * R
    t = ping_join.seconds(p["end"])
    if t < ping_join.seconds(p["start"]):
        t += 86400
    edges = []
    for d in reversed(steps):
        edges.append(t)
        t -= d
    edges.append(t)
    return edges[1:]  # not the process's end


def phase_at(spans, t):
    return next((n for n, a, b in spans if a <= t <= b), None)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("logs", nargs="+")
    p.add_argument("--near", type=float, default=200.0)
    p.add_argument("--far", type=float, default=250.0)
    p.add_argument("--window", type=float, default=1.0, help="s either side of a boundary")
    p.add_argument("--inherit", type=float, default=15.0, help="s before a start searched for the inherited state")
    p.add_argument("--min-run", type=int, default=1, help="counted samples a state must hold to count: shorter spells"
                   " take the state before them (1: every sample as read)")
    p.add_argument("--idle", action="append", default=[], help="an idle_watch.py log (repeatable): idle entries per"
                   " second and idle share by engine and phase")
    p.add_argument("--by-set", action="store_true", help="kvscope's processes apart by their call's set (ping-series.sh"
                   " logs): kvscope/1, kvscope/2 ... in the order the sets first appear")
    p.add_argument("--models", default="", help="comma-separated parts of file names: only those files' processes")
    a = p.parse_args()
    samples, weight = [], {}
    for path in a.logs:
        if not os.path.isfile(path):
            sys.exit("ping_timing.py: %s is not a file" % path)
        got = ping_join.read_pings(path)[0]
        if len(got) > 1:  # each sample stands for its own log's median spacing
            w = statistics.median(b[0] - x[0] for x, b in zip(got, got[1:]))
            weight.update((x[0], w) for x in got)
            samples += got
    samples.sort()
    if not samples:
        sys.exit("ping_timing.py: no ping-watch samples in the logs")
    procs, sets = [], []
    with tempfile.TemporaryDirectory() as folder:
        for path in split_calls(a.logs, folder):
            found = process_log.read([path], "process")
            if not found:
                continue
            s = ping_join.settings(path)
            for q in found:
                q["log"] = os.path.basename(path)
                q["engine"] = "kvscope" if q["name"] in ("kvscope", "baseline") else q["name"]
                if a.by_set and q["engine"] == "kvscope" and s["set"]:
                    if s["set"] not in sets:
                        sets.append(s["set"])
                        print("kvscope/%d: set %s" % (len(sets), s["set"]))
                    q["engine"] = "kvscope/%d" % (sets.index(s["set"]) + 1)
                q["chosen"] = not a.models or any(m in (q["model"] or "") for m in a.models.split(","))
                q["spans"] = ping_join.phases(q, s)
                if q["name"] != "llama.cpp":  # kvscope's runs before the measured ones: the warm-up (JIT compilation)
                    q["spans"] = [(n if i <= 2 * s["repeat"] else "warm-up", lo, hi)
                                  for i, (n, lo, hi) in enumerate(q["spans"])]
                q["edges"] = (llama_edges(q, s) if q["name"] == "llama.cpp" else []) or sorted(
                    {x for _, lo, hi in q["spans"] for x in (lo, hi)} - {ping_join.seconds(q["start"]),
                                                                        ping_join.seconds(q["end"])})
            procs += found
    procs.sort(key=lambda q: ping_join.seconds(q["start"]))
    marks = smooth(counted(samples, a.near, a.far), a.min_run)
    print("%d samples (spacing %s s), %d counted (near or far), %d processes" % (
        len(samples), "/".join("%.3f" % w for w in sorted(set(weight.values()))), len(marks), len(procs)))

    # phase per counted sample
    owner = []
    for t, st in marks:
        q = next((q for q in procs if ping_join.seconds(q["start"]) <= t <= ping_join.seconds(q["end"])), None)
        owner.append((q, phase_at(q["spans"], t) if q else "between"))

    print("\nper process: inherited (last counted sample within %.0f s before its start) / first / last counted sample;"
          " phase majorities; switches near->far and far->near" % a.inherit)
    print("%-24s %-9s %-25s %5s | %-8s %-5s %-5s | %-5s %-5s %-5s %-5s | %s | %s" % (
        "model", "engine", "start-end UTC", "GB/s", "inherit", "first", "last", "load", "warm", "pref", "dec", "n->f f->n", "runs: f->n far-s"))
    for q in procs:
        if not q["chosen"]:
            continue
        start, end = ping_join.seconds(q["start"]), ping_join.seconds(q["end"])
        before = [s for t, s in marks if start - a.inherit <= t < start]
        inside = [(t, s) for t, s in marks if start <= t <= end]
        q["inherit"] = before[-1] if before else "-"
        q["first"] = inside[0][1] if inside else "-"
        q["last"] = inside[-1][1] if inside else "-"
        for name in PHASES:
            got = [s for t, s in inside if phase_at(q["spans"], t) == name]
            n, f = got.count("near"), got.count("far")
            q[name] = ping_join.verdict(n, f, len(got))
        loads = [s for t, s in inside if phase_at(q["spans"], t) == "load"]
        q["load_end"] = loads[-1] if loads else "-"
        nf = sum(1 for x, y in zip(inside, inside[1:]) if (x[1], y[1]) == ("near", "far"))
        fn = sum(1 for x, y in zip(inside, inside[1:]) if (x[1], y[1]) == ("far", "near"))
        runs = [(t, s) for t, s in inside if phase_at(q["spans"], t) in ("warm-up", "prefill", "decode")]
        q["busy_fn"] = sum(1 for x, y in zip(runs, runs[1:]) if (x[1], y[1]) == ("far", "near"))
        q["busy_far"] = sum(weight[t] for t, s in runs if s == "far")
        print("%-24s %-9s %-25s %5.1f | %-8s %-5s %-5s | %-5s %-5s %-5s %-5s | %d %d | %d %.1f" % (
            (q["model"] or "?")[:24], q["name"], q["time"], q["gbs"], q["inherit"], q["first"], q["last"], q["load"],
            q["warm-up"] if q["name"] != "llama.cpp" else "", q["prefill"], q["decode"], nf, fn, q["busy_fn"],
            q["busy_far"]))

    print("\nper engine and phase: counted seconds, near share, switches near->far / far->near, switches per second, "
          "hazard (near->far per near-second, far->near per far-second)")
    rows = {}

    def keys(i):
        """The rows sample i counts in: (engine, phase) and (engine, "age A-B s") after its process's start."""
        t, (q, ph) = marks[i][0], owner[i]
        if q and not q["chosen"]:
            return []
        if not q:
            return [("-", "between")]
        age = t - ping_join.seconds(q["start"])
        lo = max(x for x in AGES if x <= age)
        hi = next((x for x in AGES if x > age), None)
        return [(q["engine"], ph or "?"), (q["engine"], "%d-%s s" % (lo, hi if hi else ""))]
    for i, (t, st) in enumerate(marks):
        for key in keys(i):
            r = rows.setdefault(key, {"near": 0.0, "far": 0.0, "nf": 0, "fn": 0})
            r[st] += weight[t]
    for i in range(1, len(marks)):
        (t0, s0), (t1, s1) = marks[i - 1], marks[i]
        if s0 == s1 or owner[i - 1][0] is not owner[i][0]:
            continue  # a change across a process boundary is no process's phase
        for key in keys(i):
            rows[key]["nf" if s0 == "near" else "fn"] += 1
    print("  %-10s %-8s %8s %6s %5s %5s %8s %12s %12s" % ("engine", "phase", "seconds", "near%", "n->f", "f->n", "sw/s",
                                                         "n->f/near-s", "f->n/far-s"))
    order = list(PHASES) + ["between"] + ["%d-%s s" % (lo, hi) for lo, hi in zip(AGES, AGES[1:] + ("",))]
    for key in sorted(rows, key=lambda k: (k[0], order.index(k[1]) if k[1] in order else 99)):
        r = rows[key]
        sec = r["near"] + r["far"]
        print("  %-10s %-8s %8.1f %5.0f%% %5d %5d %8.3f %12s %12s" % (
            key[0], key[1], sec, 100 * r["near"] / max(1e-9, sec), r["nf"], r["fn"], (r["nf"] + r["fn"]) / max(sec, 1e-9),
            "%.3f" % (r["nf"] / r["near"]) if r["near"] else "-", "%.3f" % (r["fn"] / r["far"]) if r["far"] else "-"))

    busy = {}
    for (engine, ph), r in rows.items():
        if ph in ("warm-up", "prefill", "decode"):
            b = busy.setdefault(engine, {"near": 0.0, "far": 0.0, "nf": 0, "fn": 0})
            for k in b:
                b[k] += r[k]
    names = sorted(busy)
    print("  busy (warm-up, prefill, decode): " + "; ".join(
        "%s near->far %d in %.0f near-s (%.3f/s), far->near %d in %.0f far-s (%.3f/s)" % (
            e, busy[e]["nf"], busy[e]["near"], busy[e]["nf"] / max(busy[e]["near"], 1e-9), busy[e]["fn"], busy[e]["far"],
            busy[e]["fn"] / max(busy[e]["far"], 1e-9)) for e in names))
    for e in names:
        qs = [q for q in procs if q["chosen"] and q["engine"] == e and q.get("busy_far", 0) >= 2]
        print("  %s: of %d processes with >= 2 s far inside their runs, %d were packed there (far->near) at least once" % (
            e, len(qs), sum(q["busy_fn"] > 0 for q in qs)))
    for i, e in enumerate(names):
        for f in names[i + 1:]:
            for k, side, label in (("nf", "near", "near->far"), ("fn", "far", "far->near")):
                k1, k2, t1, t2 = busy[e][k], busy[f][k], busy[e][side], busy[f][side]
                if k1 + k2 and t1 and t2:
                    print("  %s / %s %s rate ratio %.2f; conditional binomial two-sided p = %.2g" % (
                        e, f, label, (k1 / t1) / (k2 / t2), binomial_p(k1, k1 + k2, t1 / (t1 + t2))))
            low, mid, high = bootstrap([q for q in procs if q["chosen"] and q["engine"] == e],
                                       [q for q in procs if q["chosen"] and q["engine"] == f])
            print("  %s / %s far->near per far-second inside the runs, processes resampled (2,000 times): median %.2f, "
                  "95%% %.2f-%.2f" % (e, f, mid, low, high))

    print("\ndoes the decode keep what the process started with? decode near/far by ...")
    chosen = [q for q in procs if q["chosen"]]
    for engine in sorted({q["engine"] for q in chosen}):
        qs = [q for q in chosen if q["engine"] == engine and q["decode"] in ("near", "far")]
        for by in ("inherit", "first", "load_end"):
            cn = [q for q in qs if q[by] == "near"]
            cf = [q for q in qs if q[by] == "far"]
            a1, b1 = sum(q["decode"] == "near" for q in cn), sum(q["decode"] == "far" for q in cn)
            c1, d1 = sum(q["decode"] == "near" for q in cf), sum(q["decode"] == "far" for q in cf)
            print("  %-10s %-8s near: decode %2d near / %2d far; %-8s far: %2d near / %2d far; Fisher p = %.3f" % (
                engine, by, a1, b1, by, c1, d1, process_log.fisher_two_sided(a1, b1, c1, d1)))
        every = [q for q in chosen if q["engine"] == engine]
        print("  %-10s first counted sample near %d / far %d, last near %d / far %d, inherited near %d / far %d (of %d)" % (
            engine, *[sum(q[k] == v for q in every) for k in ("first", "last", "inherit") for v in ("near", "far")],
            len(every)))
        same = sum(q["first"] == q["decode"] for q in qs if q["first"] in ("near", "far"))
        print("  %-10s decode as the first sample in %d of %d; first near %d, far %d; decode near %d, far %d" % (
            engine, same, sum(q["first"] in ("near", "far") for q in qs), sum(q["first"] == "near" for q in qs),
            sum(q["first"] == "far" for q in qs), sum(q["decode"] == "near" for q in qs),
            sum(q["decode"] == "far" for q in qs)))

    if a.idle:
        idle_rows(a.idle, procs)

    print("\nswitch timing inside the runs (prefill and decode phases): within %.1f s of a boundary between runs or tests"
          % a.window)
    for engine in sorted({q["engine"] for q in chosen}):
        hit = {"nf": [0, 0], "fn": [0, 0]}
        exposure = [0, 0]  # counted samples inside the runs: within the window, all
        for i, (t, st) in enumerate(marks):
            q, ph = owner[i]
            if not q or not q["chosen"] or q["engine"] != engine or ph not in ("warm-up", "prefill", "decode"):
                continue
            close = any(abs(t - e) <= a.window for e in q["edges"])
            exposure[0] += close
            exposure[1] += 1
            if i and owner[i - 1][0] is q and marks[i - 1][1] != st and t - marks[i - 1][0] <= 2 * weight[t] + 1e-6:
                mid = (t + marks[i - 1][0]) / 2
                k = "nf" if st == "far" else "fn"
                hit[k][0] += any(abs(mid - e) <= a.window for e in q["edges"])
                hit[k][1] += 1
        share = exposure[0] / max(1, exposure[1])
        for k, label in (("nf", "near->far"), ("fn", "far->near")):
            h, n = hit[k]
            tail = sum(math.comb(n, j) * share ** j * (1 - share) ** (n - j) for j in range(h, n + 1)) if n else 1.0
            print("  %-10s %-9s %2d of %2d switches near a boundary; sample time there %.0f%% (expected %.1f); "
                  "P(>= %d) = %.3f" % (engine, label, h, n, 100 * share, share * n, h, tail))


def bootstrap(xs, ys, rounds=2000):
    """The far->near rate ratio inside the runs (switches per far-second, XS's over YS's) with the processes resampled:
    2.5%, 50% and 97.5% points (a guard against switches clustering in a few processes)."""
    rng, out = random.Random(1), []
    for _ in range(rounds):
        a = [rng.choice(xs) for _ in xs]
        b = [rng.choice(ys) for _ in ys]
        fa, fb = sum(q["busy_far"] for q in a), sum(q["busy_far"] for q in b)
        ra, rb = sum(q["busy_fn"] for q in a) / fa if fa else 0.0, sum(q["busy_fn"] for q in b) / fb if fb else 0.0
        out.append(ra / rb if rb else float("inf"))
    out.sort()
    return out[int(0.025 * rounds)], out[rounds // 2], out[int(0.975 * rounds)]


def binomial_p(k, n, p):
    """Two-sided exact binomial p of k successes in n at rate p (the sum over outcomes no likelier than k)."""
    probs = [math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(n + 1)]
    return min(1.0, sum(x for x in probs if x <= probs[k] * (1 + 1e-9)))


def idle_rows(paths, procs):
    """Idle entries per second (all CPUs) and the idle share, by engine and phase (each interval at its midpoint)."""
    points = []
    for path in paths:
        for line in open(path, errors="replace"):
            words = line.split()
            if len(words) > 2 and words[1] == "idle":
                t = ping_join.seconds(words[0].split("T")[1])
                points.append((t, sum(int(x) for x in words[3::3]), sum(int(x) for x in words[4::3]), len(words[2::3])))
    points.sort()
    rows = {}
    for (t0, e0, i0, n), (t1, e1, i1, _) in zip(points, points[1:]):
        if not 0 < t1 - t0 < 5:
            continue
        mid = (t0 + t1) / 2
        q = next((q for q in procs if ping_join.seconds(q["start"]) <= mid <= ping_join.seconds(q["end"])), None)
        if q and not q["chosen"]:
            continue
        key = (q["engine"], phase_at(q["spans"], mid) or "?") if q else ("-", "between")
        r = rows.setdefault(key, [0.0, 0, 0, n])
        r[0] += t1 - t0
        r[1] += e1 - e0
        r[2] += i1 - i0
    print("\nidle entries (cpuidle usage, all CPUs) per second and idle share, by engine and phase (%s)" % ", ".join(paths))
    order = list(PHASES) + ["between"]
    for key in sorted(rows, key=lambda k: (k[0], order.index(k[1]) if k[1] in order else 99)):
        sec, entries, idle_us, n = rows[key]
        print("  %-10s %-8s %7.1f s  %8.0f entries/s  idle %5.1f%%" % (key[0], key[1], sec, entries / sec,
                                                                    100 * idle_us / (sec * 1e6 * n)))


if __name__ == "__main__":
    main()

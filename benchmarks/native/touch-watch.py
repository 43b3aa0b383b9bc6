#!/usr/bin/env python3
"""Counts touch-watch.sh's states (issue 17, copy29): per process, the median read GB/s before the action (t < AT),
in the 3 s after it ends, and from then to the end, each window slow below SLOW_GBS (45: the VM's two speeds, ~31-37 and
~50-60 GB/s, split there); per action the counts of slow windows and of fast-before/slow-after switches, the action's
cost (GB/s), with READ_FILE the page-cache reads' medians in the same windows, and the thp_fault_fallback delta (2 MiB faults the guest could not serve with a 2 MiB page).
  touch-watch.py LOG [SLOW_GBS]"""
import re
import statistics
import sys


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: touch-watch.py LOG [SLOW_GBS]")
    slow = float(sys.argv[2]) if len(sys.argv) > 2 else 45.0
    procs, cur, samples = [], None, []
    for line in open(sys.argv[1]):
        m = re.match(r"== round (\d+) process (\d+) action ([\w-]+), (\S+), load (\S+)", line)
        if m:
            cur = {"action": m.group(3), "time": m.group(4), "load": m.group(5), "reads": [], "at": None, "end": None,
                   "cost": None, "fb": {}}
            procs.append(cur)
            continue
        if cur is None:
            continue
        m = re.match(r"t ([\d.]+) read ([\d.]+) GB/s.*?(?: file ([\d.]+) GB/s)?$", line)
        if m:
            cur["reads"].append((float(m.group(1)), float(m.group(2))))
            if m.group(3):
                cur.setdefault("file", []).append((float(m.group(1)), float(m.group(3))))
            pm = re.search(r"ping (\d+) ns one ([\d.]+) GB/s", line)
            if pm:
                samples.append((float(m.group(2)), float(pm.group(1)), float(pm.group(2)), cur["action"]))
        m = re.match(r"action \w+ ([\d.]+) GB in ([\d.]+) s \(([\d.]+) GB/s\) at ([\d.]+) s", line)
        if m:
            cur["at"], cur["end"] = float(m.group(4)), float(m.group(4)) + float(m.group(2))
            cur["cost"] = float(m.group(3)) if float(m.group(1)) else None
        m = re.match(r"(before|after): thp_fault_alloc (\d+) thp_fault_fallback (\d+)", line)
        if m:
            cur["fb"][m.group(1)] = int(m.group(3))
    rows = {}
    print("%-8s %-8s %5s  %6s %6s %6s  %s" % ("action", "time", "load", "before", "0-3s", "rest", "cost GB/s"))
    for p in procs:
        if p["at"] is None or not p["reads"]:
            continue
        w = [[g for t, g in p["reads"] if t < p["at"]], [g for t, g in p["reads"] if p["end"] <= t < p["end"] + 3],
             [g for t, g in p["reads"] if t >= p["end"] + 3]]
        med = [statistics.median(x) if x else float("nan") for x in w]
        p["state"] = ["-" if m != m else "slow" if m < slow else "fast" for m in med]
        extra = ""
        if p.get("file"):
            f = [[g for t, g in p["file"] if t < p["at"]], [g for t, g in p["file"] if p["end"] <= t < p["end"] + 3],
                 [g for t, g in p["file"] if t >= p["end"] + 3]]
            extra = "  page cache %s" % " ".join("%.1f" % statistics.median(x) if x else "nan" for x in f)
        print("%-8s %-8s %5s  %6.1f %6.1f %6.1f  %s%s" % (p["action"], p["time"], p["load"], med[0], med[1], med[2],
              "%.2f" % p["cost"] if p["cost"] else "-", extra))
        rows.setdefault(p["action"], []).append(p)
    print("\nper action: processes; slow windows before / 0-3 s after / rest; fast before -> slow 0-3 s after;"
          " slow before -> fast after; median cost GB/s; thp_fault_fallback added by the action")
    for a, ps in rows.items():
        slows = [sum(1 for p in ps if p["state"][i] == "slow") for i in range(3)]
        f2s = sum(1 for p in ps if p["state"][0] == "fast" and p["state"][1] == "slow")
        s2f = sum(1 for p in ps if p["state"][0] == "slow" and p["state"][1] == "fast")
        costs = [p["cost"] for p in ps if p["cost"]]
        fb = sum(p["fb"].get("after", 0) - p["fb"].get("before", 0) for p in ps)
        print("%-8s %2d  %d / %d / %d  %d of %d  %d of %d  %s  %d" % (a, len(ps), *slows, f2s,
              sum(1 for p in ps if p["state"][0] == "fast"), s2f, sum(1 for p in ps if p["state"][0] == "slow"),
              "%.2f" % statistics.median(costs) if costs else "-", fb))
    if samples:
        print("\nrounds by action and the two-thread read's state: rounds; median (10th-90th percentile) ping ns; one"
              " thread's read GB/s; two threads' GB/s")
        groups = []
        for a in rows:
            groups.append(((a, "slow"), lambda x, a=a: x[3] == a and x[0] < slow))
            groups.append(((a, "fast"), lambda x, a=a: x[3] == a and x[0] >= slow))
        for (action, name), keep in groups:
            got = [x for x in samples if keep(x)]
            if not got:
                continue

            def q(vals):
                vals = sorted(vals)
                return "%.1f (%.1f-%.1f)" % (statistics.median(vals), vals[len(vals) // 10], vals[len(vals) * 9 // 10])
            print("  %-10s %s %5d  ping %s  one %s  two %s" % (action, name, len(got), q([x[1] for x in got]), q([x[2] for x in got]),
                                                       q([x[0] for x in got])))

        print("undisturbed rounds (one thread >= 25 GB/s, ping <= 2,000 ns) by ping, near (<= 200 ns) or far, and state:")
        for action in rows:
            got = [x for x in samples if x[3] == action and x[1] <= 2000 and x[2] >= 25]
            cells = ["%s %s %d" % (near, st, sum(1 for x in got if (x[1] <= 200) == (near == "near")
                                                 and (x[0] < slow) == (st == "slow")))
                     for near in ("near", "far") for st in ("slow", "fast")]
            print("  %-10s %s" % (action, ", ".join(cells)))

if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Load time of two kvscope builds, alternated (issue 17, load30): how long from a bench process's start to its first
line (the JVM's start and the model's load: the float weights' copy into fresh anonymous memory), and per process the
decode tok/s, its memory state (tok/s x file bytes, slow below --slow GB/s) and peak RSS (GNU time's, KiB).

  benchmarks/native/load-ab.py --baseline DIR [--pairs 5] [--pause 15] [--first 0|1] MODEL...

Each process runs compare.py's kvscope command (bench --bandwidth-mib 0 --quiet, KVSCOPE_AOT=0, -Dkvscope.threads=2)
with --prompt-tokens 32 --decode-tokens 32 --repeat 2 --warmup 1. Before each: --pause seconds of sleep (memory the
previous process freed is handed back to the host by free page reporting, so this load first-touches fresh memory as
a user's first load does; the guest's reported_kib is printed), then one read of the file through the page cache (so
neither build reads the disk). Pairs alternate the order (pair k: this tree first when k + --first is even).
Python 3 standard library only.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "llamacpp"))
import compare  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))


def reported_kib():
    try:
        return int(open("/sys/module/page_reporting/parameters/reported_kib").read())
    except OSError:
        return -1


def cache(model):
    with open(model, "rb", buffering=0) as f:
        while f.read(8 << 20):
            pass


def one(root, model):
    cmd = [os.path.join(root, "kvscope"), "bench", "--model", model, "--prompt-tokens", "32", "--decode-tokens", "32",
           "--repeat", "2", "--warmup", "1", "--bandwidth-mib", "0", "--quiet"]
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss:
        start = time.monotonic()
        proc = subprocess.Popen(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, cwd=root,
                                env=compare.kvscope_env(2))
        first = None
        lines = []
        for line in proc.stdout:
            if first is None:
                first = time.monotonic() - start
            lines.append(line)
        err = proc.stderr.read()
        proc.wait()
        wall = time.monotonic() - start
        if proc.returncode != 0:
            sys.exit("load-ab.py: %s exited with %d:\n%s" % (" ".join(cmd), proc.returncode, err[-2000:]))
        peak = int([l for l in rss.read().split() if l.isdigit()][-1])
    row = next(l for l in lines if l.startswith("| median |"))
    decode = float([c.strip() for c in row.strip().strip("|").split("|")][4])
    return first, wall, decode, peak


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("models", nargs="+")
    p.add_argument("--baseline", required=True, help="the other build's repository root (e.g. /tmp/main30)")
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--pause", type=float, default=15.0)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--slow", type=float, default=40.0)
    a = p.parse_args()
    builds = {"this": REPO, "base": os.path.abspath(a.baseline)}
    for model in a.models:
        gb = os.path.getsize(model) / 1e9
        ratios = []
        for k in range(a.pairs):
            order = ["this", "base"] if (k + a.first) % 2 == 0 else ["base", "this"]
            got = {}
            for name in order:
                time.sleep(a.pause)
                cache(model)
                before = reported_kib()
                load, wall, decode, peak = one(builds[name], model)
                got[name] = load
                print("%s pair %d %s: load %.2f s (start to first line), wall %.1f s, decode %.2f tok/s = %.1f GB/s %s,"
                      " peak RSS %d MiB; reported_kib %d, %s, load %s" % (
                          os.path.basename(model), k + 1, name, load, wall, decode, decode * gb,
                          "slow" if decode * gb < a.slow else "fast", peak // 1024, before, time.strftime("%H:%M:%S", time.gmtime()),
                          " ".join(open("/proc/loadavg").read().split()[:3])), flush=True)
            ratios.append(got["this"] / got["base"])
            print("%s pair %d (%s first): load this / base %.3f" % (os.path.basename(model), k + 1, order[0], ratios[-1]),
                  flush=True)
        print("%s: load this / base median %.3f (%.3f-%.3f), %d pairs" % (
            os.path.basename(model), statistics.median(ratios), min(ratios), max(ratios), len(ratios)), flush=True)


if __name__ == "__main__":
    main()

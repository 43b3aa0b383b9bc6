#!/usr/bin/env python3
"""Issue 17 (hot30): do an engine's idle threads decide how often its processes meet the host's slow memory state
(both vCPUs on one CCD)? Alternates VARIANTS process by process (rotated by one each round, so every variant runs
first as often), with compare.py's exact commands on one file, and classifies each process by decode tok/s x the
file's bytes (slow below SLOW_GBS). A variant is
  llama:POLL      llama-bench -t 2 -r 3 -o jsonl -ctk f16 -ctv f16 -p 256 -n 32 -d 0,256 --poll POLL
                  (POLL 0: the threadpool's threads sleep at once between graphs; 50, the default: they spin first)
  kv:ROOT         `ROOT/kvscope bench --prompt-tokens 256 --decode-tokens 32 --repeat 3 --warmup 1 --bandwidth-mib 0
                  --quiet --cache-type f16` (a kvscope build's tree, e.g. /tmp/main30 or this one)
  benchmarks/llamacpp/spin-ab.py [--rounds 4] [--first 0] [--slow-gbs 40] MODEL.gguf VARIANT VARIANT ...
  benchmarks/llamacpp/spin-ab.py --sum LOG...   slow processes per variant (calls cut by a timeout included), Fisher's
  exact two-sided p for the first two variants' slow/fast counts, and decode ratios within rounds, all rounds and
  rounds where both processes met the same state. A process whose prefill fell below DISTURBED x the file's median
  prefill among the same engine's processes (a core taken by something else running beside it) is counted apart as disturbed, not as slow or fast."""
import json
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
import process_log  # noqa: E402


def one(variant, model, binaries):
    kind, _, arg = variant.partition(":")
    if kind == "llama":
        cmd = [os.path.join(binaries, "llama-bench"), "-m", model, "-t", "2", "-r", "3", "-o", "jsonl", "-ctk", "f16",
               "-ctv", "f16", "-p", "256", "-n", "32", "-d", "0,256", "--poll", arg]
        out, _, rss = compare.run(cmd)
        tests = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
        pp = next(t["avg_ts"] for t in tests if t["n_prompt"] == 256 and t["n_gen"] == 0 and t["n_depth"] == 0)
        tg = next(t["avg_ts"] for t in tests if t["n_gen"] == 32 and t["n_prompt"] == 0 and t["n_depth"] == 256)
        return pp, tg, rss
    if kind == "kv":
        return compare.kvscope_bench(model, 256, 32, 2, 3, ["--cache-type", "f16"], root=os.path.abspath(arg))
    compare.fail("unknown variant %r (llama:POLL or kv:ROOT)" % variant)


DISTURBED = 0.8

def summarize(logs):
    procs = process_log.read(logs, "round")
    order = []
    for p in procs:
        p["round"], p["variant"] = p["index"], p["name"]
        if p["variant"] not in order:
            order.append(p["variant"])
    for model in sorted({p["model"] for p in procs}):
        ps = [p for p in procs if p["model"] == model]
        floors = {}
        for kind in {p["variant"].split(":")[0] for p in ps}:
            floors[kind] = DISTURBED * statistics.median(p["pp"] for p in ps if p["variant"].startswith(kind + ":"))
        for p in ps:
            if p["pp"] < floors[p["variant"].split(":")[0]]:
                p["state"] = "disturbed"
        print(model + " (disturbed: prefill below %s tok/s)" % ", ".join("%s %.1f" % kv for kv in sorted(floors.items())))
        counts = {}
        for v in order:
            vs = [p for p in ps if p["variant"] == v]
            if not vs:
                continue
            slow = sum(1 for p in vs if p["state"] == "slow")
            fast = sum(1 for p in vs if p["state"] == "fast")
            counts[v] = (slow, fast)
            print("  %-22s slow %2d of %2d (%d disturbed); undisturbed decode median %.2f tok/s (fast %s, slow %s); prefill median %.2f" % (
                v, slow, slow + fast, len(vs) - slow - fast, statistics.median(p["tg"] for p in vs if p["state"] != "disturbed") if slow + fast else 0.0,
                med([p["tg"] for p in vs if p["state"] == "fast"]), med([p["tg"] for p in vs if p["state"] == "slow"]),
                statistics.median(p["pp"] for p in vs)))
        vs = [v for v in order if v in counts]
        if len(vs) >= 2:
            (a, b), (c, d) = counts[vs[0]], counts[vs[1]]
            print("  slow %s %d/%d vs %s %d/%d: Fisher two-sided p = %.3f" % (vs[0], a, a + b, vs[1], c, c + d,
                                                                           process_log.fisher_two_sided(a, b, c, d)))
            rounds = {}
            for p in ps:
                rounds.setdefault((p["log"], p["round"]), {})[p["variant"]] = p
            full = [r for r in rounds.values() if vs[0] in r and vs[1] in r
                    and "disturbed" not in (r[vs[0]]["state"], r[vs[1]]["state"])]
            same = [r for r in full if r[vs[0]]["state"] == r[vs[1]]["state"]]
            print("  decode %s / %s: %d undisturbed rounds %s; %d in the same state %s" % (
                vs[0], vs[1], len(full), compare.spread([r[vs[0]]["tg"] / r[vs[1]]["tg"] for r in full]), len(same),
                compare.spread([r[vs[0]]["tg"] / r[vs[1]]["tg"] for r in same])))
            print("  prefill %s / %s: %s" % (vs[0], vs[1], compare.spread([r[vs[0]]["pp"] / r[vs[1]]["pp"] for r in full])))


def med(xs):
    return "%.2f" % statistics.median(xs) if xs else "-"


def main():
    a = process_log.series_arguments(__doc__, summarize, [("model", None), ("variants", "+")], "--rounds", 4)
    if a is None:
        return
    binaries = os.path.join(compare.SCRATCH, "bin")
    size = os.path.getsize(a.model)
    print("%s, %.3f GB" % (os.path.basename(a.model), size / 1e9), flush=True)
    k = len(a.variants)
    for r in range(a.first, a.first + a.rounds):
        for v in a.variants[r % k:] + a.variants[:r % k]:
            process_log.measure("round", r + 1, v, size, a.slow_gbs, lambda: one(v, a.model, binaries))


if __name__ == "__main__":
    main()
